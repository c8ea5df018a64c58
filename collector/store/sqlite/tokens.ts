// Rights tokens on SQLite: the rights_tokens table (store/sqlite/store.ts MIGRATIONS), one row per
// anonymousId that holds a token; the logic is tokens.ts'.
import type Database from 'better-sqlite3'
import {
  isLive,
  issueFor,
  ownerHash,
  type RandomBytes,
  type TokenKey,
  type TokenRow,
  tokenKey,
} from '../../identity/tokens.ts'
import type { IdentityStore } from '../../identity/types.ts'
import { sameSecret } from '../../privacy/crypto.ts'

type TokenMethods = Pick<
  IdentityStore,
  | 'issueToken'
  | 'firstMessageOf'
  | 'renewToken'
  | 'verifyToken'
  | 'revokeToken'
  | 'revokeTokensFor'
  | 'deleteExpiredTokens'
>

/**
 * Revokes every token of these anonymousIds, synchronously, so that erasure can call it inside its
 * own transaction; returns how many went.
 */
export const revokeTokens = (
  db: Database.Database,
  secret: string,
  site: string,
  anonymousIds: readonly string[],
) => {
  const revoke = db.prepare<[string, string]>('DELETE FROM rights_tokens WHERE site = ? AND owner = ?')
  let revoked = 0
  for (const a of anonymousIds) revoked += revoke.run(site, ownerHash(secret, site, a)).changes
  return revoked
}

export const sqliteTokens = (db: Database.Database, secret: string, random?: RandomBytes): TokenMethods => {
  // Takes the owner's row only when none is there or the one there has expired: one live token
  // per anonymousId, in one statement, whoever asks at the same moment.
  const insert = db.prepare<TokenRow>(
    `INSERT INTO rights_tokens (site, owner, hash, issued_at, expires_at)
     VALUES (@site, @owner, @hash, @issuedAt, @expiresAt)
     ON CONFLICT (site, owner) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at,
       expires_at = excluded.expires_at
     WHERE rights_tokens.expires_at <= excluded.issued_at`,
  )
  const row = db.prepare<[string, string], Pick<TokenRow, 'hash' | 'expiresAt'>>(
    'SELECT hash, expires_at AS expiresAt FROM rights_tokens WHERE site = ? AND owner = ?',
  )
  // Compare and swap: the row still holds the token that was checked, and it is still live.
  const exchange = db.prepare<[TokenRow, string]>(
    `UPDATE rights_tokens SET hash = @hash, issued_at = @issuedAt, expires_at = @expiresAt
     WHERE site = @site AND owner = @owner AND hash = ? AND expires_at > @issuedAt`,
  )
  const remove = db.prepare<[string, string, string]>(
    'DELETE FROM rights_tokens WHERE site = ? AND owner = ? AND hash = ?',
  )
  const expired = db.prepare<[number]>('DELETE FROM rights_tokens WHERE expires_at <= ?')
  const first = db.prepare<[string, string], { message_id: string }>(
    'SELECT message_id FROM events WHERE site = ? AND anonymous_id = ? ORDER BY id LIMIT 1',
  )

  /** The token's key when its row is stored and live. */
  const live = (site: string, token: string, now: number): TokenKey | undefined => {
    const key = tokenKey(secret, site, token)
    return key && isLive(row.get(site, key.owner), key, now) ? key : undefined
  }

  return {
    issueToken: async (site, anonymousId, now) => {
      const { issued, row: fresh } = issueFor(secret, site, anonymousId, now, random)
      return insert.run(fresh).changes === 1 ? issued : undefined
    },
    firstMessageOf: async (site, anonymousId) => first.get(site, anonymousId)?.message_id,
    renewToken: async (site, token, now) => {
      const key = live(site, token, now)
      if (!key) return undefined
      const { issued, row: fresh } = issueFor(secret, site, key.anonymousId, now, random)
      return exchange.run(fresh, key.hash).changes === 1 ? issued : undefined
    },
    verifyToken: async (site, token, now) => live(site, token, now)?.anonymousId,
    revokeToken: async (site, token) => {
      const key = tokenKey(secret, site, token)
      const stored = key && row.get(site, key.owner)
      // Expired or not: the holder wants it gone, and it goes.
      return (
        !!key &&
        !!stored &&
        sameSecret(stored.hash, key.hash) &&
        remove.run(site, key.owner, key.hash).changes === 1
      )
    },
    revokeTokensFor: async (site, anonymousIds) => revokeTokens(db, secret, site, anonymousIds),
    deleteExpiredTokens: async (now) => expired.run(now).changes,
  }
}
