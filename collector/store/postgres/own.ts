// Self-service on PostgreSQL: what a browser's token reaches (own-data.ts), its download and
// erasure, with the semantics of sqlite/own.ts.

import { type OwnScope, ownData, type SeqEventRow, scopeIdentifiers } from '../../identity/own-data.ts'
import { applyEvent, emptyProfile, type IdentitySettings } from '../../identity/rules.ts'
import { type AuditRow, auditEntryOf } from '../../identity/shared-profile.ts'
import { linkEventOf, suppressionHash } from '../../identity/shared-resolver.ts'
import type { IdentityStore, Shred } from '../../identity/types.ts'
import { type Db, heldBy, ofProfile } from './identity.ts'
import { lockIdentity } from './resolver.ts'
import type { Sql } from './schema.ts'
import { revokeTokens } from './tokens.ts'

const COLUMNS = 'seq, site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload'

const scopeOf = async (db: Db, site: string, anonymousId: string): Promise<OwnScope> => {
  // Set by ingest alone, when the site signed the event's userId (verification.ts).
  const verified = db`(payload::jsonb -> 'context' -> 'userVerified') = 'true'::jsonb`
  const users = (
    await db<{ user_id: string }[]>`
      SELECT DISTINCT user_id FROM events WHERE site = ${site} AND anonymous_id = ${anonymousId}
      AND user_id IS NOT NULL AND ${verified}`
  ).map((r) => r.user_id)
  const devices = users.length
    ? (
        await db<{ anonymous_id: string }[]>`
          SELECT DISTINCT anonymous_id FROM events WHERE site = ${site} AND user_id = ANY(${users}::text[])
          AND anonymous_id IS NOT NULL AND ${verified}`
      ).map((r) => r.anonymous_id)
    : []
  return { users, anonymous: [...new Set([anonymousId, ...devices])] }
}

const inScope = (db: Db, site: string, scope: OwnScope) =>
  db`site = ${site} AND (anonymous_id = ANY(${scope.anonymous}::text[]) OR user_id = ANY(${scope.users}::text[]))`

const holdsScope = (db: Db, site: string, scope: OwnScope) =>
  db`site = ${site} AND ((kind = 'user' AND value = ANY(${scope.users}::text[]))
    OR (kind = 'anonymous' AND value = ANY(${scope.anonymous}::text[])))`

const ownersOf = async (db: Db, site: string, scope: OwnScope) =>
  (
    await db<{ profile_id: string }[]>`
      SELECT DISTINCT profile_id FROM identifiers WHERE ${holdsScope(db, site, scope)}`
  ).map((r) => r.profile_id)

/** A profile after some of its identifiers and events went: folded again, or gone if nothing is left. */
const refold = async (db: Db, site: string, id: string, settings: IdentitySettings) => {
  const held = await heldBy(db, site, id)
  if (!held.some((i) => i.kind !== 'email')) {
    await db`DELETE FROM identifiers WHERE site = ${site} AND profile_id = ${id}`
    await db`DELETE FROM profiles WHERE site = ${site} AND id = ${id}`
    await db`DELETE FROM profile_redirects WHERE site = ${site} AND to_id = ${id}`
    return
  }
  const rows = await db<SeqEventRow[]>`
    SELECT ${db.unsafe(COLUMNS)} FROM events WHERE ${ofProfile(db, site, id, held)} ORDER BY seq`
  let data = emptyProfile()
  for (const row of rows) data = applyEvent(data, linkEventOf({ ...row, id: row.seq }, settings))
  await db`UPDATE profiles SET data = ${JSON.stringify(data)} WHERE site = ${site} AND id = ${id}`
}

export const postgresOwn = (
  sql: Sql,
  secret: () => Promise<string>,
  shred: Shred,
): Pick<IdentityStore, 'exportOwn' | 'eraseOwn'> => ({
  // One snapshot: the scope and its events as of one moment, even mid-resolution.
  exportOwn: (site, anonymousId, settings) =>
    sql.begin('isolation level repeatable read read only', async (tx) => {
      const scope = await scopeOf(tx, site, anonymousId)
      const rows = await tx<SeqEventRow[]>`
        SELECT ${tx.unsafe(COLUMNS)} FROM events WHERE ${inScope(tx, site, scope)}`
      if (rows.length === 0) return undefined
      const owners = await ownersOf(tx, site, scope)
      const audit = await tx<AuditRow[]>`
        SELECT at, action, profile_id, other_id, identifiers, message_id, reason FROM identity_audit
        WHERE site = ${site} AND profile_id = ANY(${owners}::text[])
        AND message_id IN (SELECT message_id FROM events WHERE ${inScope(tx, site, scope)}) ORDER BY id`
      return ownData(scope, rows, audit.map(auditEntryOf), settings)
    }),
  eraseOwn: async (site, anonymousId, settings, now) => {
    const key = await secret()
    // Keys first and again after the rows (see sqlite/identity.ts).
    await shred(site, scopeIdentifiers(await scopeOf(sql, site, anonymousId)))
    const erased = await sql.begin(async (tx) => {
      // Erasure changes the graph: not while a resolver folds events into it.
      await lockIdentity(tx)
      const scope = await scopeOf(tx, site, anonymousId)
      const owners = await ownersOf(tx, site, scope)
      const audit = await tx`
        DELETE FROM identity_audit WHERE site = ${site}
        AND message_id IN (SELECT message_id FROM events WHERE ${inScope(tx, site, scope)})`
      const events = await tx`DELETE FROM events WHERE ${inScope(tx, site, scope)}`
      if (events.count + owners.length + audit.count === 0) return undefined
      const ids = scopeIdentifiers(scope)
      await Promise.all([
        tx`DELETE FROM identifiers WHERE ${holdsScope(tx, site, scope)}`,
        tx`INSERT INTO suppressions (site, hash, at)
           SELECT ${site}, hash, ${now}::bigint FROM unnest(${ids.map((i) => suppressionHash(key, site, i))}::text[]) AS h(hash)
           ON CONFLICT DO NOTHING`,
        revokeTokens(tx, key, site, scope.anonymous),
      ])
      for (const id of owners) await refold(tx, site, id, settings)
      return { events: events.count, ids }
    })
    if (!erased) return undefined
    await shred(site, erased.ids)
    return { events: erased.events }
  },
})
