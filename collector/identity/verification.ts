// Identity verification: a site vouches for a user id with an HMAC computed on its own server
// (as Intercom's identity verification does), so only links it signed widen what a browser's
// self-service token reaches. A browser alone can claim any user id; it cannot sign one.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The hex HMAC-SHA256 of the user id under the site's identity secret: what the site's server sends. */
export const userHash = (secret: string, userId: string) =>
  createHmac('sha256', secret).update(userId).digest('hex')

/** Where each site's identity secret comes from: PRECIS_IDENTITY_SECRET_<SITE ID>, `-` as `_`. */
export const identitySecretVar = (siteId: string) =>
  `PRECIS_IDENTITY_SECRET_${siteId.toUpperCase().replaceAll('-', '_')}`

const MIN_SECRET = 32

/** The identity secrets the environment sets, by site id; a secret too short to be safe is fatal. */
export const identitySecretsFrom = (
  env: Record<string, string | undefined>,
  siteIds: readonly string[],
): Record<string, string> => {
  const secrets: Record<string, string> = {}
  for (const id of siteIds) {
    const name = identitySecretVar(id)
    const value = env[name]
    if (!value) continue
    if (value.length < MIN_SECRET)
      throw new Error(`invalid environment: ${name} must be at least ${MIN_SECRET} characters`)
    secrets[id] = value
  }
  return secrets
}

const matches = (secret: string, userId: string, given: unknown) => {
  if (typeof given !== 'string') return false
  const expected = Buffer.from(userHash(secret, userId))
  const actual = Buffer.from(given.toLowerCase())
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/**
 * The context to store: the client's `userHash` never is (it stands for the user id), and
 * `userVerified: true` is the collector's word alone, set when the hash is the site's signature of
 * the event's userId.
 */
export const verifiedContext = (
  context: Record<string, unknown> | undefined,
  userId: string | null | undefined,
  secret: string | undefined,
): Record<string, unknown> | undefined => {
  if (!context || !('userHash' in context || 'userVerified' in context)) return context
  const { userHash: given, userVerified: _claimed, ...rest } = context
  return secret && userId && matches(secret, userId, given) ? { ...rest, userVerified: true } : rest
}
