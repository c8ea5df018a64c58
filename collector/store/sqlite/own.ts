// Self-service on SQLite: what a browser's token reaches (own-data.ts), its download and erasure.
import type Database from 'better-sqlite3'
import { type OwnScope, ownData, type SeqEventRow, scopeIdentifiers } from '../../identity/own-data.ts'
import { applyEvent, emptyProfile, type IdentitySettings } from '../../identity/rules.ts'
import { type AuditRow, auditEntryOf } from '../../identity/shared-profile.ts'
import { linkEventOf } from '../../identity/shared-resolver.ts'
import type { IdentityStore, Shred } from '../../identity/types.ts'
import { checkpointAfterErasure, type IdentitySql, marks, ofProfile, suppressionHash } from './resolver.ts'
import { revokeTokens } from './tokens.ts'

/** Set by ingest alone, when the site signed the event's userId (verification.ts). */
const VERIFIED = `json_extract(payload, '$.context.userVerified') = 1`

export const sqliteOwn = (
  db: Database.Database,
  sql: IdentitySql,
  secret: string,
  shred: Shred,
): Pick<IdentityStore, 'exportOwn' | 'eraseOwn'> => {
  const column = <T>(statement: string, ...params: unknown[]) =>
    db
      .prepare<unknown[], Record<string, T>>(statement)
      .raw()
      .all(...params)
      .map((r) => (r as unknown as T[])[0]!)

  const scopeOf = (site: string, anonymousId: string): OwnScope => {
    const users = column<string>(
      `SELECT DISTINCT user_id FROM events WHERE site = ? AND anonymous_id = ? AND user_id IS NOT NULL AND ${VERIFIED}`,
      site,
      anonymousId,
    )
    const devices = column<string>(
      `SELECT DISTINCT anonymous_id FROM events WHERE site = ? AND user_id IN ${marks(users.length)}
       AND anonymous_id IS NOT NULL AND ${VERIFIED}`,
      site,
      ...users,
    )
    return { users, anonymous: [...new Set([anonymousId, ...devices])] }
  }

  /** The scope's events; the site in each branch lets SQLite read both indexes. */
  const where = (site: string, scope: OwnScope) => ({
    clause: `(site = ? AND anonymous_id IN ${marks(scope.anonymous.length)})
      OR (site = ? AND user_id IN ${marks(scope.users.length)})`,
    params: [site, ...scope.anonymous, site, ...scope.users],
  })

  /** The profiles holding any of the scope's ids. */
  const ownersOf = (site: string, scope: OwnScope) =>
    column<string>(
      `SELECT DISTINCT profile_id FROM identifiers WHERE site = ? AND ((kind = 'user' AND value IN ${marks(scope.users.length)})
       OR (kind = 'anonymous' AND value IN ${marks(scope.anonymous.length)}))`,
      site,
      ...scope.users,
      ...scope.anonymous,
    )

  /** A profile after some of its identifiers and events went: folded again, or gone if nothing is left. */
  const refold = (site: string, id: string, settings: IdentitySettings) => {
    const held = sql.held.all(site, id)
    const events = ofProfile(site, id, held)
    if (events.empty) {
      db.prepare('DELETE FROM identifiers WHERE site = ? AND profile_id = ?').run(site, id)
      sql.deleteProfile.run(site, id)
      db.prepare('DELETE FROM profile_redirects WHERE site = ? AND to_id = ?').run(site, id)
      return
    }
    let data = emptyProfile()
    const rows = db
      .prepare<unknown[], SeqEventRow>(`SELECT id AS seq, * FROM events WHERE ${events.where} ORDER BY id`)
      .all(...events.params)
    for (const row of rows) data = applyEvent(data, linkEventOf({ ...row, id: row.seq }, settings))
    sql.saveProfile.run(JSON.stringify(data), site, id)
  }

  const erase = db.transaction(
    (site: string, anonymousId: string, settings: IdentitySettings, now: number) => {
      const scope = scopeOf(site, anonymousId)
      const { clause, params } = where(site, scope)
      const owners = ownersOf(site, scope)
      const audit = db
        .prepare(
          `DELETE FROM identity_audit WHERE site = ? AND message_id IN (SELECT message_id FROM events WHERE ${clause})`,
        )
        .run(site, ...params)
      const events = db.prepare(`DELETE FROM events WHERE ${clause}`).run(...params).changes
      if (events + owners.length + audit.changes === 0) return undefined
      db.prepare(
        `DELETE FROM identifiers WHERE site = ? AND ((kind = 'user' AND value IN ${marks(scope.users.length)})
       OR (kind = 'anonymous' AND value IN ${marks(scope.anonymous.length)}))`,
      ).run(site, ...scope.users, ...scope.anonymous)
      const suppress = db.prepare('INSERT OR IGNORE INTO suppressions (site, hash, at) VALUES (?, ?, ?)')
      for (const id of scopeIdentifiers(scope)) suppress.run(site, suppressionHash(secret, site, id), now)
      revokeTokens(db, secret, site, scope.anonymous)
      for (const id of owners) refold(site, id, settings)
      // Resolvers' caches (this process's and any other's) must not bring any of it back.
      sql.setGeneration.run(String(Number(sql.generation.get()!.value) + 1))
      return { events, ids: scopeIdentifiers(scope) }
    },
  )

  return {
    exportOwn: async (site, anonymousId, settings) => {
      const scope = scopeOf(site, anonymousId)
      const { clause, params } = where(site, scope)
      const rows = db
        .prepare<unknown[], SeqEventRow>(`SELECT id AS seq, * FROM events WHERE ${clause}`)
        .all(...params)
      if (rows.length === 0) return undefined
      const owners = ownersOf(site, scope)
      const audit = db
        .prepare<unknown[], AuditRow>(
          `SELECT * FROM identity_audit WHERE site = ? AND profile_id IN ${marks(owners.length)}
           AND message_id IN (SELECT message_id FROM events WHERE ${clause}) ORDER BY id`,
        )
        .all(site, ...owners, ...params)
      return ownData(scope, rows, audit.map(auditEntryOf), settings)
    },
    eraseOwn: async (site, anonymousId, settings, now) => {
      // Keys first and again after the rows (see sqlite/identity.ts).
      await shred(site, scopeIdentifiers(scopeOf(site, anonymousId)))
      const erased = erase.immediate(site, anonymousId, settings, now)
      if (!erased) return undefined
      await shred(site, erased.ids)
      checkpointAfterErasure(db)
      return { events: erased.events }
    },
  }
}
