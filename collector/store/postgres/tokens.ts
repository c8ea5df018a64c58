// Rights tokens on PostgreSQL: the rights_tokens table (migration identity/2), one row per
// anonymousId that holds a token; the logic is tokens.ts'.

import {
  isLive,
  issueFor,
  ownerHash,
  type RandomBytes,
  type TokenKey,
  tokenKey,
} from '../../identity/tokens.ts'
import type { IdentityStore } from '../../identity/types.ts'
import { sameSecret } from '../../privacy/crypto.ts'
import type { Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'

/** The old signed tokens go with their table: browsers ask again. */
export const TOKENS_MIGRATION: Migration = {
  name: 'identity/2',
  sql: `
    DROP TABLE identity_tokens;
    CREATE TABLE rights_tokens (
      site TEXT NOT NULL,
      owner TEXT NOT NULL,
      hash TEXT NOT NULL,
      issued_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (site, owner)
    );
    CREATE INDEX rights_tokens_expiry ON rights_tokens (expires_at);`,
}

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

/** Revokes every token of these anonymousIds; on `tx`, erasure revokes in its own transaction. */
export const revokeTokens = (db: Sql | Tx, secret: string, site: string, anonymousIds: readonly string[]) =>
  db`DELETE FROM rights_tokens WHERE site = ${site}
     AND owner = ANY(${anonymousIds.map((a) => ownerHash(secret, site, a))}::text[])`

export const postgresTokens = (
  sql: Sql,
  secret: () => Promise<string>,
  random?: RandomBytes,
): TokenMethods => {
  const stored = async (site: string, owner: string) => {
    const [row] = await sql<{ hash: string; expiresAt: number }[]>`
      SELECT hash, expires_at AS "expiresAt" FROM rights_tokens WHERE site = ${site} AND owner = ${owner}`
    return row
  }

  /** The token's key when its row is stored and live. */
  const live = async (site: string, token: string, now: number): Promise<TokenKey | undefined> => {
    const key = tokenKey(await secret(), site, token)
    return key && isLive(await stored(site, key.owner), key, now) ? key : undefined
  }

  return {
    // Takes the owner's row only when none is there or the one there has expired: one live token
    // per anonymousId, in one statement, whoever asks at the same moment.
    issueToken: async (site, anonymousId, now) => {
      const { issued, row } = issueFor(await secret(), site, anonymousId, now, random)
      const taken = await sql`
        INSERT INTO rights_tokens (site, owner, hash, issued_at, expires_at)
        VALUES (${site}, ${row.owner}, ${row.hash}, ${now}, ${row.expiresAt})
        ON CONFLICT (site, owner) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at,
          expires_at = excluded.expires_at
        WHERE rights_tokens.expires_at <= excluded.issued_at`
      return taken.count === 1 ? issued : undefined
    },
    firstMessageOf: async (site, anonymousId) =>
      (
        await sql<{ message_id: string }[]>`
          SELECT message_id FROM events WHERE site = ${site} AND anonymous_id = ${anonymousId}
          ORDER BY seq LIMIT 1`
      )[0]?.message_id,
    // Compare and swap: the row still holds the token that was checked, and it is still live.
    renewToken: async (site, token, now) => {
      const key = await live(site, token, now)
      if (!key) return undefined
      const { issued, row } = issueFor(await secret(), site, key.anonymousId, now, random)
      const swapped = await sql`
        UPDATE rights_tokens SET hash = ${row.hash}, issued_at = ${now}, expires_at = ${row.expiresAt}
        WHERE site = ${site} AND owner = ${key.owner} AND hash = ${key.hash} AND expires_at > ${now}`
      return swapped.count === 1 ? issued : undefined
    },
    verifyToken: async (site, token, now) => (await live(site, token, now))?.anonymousId,
    revokeToken: async (site, token) => {
      const key = tokenKey(await secret(), site, token)
      const row = key && (await stored(site, key.owner))
      // Expired or not: the holder wants it gone, and it goes.
      if (!key || !row || !sameSecret(row.hash, key.hash)) return false
      const removed = await sql`
        DELETE FROM rights_tokens WHERE site = ${site} AND owner = ${key.owner} AND hash = ${key.hash}`
      return removed.count === 1
    },
    revokeTokensFor: async (site, anonymousIds) =>
      (await revokeTokens(sql, await secret(), site, anonymousIds)).count,
    deleteExpiredTokens: async (now) =>
      (await sql`DELETE FROM rights_tokens WHERE expires_at <= ${now}`).count,
  }
}
