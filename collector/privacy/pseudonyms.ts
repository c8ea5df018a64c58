// User ids and anonymous ids meet the database only as keyed pseudonyms: an HMAC under the site's
// pseudonym key, which lives in the key store (wrapped by the master key, re-wrapped on rotation,
// never destroyed) and not in the database. Equal ids give equal pseudonyms, so profiles, tokens,
// suppression and statistics work on them unchanged; a copy of the database alone reveals no id
// and cannot test a guessed one. The clear user id is sealed in the event with the person's key
// (privacy/personal.ts, `ids`), so erasure leaves nothing that opens.
import { createHmac } from 'node:crypto'
import type { KeyStore } from './keys.ts'

/**
 * The key-store subject of a site's pseudonym key. Person subjects are hex keyed hashes, so this
 * name never meets one, and erasure or retention never destroys it.
 */
export const PSEUDONYM_SUBJECT = 'site-pseudonyms'

/** Marks a pseudonym (a client's id is pseudonymized whatever it looks like). */
const PREFIX = '~'

export type Pseudonymize = (value: string) => string

/** The pseudonym function of one key: 128 bits of HMAC-SHA256, base64url. */
export const pseudonymWith =
  (key: Buffer): Pseudonymize =>
  (value) =>
    `${PREFIX}${createHmac('sha256', key).update(`precis-id\0${value}`).digest('base64url').slice(0, 22)}`

/**
 * Each site's pseudonym function, its key fetched (or made) once per process: the key never
 * changes, so keeping it is safe where keeping a person's key would not be.
 */
export const pseudonymsOf = (keys: KeyStore) => {
  const bySite = new Map<string, Promise<Pseudonymize>>()
  return (site: string) => {
    let found = bySite.get(site)
    if (!found) {
      found = keys.keyFor(site, PSEUDONYM_SUBJECT).then((k) => pseudonymWith(k.key))
      // A failed fetch is tried again next time.
      found.catch(() => bySite.delete(site))
      bySite.set(site, found)
    }
    return found
  }
}
