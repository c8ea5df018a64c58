import type Database from 'better-sqlite3'
import type { Identifier } from '../../identity/rules.ts'
import { type AuditRow, auditEntryOf, profileView } from '../../identity/shared-profile.ts'
import type { AuditEntry, IdentityStore, ProfileView, Shred } from '../../identity/types.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import { sqliteOwn } from './own.ts'
import {
  checkpointAfterErasure,
  createResolver,
  identitySql,
  marks,
  ofProfile,
  resolvePending,
  suppressionHash,
} from './resolver.ts'
import { revokeTokens, sqliteTokens } from './tokens.ts'

/** SQLite's identity store: profiles, identifiers, merges, erasure and self-service tokens. */
/**
 * `resolverDb` may be a connection of its own: resolution writes only derived rows, replayable from
 * the events (its watermark commits with them), so it can skip the fsync that acknowledged events
 * and consent records need.
 */
export const sqliteIdentity = (
  db: Database.Database,
  newId: () => string,
  resolverDb: Database.Database = db,
  /** Destroys the data keys of erased identifiers, once their rows are gone (privacy/sealing.ts). */
  shred: Shred = async () => 0,
  /** The resolver's cache budget (sqlite/resolver.ts). */
  resolverCacheBytes?: number,
): IdentityStore => {
  const sql = identitySql(db)
  const resolverSql = resolverDb === db ? sql : identitySql(resolverDb)
  const resolver = createResolver(resolverSql, newId, resolverCacheBytes)
  const secret = sql.secret()

  const profileIdOf = (site: string, key: string): string | undefined =>
    sql.profile.get(site, key)?.id ??
    sql.redirected.get(site, key)?.to_id ??
    sql.owner.get(site, 'user', key)?.profile_id ??
    sql.owner.get(site, 'anonymous', key)?.profile_id

  const view = (site: string, id: string, now: number): ProfileView =>
    profileView(site, id, sql.profile.get(site, id)!.data, sql.held.all(site, id), now)

  const eventsOf = (site: string, id: string, ids: Identifier[], limit = -1) => {
    const { empty, where, params } = ofProfile(site, id, ids)
    if (empty) return []
    return db
      .prepare<unknown[], EventRow>(
        `SELECT * FROM events WHERE ${where} ORDER BY timestamp DESC, id DESC LIMIT ?`,
      )
      .all(...params, limit)
      .map(fromEventRow)
  }

  /** The profile's id and the ids merged into it: audit entries name any of them. */
  const allIdsOf = (site: string, id: string) => [
    id,
    ...db
      .prepare<[string, string], { from_id: string }>(
        'SELECT from_id FROM profile_redirects WHERE site = ? AND to_id = ?',
      )
      .all(site, id)
      .map((r) => r.from_id),
  ]

  const auditOf = (site: string, ids: string[]): AuditEntry[] =>
    db
      .prepare<unknown[], AuditRow>(
        `SELECT * FROM identity_audit WHERE site = ? AND (profile_id IN ${marks(ids.length)}
         OR other_id IN ${marks(ids.length)}) ORDER BY id`,
      )
      .all(site, ...ids, ...ids)
      .map(auditEntryOf)

  const run = (statement: string, ...params: unknown[]) => db.prepare(statement).run(...params).changes

  /** Deletes the profile, its identifiers, the ids merged into it and every audit entry naming them. */
  const forget = (site: string, id: string) => {
    const profileIds = allIdsOf(site, id)
    const auditEntries = run(
      `DELETE FROM identity_audit WHERE site = ? AND (profile_id IN ${marks(profileIds.length)}
       OR other_id IN ${marks(profileIds.length)})`,
      site,
      ...profileIds,
      ...profileIds,
    )
    const identifiers = run('DELETE FROM identifiers WHERE site = ? AND profile_id = ?', site, id)
    run('DELETE FROM profiles WHERE site = ? AND id = ?', site, id)
    run(`DELETE FROM profile_redirects WHERE site = ? AND to_id = ?`, site, id)
    return { auditEntries, identifiers }
  }

  /** Profiles last seen before `before` (their events are past retention too), a chunk at a time. */
  const expireChunk = db.transaction((site: string, before: number) => {
    const ids = db
      .prepare<[string, number], { id: string }>(
        `SELECT id FROM profiles WHERE site = ? AND coalesce(json_extract(data, '$.lastSeen'), 0) < ? LIMIT 500`,
      )
      .all(site, before)
    const held = ids.flatMap(({ id }) => sql.held.all(site, id))
    for (const { id } of ids) forget(site, id)
    if (ids.length > 0) sql.setGeneration.run(String(Number(sql.generation.get()!.value) + 1))
    return { count: ids.length, held }
  })

  const erase = db.transaction((site: string, key: string, now: number) => {
    const id = profileIdOf(site, key)
    if (!id) return undefined
    const ids = sql.held.all(site, id)
    const events = ofProfile(site, id, ids)
    const deleted = events.empty ? 0 : run(`DELETE FROM events WHERE ${events.where}`, ...events.params)
    const { auditEntries, identifiers } = forget(site, id)
    const suppress = db.prepare('INSERT OR IGNORE INTO suppressions (site, hash, at) VALUES (?, ?, ?)')
    for (const i of ids) {
      suppress.run(site, suppressionHash(secret, site, i), now)
      if (i.kind === 'anonymous') revokeTokens(db, secret, site, [i.value])
    }
    // Resolvers' caches (this process's and any other's) must not bring any of it back.
    sql.setGeneration.run(String(Number(sql.generation.get()!.value) + 1))
    return { erasure: { profileId: id, events: deleted, identifiers, auditEntries }, ids }
  })

  return {
    resolveIdentities: async (settings, now) =>
      resolvePending(resolverDb, resolverSql, resolver, settings, now),
    findProfile: async (site, key, now) => {
      const id = profileIdOf(site, key)
      return id ? view(site, id, now) : undefined
    },
    profileEvents: async (site, profileId, limit) =>
      eventsOf(site, profileId, sql.held.all(site, profileId), limit),
    exportProfile: async (site, key, now) => {
      const id = profileIdOf(site, key)
      if (!id) return undefined
      const profile = view(site, id, now)
      return {
        profile,
        events: eventsOf(site, id, profile.identifiers).reverse(),
        audit: auditOf(site, allIdsOf(site, id)),
      }
    },
    expirePeople: async (site, before) => {
      let expired = 0
      for (;;) {
        const { count, held } = expireChunk.immediate(site, before)
        await shred(site, held)
        if (count === 0) return expired
        expired += count
      }
    },
    eraseProfile: async (site, key, now) => {
      // Keys go first: a crash after this leaves rows nobody can open, never rows that still open;
      // after the rows, the keys of ids that joined meanwhile.
      const id = profileIdOf(site, key)
      if (id) await shred(site, sql.held.all(site, id))
      const erased = erase.immediate(site, key, now)
      if (!erased) return undefined
      await shred(site, erased.ids)
      checkpointAfterErasure(db)
      return erased.erasure
    },
    ...sqliteOwn(db, sql, secret, shred),
    ...sqliteTokens(db, secret),
  }
}
