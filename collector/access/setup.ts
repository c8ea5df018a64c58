// The first run: while no user exists, each start makes a one-time link that creates the owner
// (POST /admin/api/setup). The token travels in the URL's fragment, so no server or proxy log and
// no Referer ever holds it; only its hash is stored, and only the newest link works.
import { secretHash } from '../middleware/admin-auth.ts'
import type { AccessStore } from './types.ts'

export const SETUP_LINK_MS = 3_600_000

/** The line to print, or undefined when someone can sign in already. */
export const setupLink = async (
  store: Pick<AccessStore, 'countUsers' | 'createSetupToken'>,
  baseUrl: string,
  now: number,
  randomBytes: (n: number) => Uint8Array,
) => {
  if ((await store.countUsers()) > 0) return undefined
  const token = Buffer.from(randomBytes(32)).toString('base64url')
  await store.createSetupToken(secretHash(token), now + SETUP_LINK_MS)
  return `first run: create the owner of the dashboard at ${baseUrl}/admin/#setup=${token} (works once, for 1 hour; a restart makes a new one)`
}
