import type Database from 'better-sqlite3'
import {
  DEFAULT_IDENTITY,
  type Identifier,
  type IdentitySettings,
  type LinkEvent,
} from '../../identity/rules.ts'
import {
  candidateIdentifiers,
  createResolverCore,
  keyedHash,
  linkEventOf,
  type ResolverBackend,
  type ResolverRow,
  suppressionHash,
} from '../../identity/shared-resolver.ts'

// Importers of the SQLite resolver find the shared helpers here too.
export { keyedHash, linkEventOf, suppressionHash }

/** A list as `(?, ?, ...)` for an IN clause. */
export const marks = (n: number) => `(${Array(n).fill('?').join(', ')})`

/**
 * The WHERE clause of a profile's events: those carrying one of its user ids, and those of its
 * devices that carry no user id of another profile (an event belongs to its userId's profile).
 * Emails are hashed: no column holds them. The site in each branch lets SQLite read both indexes.
 */
export const ofProfile = (site: string, id: string, ids: readonly Identifier[]) => {
  const users = ids.filter((i) => i.kind === 'user').map((i) => i.value)
  const anonymous = ids.filter((i) => i.kind === 'anonymous').map((i) => i.value)
  return {
    empty: users.length + anonymous.length === 0,
    where: `(site = ? AND user_id IN ${marks(users.length)})
      OR (site = ? AND anonymous_id IN ${marks(anonymous.length)} AND (user_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM identifiers i WHERE i.site = events.site AND i.kind = 'user'
        AND i.value = events.user_id AND i.profile_id <> ?)))`,
    params: [site, ...users, site, ...anonymous, id],
  }
}

/**
 * After an erasure: the WAL still holds the erased rows' old pages until they are copied into the
 * database file (where secure_delete zeroed them) and the log is truncated. Readers on other
 * connections can hold the log open a moment; tried a few times, then left to the next checkpoint.
 */
export const checkpointAfterErasure = (db: Database.Database, tries = 5) => {
  for (let i = 0; i < tries; i++) {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
    if (!result || result.busy === 0) return true
  }
  return false
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
  pending: db.prepare<[number, number], ResolverRow>(
    'SELECT id, site, message_id, type, user_id, anonymous_id, timestamp, payload FROM events WHERE id > ? ORDER BY id LIMIT ?',
  ),
  deleteEvent: db.prepare('DELETE FROM events WHERE id = ?'),
})

export type IdentitySql = ReturnType<typeof identitySql>

/**
 * The resolver's cache budget unless PRECIS_RESOLVER_CACHE_MB says otherwise: about 30,000 people
 * (a user id, a device, an email and the profile, ~2 KB), the ones seen last; a miss costs an
 * indexed read.
 */
export const DEFAULT_CACHE_BYTES = 64 * 2 ** 20

/**
 * The resolver (see createResolverCore): folds events into profiles inside the caller's
 * transaction, writing identifiers, merges and audit entries at once and changed profiles once per
 * transaction (`flush`). `begin` drops the cache when another writer (a second process on the
 * same file, an erasure) moved the generation counter since this resolver's last transaction.
 */
export const createResolver = (sql: IdentitySql, newId: () => string, cacheBytes = DEFAULT_CACHE_BYTES) => {
  const secret = sql.secret()
  const backend: ResolverBackend = {
    owner: (site, kind, value) => sql.owner.get(site, kind, value)?.profile_id,
    profile: (site, id) => {
      const row = sql.profile.get(site, id)!
      return { createdSeq: row.created_seq, data: JSON.parse(row.data), ids: sql.held.all(site, id) }
    },
    createProfile: (site, id, createdSeq, data) =>
      sql.createProfile.run(site, id, createdSeq, JSON.stringify(data)),
    attach: (site, id, profileId, now) => sql.attach.run(site, id.kind, id.value, profileId, now),
    merge: (site, survivor, loser) => {
      sql.moveIdentifiers.run(survivor, site, loser)
      sql.deleteProfile.run(site, loser)
      sql.retarget.run(survivor, site, loser)
      sql.redirect.run(site, loser, survivor)
    },
    audit: (site, at, action, profileId, otherId, ids, messageId, reason) =>
      sql.audit.run(site, at, action, profileId, otherId, JSON.stringify(ids), messageId, reason),
  }
  // Every write above reaches the database at once (changed profile data waits for flush, held
  // apart from the cache), so an evicted entry reads back current.
  const core = createResolverCore(backend, secret, newId, cacheBytes)
  let generation = -1

  /**
   * Whether any of the event's identifiers (user, anonymous, email) was erased; checked only for
   * sites that erased someone. One entry per site, cleared by every transaction.
   */
  const anySuppressed = new Map<string, boolean>()
  const suppressed = (site: string, event: LinkEvent, rules: IdentitySettings) => {
    let any = anySuppressed.get(site)
    if (any === undefined) {
      any = sql.anySuppressed.get(site) !== undefined
      anySuppressed.set(site, any)
    }
    return (
      any &&
      candidateIdentifiers(secret, site, event, rules).some(
        (id) => sql.suppressed.get(site, suppressionHash(secret, site, id)) !== undefined,
      )
    )
  }

  return {
    resolve: core.resolve,
    suppressed,
    /** Starts a transaction's work: caches stay valid only if nobody else wrote since. */
    begin() {
      const current = Number(sql.generation.get()!.value)
      if (current !== generation) core.reset()
      anySuppressed.clear()
    },
    /** The cache's bytes, peak and budget. */
    cache: core.cache,
    /** Ends it: writes the changed profiles and moves the generation on. */
    flush() {
      core.flush((site, id, data) => sql.saveProfile.run(JSON.stringify(data), site, id))
      generation = Number(sql.generation.get()!.value) + 1
      sql.setGeneration.run(String(generation))
    },
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
      if (resolver.suppressed(row.site, event, rules)) sql.deleteEvent.run(row.id)
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
