// The identity store on PostgreSQL: profile reads, export, erasure and self-service tokens, with the
// semantics of sqlite/identity.ts; resolution is in postgres/resolver.ts.

import type { Identifier } from '../../identity/rules.ts'
import { type AuditRow, auditEntryOf, profileView } from '../../identity/shared-profile.ts'
import { suppressionHash } from '../../identity/shared-resolver.ts'
import type { IdentityStore, ProfileView, Shred } from '../../identity/types.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import type { StoredEvent } from '../types.ts'
import { CHUNK, lockIdentity, resolveQueued, type Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'
import { postgresTokens, revokeTokens, TOKENS_MIGRATION } from './tokens.ts'

/** Identity's schema changes after identity/1 (store/postgres/schema.ts): 'identity/2', … */
export const IDENTITY_MIGRATIONS: Migration[] = [TOKENS_MIGRATION]

export type Db = Sql | Tx

/** The profile a key names: a profile id, an id merged away, a userId, then an anonymousId. */
const profileIdOf = async (db: Db, site: string, key: string) => {
  const [row] = await db<{ id: string }[]>`
    SELECT id FROM (
      SELECT 1 AS rank, id FROM profiles WHERE site = ${site} AND id = ${key}
      UNION ALL SELECT 2, to_id FROM profile_redirects WHERE site = ${site} AND from_id = ${key}
      UNION ALL SELECT 3, profile_id FROM identifiers WHERE site = ${site} AND kind = 'user' AND value = ${key}
      UNION ALL SELECT 4, profile_id FROM identifiers WHERE site = ${site} AND kind = 'anonymous' AND value = ${key}
    ) found ORDER BY rank LIMIT 1`
  return row?.id
}

/** Identifiers in SQLite's order (byte order, whatever the database's collation). */
export const heldBy = (db: Db, site: string, id: string) =>
  db<Identifier[]>`
    SELECT kind, value FROM identifiers WHERE site = ${site} AND profile_id = ${id}
    ORDER BY kind COLLATE "C", value COLLATE "C"`

const view = async (db: Db, site: string, key: string, now: number): Promise<ProfileView | undefined> => {
  const id = await profileIdOf(db, site, key)
  if (!id) return undefined
  const [[row], held] = await Promise.all([
    db<{ data: string }[]>`SELECT data FROM profiles WHERE site = ${site} AND id = ${id}`,
    heldBy(db, site, id),
  ])
  return row && profileView(site, id, row.data, [...held], now)
}

const split = (ids: readonly Identifier[]) => ({
  users: ids.filter((i) => i.kind === 'user').map((i) => i.value),
  anonymous: ids.filter((i) => i.kind === 'anonymous').map((i) => i.value),
})

/**
 * The profile's events (as in sqlite/identity.ts): those carrying one of its user ids, and those
 * of its devices that carry no user id of another profile. Emails are hashed: no column holds them.
 */
export const ofProfile = (db: Db, site: string, id: string, ids: readonly Identifier[]) => {
  const { users, anonymous } = split(ids)
  return db`site = ${site} AND (user_id = ANY(${users}::text[]) OR (anonymous_id = ANY(${anonymous}::text[])
    AND (user_id IS NULL OR NOT EXISTS (SELECT 1 FROM identifiers i WHERE i.site = ${site} AND i.kind = 'user'
      AND i.value = events.user_id AND i.profile_id <> ${id}))))`
}

/** The profile's events, newest first. */
const eventsOf = async (
  db: Db,
  site: string,
  id: string,
  ids: readonly Identifier[],
  limit: number | null = null,
) => {
  if (!ids.some((i) => i.kind !== 'email')) return []
  const rows = await db<EventRow[]>`
    SELECT site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
    FROM events WHERE ${ofProfile(db, site, id, ids)}
    ORDER BY timestamp DESC, seq DESC LIMIT ${limit}`
  return rows.map(fromEventRow)
}

/** The profile's id and the ids merged into it: audit entries name any of them. */
const allIdsOf = async (db: Db, site: string, id: string) => [
  id,
  ...(
    await db<
      { from_id: string }[]
    >`SELECT from_id FROM profile_redirects WHERE site = ${site} AND to_id = ${id}`
  ).map((r) => r.from_id),
]

/** The store's secret. It never changes once made (events/1): read once; a failed read is tried again. */
export const secretReader = (sql: Sql) => {
  let secretRead: Promise<string> | undefined
  return () => {
    secretRead ??= sql<{ value: string }[]>`SELECT value FROM meta WHERE key = 'secret'`.then(([row]) => {
      if (!row) throw new Error('identity: meta has no secret')
      return row.value
    })
    secretRead.catch(() => {
      secretRead = undefined
    })
    return secretRead
  }
}

/** Identity without self-service, which postgres/own.ts adds (store/postgres/store.ts composes them). */
export const postgresIdentity = (
  sql: Sql,
  newId: () => string,
  secret: () => Promise<string>,
  /** Destroys the data keys of erased identifiers, once their rows are gone (privacy/sealing.ts). */
  shred: Shred,
  /** The store is closing: resolution stops after its current chunk. */
  stopping?: () => boolean,
): Omit<IdentityStore, 'exportOwn' | 'eraseOwn'> => {
  const erase = (site: string, key: string, now: number, secretKey: string) =>
    sql.begin(async (tx) => {
      // Erasure changes the graph: not while a resolver folds events into it.
      await lockIdentity(tx)
      const id = await profileIdOf(tx, site, key)
      if (!id) return undefined
      const [ids, profileIds] = await Promise.all([heldBy(tx, site, id), allIdsOf(tx, site, id)])
      const { anonymous } = split(ids)
      const [events, auditEntries, identifiers] = await Promise.all([
        tx`DELETE FROM events WHERE ${ofProfile(tx, site, id, ids)}`,
        tx`DELETE FROM identity_audit WHERE site = ${site}
           AND (profile_id = ANY(${profileIds}::text[]) OR other_id = ANY(${profileIds}::text[]))`,
        tx`DELETE FROM identifiers WHERE site = ${site} AND profile_id = ${id}`,
        tx`DELETE FROM profiles WHERE site = ${site} AND id = ${id}`,
        tx`DELETE FROM profile_redirects WHERE site = ${site} AND to_id = ${id}`,
        tx`INSERT INTO suppressions (site, hash, at)
           SELECT ${site}, hash, ${now}::bigint FROM unnest(${ids.map((i) => suppressionHash(secretKey, site, i))}::text[]) AS h(hash)
           ON CONFLICT DO NOTHING`,
        revokeTokens(tx, secretKey, site, anonymous),
      ])
      return {
        erasure: {
          profileId: id,
          events: events.count,
          identifiers: identifiers.count,
          auditEntries: auditEntries.count,
        },
        ids,
      }
    })

  /** Profiles last seen before `before`, 500 at a time, with what sqlite-identity's forget() deletes. */
  const expireChunk = (site: string, before: number) =>
    sql.begin(async (tx) => {
      await lockIdentity(tx)
      const ids = (
        await tx<{ id: string }[]>`
          SELECT id FROM profiles WHERE site = ${site}
          AND coalesce((data::jsonb ->> 'lastSeen')::double precision, 0) < ${before} LIMIT 500`
      ).map((r) => r.id)
      if (ids.length === 0) return { count: 0, held: [] }
      const held = await tx<Identifier[]>`
        SELECT kind, value FROM identifiers WHERE site = ${site} AND profile_id = ANY(${ids}::text[])`
      const named = tx`SELECT ${site} AS site, unnest(${ids}::text[]) AS id
        UNION SELECT site, from_id FROM profile_redirects WHERE site = ${site} AND to_id = ANY(${ids}::text[])`
      await tx`DELETE FROM identity_audit a USING (${named}) n
        WHERE a.site = n.site AND (a.profile_id = n.id OR a.other_id = n.id)`
      await Promise.all([
        tx`DELETE FROM identifiers WHERE site = ${site} AND profile_id = ANY(${ids}::text[])`,
        tx`DELETE FROM profile_redirects WHERE site = ${site} AND to_id = ANY(${ids}::text[])`,
        tx`DELETE FROM profiles WHERE site = ${site} AND id = ANY(${ids}::text[])`,
      ])
      return { count: ids.length, held: [...held] }
    })

  return {
    expirePeople: async (site, before) => {
      let expired = 0
      for (;;) {
        const { count, held } = await expireChunk(site, before)
        await shred(site, held)
        if (count === 0) return expired
        expired += count
      }
    },
    resolveIdentities: async (settings, now) =>
      resolveQueued(sql, await secret(), newId, settings, now, CHUNK, stopping),
    findProfile: (site, key, now) => view(sql, site, key, now),
    profileEvents: async (site, profileId, limit) =>
      eventsOf(sql, site, profileId, await heldBy(sql, site, profileId), limit),
    // One snapshot: the profile, its events and its audit as of one moment, even mid-resolution.
    exportProfile: (site, key, now) =>
      sql.begin('isolation level repeatable read read only', async (tx) => {
        const profile = await view(tx, site, key, now)
        if (!profile) return undefined
        const [events, ids] = await Promise.all([
          eventsOf(tx, site, profile.id, profile.identifiers),
          allIdsOf(tx, site, profile.id),
        ])
        const audit = await tx<AuditRow[]>`
          SELECT at, action, profile_id, other_id, identifiers, message_id, reason FROM identity_audit
          WHERE site = ${site} AND (profile_id = ANY(${ids}::text[]) OR other_id = ANY(${ids}::text[]))
          ORDER BY id`
        return { profile, events: (events as StoredEvent[]).reverse(), audit: audit.map(auditEntryOf) }
      }),
    eraseProfile: async (site, key, now) => {
      // Keys first and again after the rows (see sqlite/identity.ts).
      const id = await profileIdOf(sql, site, key)
      if (id) await shred(site, await heldBy(sql, site, id))
      const erased = await erase(site, key, now, await secret())
      if (!erased) return undefined
      await shred(site, erased.ids)
      return erased.erasure
    },
    ...postgresTokens(sql, secret),
  }
}
