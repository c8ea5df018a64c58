import { createHmac } from 'node:crypto'
import type Database from 'better-sqlite3'
import {
  applyEvent,
  attachRefusal,
  DEFAULT_IDENTITY,
  emptyProfile,
  type Holdings,
  type Identifier,
  type IdentifierKind,
  type IdentitySettings,
  identifiersOf,
  type LinkEvent,
  mergeData,
  mergeRefusal,
  type ProfileData,
  type Refusal,
} from './rules.ts'

/** Keyed hashes, one purpose each, so a hash kept for one use never matches another's. */
export const keyedHash = (secret: string, purpose: string, ...parts: string[]) =>
  createHmac('sha256', secret)
    .update(`${purpose}\0${parts.join('\0')}`)
    .digest('base64url')

interface EventRow {
  id: number
  site: string
  message_id: string
  type: string
  user_id: string | null
  anonymous_id: string | null
  timestamp: number
  payload: string
}

/** The statements the resolver and the profile reads share. */
export const identitySql = (db: Database.Database) => ({
  secret: () => (db.prepare("SELECT value FROM meta WHERE key = 'secret'").get() as { value: string }).value,
  owner: db.prepare<[string, string, string], { profile_id: string }>(
    'SELECT profile_id FROM identifiers WHERE site = ? AND kind = ? AND value = ?',
  ),
  held: db.prepare<[string, string], Identifier>(
    'SELECT kind, value FROM identifiers WHERE site = ? AND profile_id = ? ORDER BY kind, value',
  ),
  attach: db.prepare(
    'INSERT INTO identifiers (site, kind, value, profile_id, added_at) VALUES (?, ?, ?, ?, ?)',
  ),
  // Without the hint SQLite scans the site's identifiers, since the statement changes profile_id.
  moveIdentifiers: db.prepare(
    'UPDATE identifiers INDEXED BY identifiers_profile SET profile_id = ? WHERE site = ? AND profile_id = ?',
  ),
  profile: db.prepare<[string, string], { id: string; created_seq: number; data: string }>(
    'SELECT id, created_seq, data FROM profiles WHERE site = ? AND id = ?',
  ),
  createProfile: db.prepare('INSERT INTO profiles (site, id, created_seq, data) VALUES (?, ?, ?, ?)'),
  saveProfile: db.prepare('UPDATE profiles SET data = ? WHERE site = ? AND id = ?'),
  deleteProfile: db.prepare('DELETE FROM profiles WHERE site = ? AND id = ?'),
  redirect: db.prepare('INSERT OR REPLACE INTO profile_redirects (site, from_id, to_id) VALUES (?, ?, ?)'),
  retarget: db.prepare('UPDATE profile_redirects SET to_id = ? WHERE site = ? AND to_id = ?'),
  redirected: db.prepare<[string, string], { to_id: string }>(
    'SELECT to_id FROM profile_redirects WHERE site = ? AND from_id = ?',
  ),
  audit: db.prepare(
    `INSERT INTO identity_audit (site, at, action, profile_id, other_id, identifiers, message_id, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  anySuppressed: db.prepare<[string], { one: number }>(
    'SELECT 1 AS one FROM suppressions WHERE site = ? LIMIT 1',
  ),
  suppressed: db.prepare<[string, string], { one: number }>(
    'SELECT 1 AS one FROM suppressions WHERE site = ? AND hash = ?',
  ),
  generation: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'identity_generation'"),
  setGeneration: db.prepare("UPDATE meta SET value = ? WHERE key = 'identity_generation'"),
  watermark: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'identity_watermark'"),
  setWatermark: db.prepare("UPDATE meta SET value = ? WHERE key = 'identity_watermark'"),
  pending: db.prepare<[number, number], EventRow>(
    'SELECT id, site, message_id, type, user_id, anonymous_id, timestamp, payload FROM events WHERE id > ? ORDER BY id LIMIT ?',
  ),
  deleteEvent: db.prepare('DELETE FROM events WHERE id = ?'),
})

export type IdentitySql = ReturnType<typeof identitySql>

/** Suppression hash of an identifier: what erasure leaves behind instead of the identifier. */
export const suppressionHash = (secret: string, site: string, id: Identifier) =>
  keyedHash(secret, 'suppress', site, id.kind, id.value)

/** Most cached identifiers and profiles; past it the caches start over (they are only caches). */
const CACHE_LIMIT = 2_000_000

interface CachedProfile {
  createdSeq: number
  data: ProfileData
  ids: Identifier[]
  dirty: boolean
}

/**
 * The resolver: folds events into profiles one at a time, inside the caller's transaction.
 * An event's identifiers are taken in priority order; the profile of the first known one is the
 * event's profile, the others are attached or their profiles merged into it, unless a rule
 * refuses (two user ids, a limit): then the link is left out and the refusal recorded.
 *
 * Reads go through in-memory caches of owners and profiles, and changed profiles are written once
 * per transaction (`flush`). `begin` drops the caches when another writer (a second process on the
 * same file, an erasure) moved the generation counter since this resolver's last transaction.
 */
export const createResolver = (sql: IdentitySql, newId: () => string) => {
  const secret = sql.secret()
  let owners = new Map<string, string | null>()
  let profiles = new Map<string, CachedProfile>()
  let generation = -1
  const key = (site: string, kind: IdentifierKind, value: string) => `${site}\0${kind}\0${value}`

  const ownerOf = (site: string, kind: IdentifierKind, value: string) => {
    const k = key(site, kind, value)
    let owner = owners.get(k)
    if (owner === undefined) {
      owner = sql.owner.get(site, kind, value)?.profile_id ?? null
      owners.set(k, owner)
    }
    return owner ?? undefined
  }
  const load = (site: string, id: string): CachedProfile => {
    const k = `${site}\0${id}`
    let p = profiles.get(k)
    if (!p) {
      const row = sql.profile.get(site, id)!
      p = {
        createdSeq: row.created_seq,
        data: JSON.parse(row.data),
        ids: sql.held.all(site, id),
        dirty: false,
      }
      profiles.set(k, p)
    }
    return p
  }
  const holdings = ({ ids }: CachedProfile): Holdings => {
    const counts: Holdings['counts'] = {}
    for (const i of ids) counts[i.kind] = (counts[i.kind] ?? 0) + 1
    return { counts, userIds: ids.filter((i) => i.kind === 'user').map((i) => i.value) }
  }
  const audit = (
    site: string,
    at: number,
    action: 'merge' | 'refuse',
    profileId: string,
    otherId: string | null,
    ids: Identifier[],
    messageId: string,
    reason: Refusal | null,
  ) => sql.audit.run(site, at, action, profileId, otherId, JSON.stringify(ids), messageId, reason)

  /** Merges the younger profile into the older one (a stable id); returns the survivor. */
  const merge = (site: string, a: string, b: string) => {
    const [pa, pb] = [load(site, a), load(site, b)]
    const aFirst = pa.createdSeq < pb.createdSeq || (pa.createdSeq === pb.createdSeq && a < b)
    const [survivor, loser] = aFirst ? [a, b] : [b, a]
    const [kept, gone] = aFirst ? [pa, pb] : [pb, pa]
    kept.data = mergeData(kept.data, gone.data)
    kept.dirty = true
    kept.ids.push(...gone.ids)
    for (const i of gone.ids) owners.set(key(site, i.kind, i.value), survivor)
    profiles.delete(`${site}\0${loser}`)
    sql.moveIdentifiers.run(survivor, site, loser)
    sql.deleteProfile.run(site, loser)
    sql.retarget.run(survivor, site, loser)
    sql.redirect.run(site, loser, survivor)
    return survivor
  }

  const resolve = (site: string, event: LinkEvent, settings: IdentitySettings, now: number) => {
    const previousKind = (value: string): IdentifierKind =>
      ownerOf(site, 'anonymous', value) !== undefined
        ? 'anonymous'
        : ownerOf(site, 'user', value) !== undefined || value !== event.anonymousId
          ? 'user'
          : 'anonymous'
    const hashTrait = (name: string, value: string) => keyedHash(secret, 'trait', site, name, value)
    const ids = identifiersOf(event, settings, hashTrait, previousKind)
    if (ids.length === 0) return
    const found = ids.map((i) => ownerOf(site, i.kind, i.value))
    let primary = found.find((o) => o !== undefined)
    if (primary === undefined) {
      primary = newId()
      const data = applyEvent(emptyProfile(), event)
      sql.createProfile.run(site, primary, event.seq, JSON.stringify(data))
      profiles.set(`${site}\0${primary}`, { createdSeq: event.seq, data, ids: [], dirty: false })
    } else {
      const p = load(site, primary)
      p.data = applyEvent(p.data, event)
      p.dirty = true
    }
    for (const [index, id] of ids.entries()) {
      const owner = found[index]
      if (owner === primary) continue
      const mine = load(site, primary)
      if (owner === undefined) {
        const refused = attachRefusal(holdings(mine), id.kind, settings)
        if (refused) audit(site, now, 'refuse', primary, null, [id], event.messageId, refused)
        else {
          sql.attach.run(site, id.kind, id.value, primary, now)
          mine.ids.push(id)
          owners.set(key(site, id.kind, id.value), primary)
        }
        continue
      }
      const refused = mergeRefusal(holdings(mine), holdings(load(site, owner)), settings)
      if (refused) {
        audit(site, now, 'refuse', primary, owner, ids, event.messageId, refused)
        continue
      }
      const survivor = merge(site, primary, owner)
      audit(site, now, 'merge', survivor, survivor === primary ? owner : primary, ids, event.messageId, null)
      for (const [i, o] of found.entries()) if (o === owner || o === primary) found[i] = survivor
      primary = survivor
    }
  }

  /** Whether any of the event's ids was erased; checked only for sites that erased someone. */
  const anySuppressed = new Map<string, boolean>()
  const suppressed = (site: string, event: LinkEvent) => {
    let any = anySuppressed.get(site)
    if (any === undefined) {
      any = sql.anySuppressed.get(site) !== undefined
      anySuppressed.set(site, any)
    }
    return (
      any &&
      (['user', 'anonymous'] as const).some((kind) => {
        const value = kind === 'user' ? event.userId : event.anonymousId
        return (
          typeof value === 'string' &&
          sql.suppressed.get(site, suppressionHash(secret, site, { kind, value })) !== undefined
        )
      })
    )
  }

  return {
    resolve,
    suppressed,
    /** Starts a transaction's work: caches stay valid only if nobody else wrote since. */
    begin() {
      const current = Number(sql.generation.get()!.value)
      if (current !== generation || owners.size > CACHE_LIMIT || profiles.size > CACHE_LIMIT) {
        owners = new Map()
        profiles = new Map()
      }
      anySuppressed.clear()
    },
    /** Ends it: writes the changed profiles and moves the generation on. */
    flush() {
      for (const [k, p] of profiles) {
        if (!p.dirty) continue
        const sep = k.indexOf('\0')
        sql.saveProfile.run(JSON.stringify(p.data), k.slice(0, sep), k.slice(sep + 1))
        p.dirty = false
      }
      generation = Number(sql.generation.get()!.value) + 1
      sql.setGeneration.run(String(generation))
    },
  }
}

/** A stored event as the resolver reads it. */
export const linkEventOf = (row: EventRow, settings: IdentitySettings): LinkEvent => {
  // Parsing the body is most of the cost, and most events have nothing in it for profiles.
  const relevant =
    row.payload.includes('"traits"') ||
    row.payload.includes('"previousId"') ||
    (row.type === 'track' && row.payload.includes(`"${settings.revenueProperty}"`))
  const body = (relevant ? JSON.parse(row.payload) : {}) as {
    traits?: Record<string, unknown>
    previousId?: string
    properties?: Record<string, unknown>
    context?: { traits?: Record<string, unknown> }
  }
  const revenue = row.type === 'track' ? body.properties?.[settings.revenueProperty] : undefined
  return {
    seq: row.id,
    messageId: row.message_id,
    type: row.type,
    timestamp: row.timestamp,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    previousId: body.previousId ?? null,
    traits: row.type === 'identify' ? { ...body.context?.traits, ...body.traits } : body.context?.traits,
    ...(typeof revenue === 'number' ? { revenue } : {}),
  }
}

/**
 * Resolves the events stored since the watermark, in arrival order, in transactions of `chunk`
 * events that also move the watermark: each event is folded in exactly once. Events of erased
 * people are deleted instead.
 */
export const resolvePending = (
  db: Database.Database,
  sql: IdentitySql,
  resolver: ReturnType<typeof createResolver>,
  settings: Record<string, IdentitySettings>,
  now: number,
  chunk = 1000,
) => {
  let processed = 0
  const step = db.transaction(() => {
    resolver.begin()
    const rows = sql.pending.all(Number(sql.watermark.get()!.value), chunk)
    if (rows.length === 0) return 0
    for (const row of rows) {
      const rules = settings[row.site] ?? DEFAULT_IDENTITY
      const event = linkEventOf(row, rules)
      if (resolver.suppressed(row.site, event)) sql.deleteEvent.run(row.id)
      else resolver.resolve(row.site, event, rules, now)
    }
    sql.setWatermark.run(String(rows[rows.length - 1]!.id))
    resolver.flush()
    return rows.length
  })
  // IMMEDIATE: take the write lock before reading the watermark, so two processes never both
  // resolve the same events.
  for (let n = step.immediate(); n > 0; n = step.immediate()) processed += n
  return processed
}
