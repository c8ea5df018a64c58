// Identity resolution on PostgreSQL: the identity_queue consumed in chunks, each in one
// transaction under the identity lock, with the graph the chunk touches loaded up front and the
// changes written set-based at the end. The rules are the SQLite resolver's (shared-resolver.ts).

import {
  DEFAULT_IDENTITY,
  type Identifier,
  type IdentitySettings,
  type LinkEvent,
} from '../../identity/rules.ts'
import {
  candidateIdentifiers,
  createResolverCore,
  linkEventOf,
  type ResolverBackend,
  type ResolverRow,
  type StoredProfile,
  suppressionHash,
} from '../../identity/shared-resolver.ts'
import type { SiteRules } from '../../identity/types.ts'
import type { Sql } from './schema.ts'

export type Tx = Parameters<Parameters<Sql['begin']>[1]>[0]

/**
 * Held for the transaction by whatever writes the identity graph (resolution, erasure): merges are
 * read-decide-write, so two writers at once could each make a profile for one person.
 */
export const lockIdentity = (tx: Tx) =>
  tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.identity'))`

/** Queued events per transaction: big enough to amortize the round trips, small enough to keep locks short. */
export const CHUNK = 2000
/** deadlock_detected and serialization_failure: the transaction was rolled back and may be retried. */
const RETRYABLE = new Set(['40P01', '40001'])
/** Tries of one chunk after the first. */
const RETRIES = 3

const key = (...parts: string[]) => parts.join('\0')

/**
 * Resolves every queued event, `chunk` at a time in seq order; resolves to how many events were
 * folded in (or, for erased people, deleted). Each chunk's queue rows are deleted in the
 * transaction that writes its profiles: an event shapes profiles exactly once, even across a crash.
 * `stopping` is asked between chunks: a collector shutting down finishes its chunk and leaves the
 * rest queued, rather than have its connections cut mid-chunk.
 */
export const resolveQueued = async (
  sql: Sql,
  secret: string,
  newId: () => string,
  settings: SiteRules,
  now: number,
  chunk = CHUNK,
  stopping: () => boolean = () => false,
) => {
  let processed = 0
  for (let retries = 0; ; ) {
    let result: { taken: number; events: number }
    try {
      result = await sql.begin((tx) => resolveChunk(tx, secret, newId, settings, now, chunk))
    } catch (err) {
      // Retention or erasure deleting the same events can deadlock with a chunk; PostgreSQL rolls
      // the chunk back whole, so it is simply tried again.
      if (!RETRYABLE.has((err as { code?: string }).code ?? '') || ++retries > RETRIES) throw err
      continue
    }
    retries = 0
    const { taken, events } = result
    processed += events
    // Fewer than a chunk: the queue was drained (what arrives meanwhile waits for the next call).
    if (taken < chunk || stopping()) return processed
  }
}

const resolveChunk = async (
  tx: Tx,
  secret: string,
  newId: () => string,
  settings: SiteRules,
  now: number,
  chunk: number,
) => {
  // Pipelined: the DELETE runs (and takes its snapshot) only once the lock is held, so it sees
  // everything the previous holder committed. No wait for the disk at commit (as SQLite's resolver
  // skips the fsync): a commit lost in a crash loses its queue deletions with its profile writes,
  // so its events are resolved again, and any later synchronous commit flushes it first.
  const [, , taken] = await Promise.all([
    lockIdentity(tx),
    tx`SET LOCAL synchronous_commit = off`,
    tx<{ seq: number }[]>`
      DELETE FROM identity_queue WHERE seq IN (SELECT seq FROM identity_queue ORDER BY seq LIMIT ${chunk})
      RETURNING seq`,
  ])
  if (taken.length === 0) return { taken: 0, events: 0 }
  // Queue rows whose event is gone (erased, past retention) just leave the queue.
  const rows = await tx<ResolverRow[]>`
    SELECT seq AS id, site, message_id, type, user_id, anonymous_id, timestamp, payload
    FROM events WHERE seq = ANY(${taken.map((r) => String(r.seq))}::bigint[]) ORDER BY seq`
  if (rows.length === 0) return { taken: taken.length, events: 0 }

  const events = rows.map((row) => {
    const rules = settings[row.site] ?? DEFAULT_IDENTITY
    return { site: row.site, rules, event: linkEventOf(row, rules) }
  })
  const sites = [...new Set(rows.map((r) => r.site))]
  // Every identifier the chunk could look up (suppressed events' too: loading more is harmless).
  const wanted = new Map<string, [string, string, string]>()
  for (const { site, rules, event } of events)
    for (const id of candidateIdentifiers(secret, site, event, rules))
      wanted.set(key(site, id.kind, id.value), [site, id.kind, id.value])
  const [erasing, graph] = await Promise.all([
    tx<{ site: string }[]>`
      SELECT s.site FROM unnest(${sites}::text[]) AS s(site)
      WHERE EXISTS (SELECT 1 FROM suppressions x WHERE x.site = s.site)`,
    loadGraph(tx, [...wanted.values()]),
  ])
  const suppressed = await suppressedSeqs(tx, secret, new Set(erasing.map((r) => r.site)), events)

  const owners = new Map<string, string | null>()
  for (const k of wanted.keys()) owners.set(k, null)
  const profiles = new Map<string, StoredProfile>()
  for (const p of graph) {
    profiles.set(key(p.site, p.id), { createdSeq: p.created_seq, data: JSON.parse(p.data), ids: p.ids })
    for (const i of p.ids) owners.set(key(p.site, i.kind, i.value), p.id)
  }
  const writes = graphWrites(owners, profiles, now)
  const core = createResolverCore(writes.backend, secret, newId)
  for (const { site, rules, event } of events)
    if (!suppressed.has(event.seq)) core.resolve(site, event, rules, now)
  core.flush(writes.save)
  await Promise.all([
    suppressed.size > 0 && tx`DELETE FROM events WHERE seq = ANY(${[...suppressed].map(String)}::bigint[])`,
    ...writes.statements(tx),
  ])
  return { taken: taken.length, events: rows.length }
}

/**
 * The profiles holding any of `wanted` (site, kind, value), each with every identifier it holds:
 * together they answer every owner and profile read of the chunk.
 */
const loadGraph = async (tx: Tx, wanted: [string, string, string][]) => {
  if (wanted.length === 0) return []
  return tx<{ site: string; id: string; created_seq: number; data: string; ids: Identifier[] }[]>`
    WITH owners AS (
      SELECT DISTINCT i.site, i.profile_id
      FROM unnest(${wanted.map((w) => w[0])}::text[], ${wanted.map((w) => w[1])}::text[],
        ${wanted.map((w) => w[2])}::text[]) AS k(site, kind, value)
      JOIN identifiers i ON i.site = k.site AND i.kind = k.kind AND i.value = k.value
    )
    SELECT p.site, p.id, p.created_seq, p.data, coalesce((
      SELECT json_agg(json_build_object('kind', h.kind, 'value', h.value)
        ORDER BY h.kind COLLATE "C", h.value COLLATE "C")
      FROM identifiers h WHERE h.site = p.site AND h.profile_id = p.id), '[]') AS ids
    FROM owners o JOIN profiles p ON p.site = o.site AND p.id = o.profile_id`
}

/** The seqs of events carrying an erased user, anonymous or email id (looked up only on sites that erased). */
const suppressedSeqs = async (
  tx: Tx,
  secret: string,
  erasing: Set<string>,
  events: { site: string; rules: IdentitySettings; event: LinkEvent }[],
) => {
  const found = new Set<number>()
  if (erasing.size === 0) return found
  const bySeq: [number, string, string][] = []
  for (const { site, rules, event } of events) {
    if (!erasing.has(site)) continue
    for (const id of candidateIdentifiers(secret, site, event, rules))
      bySeq.push([event.seq, site, suppressionHash(secret, site, id)])
  }
  if (bySeq.length === 0) return found
  const hits = await tx<{ site: string; hash: string }[]>`
    SELECT x.site, x.hash FROM unnest(${bySeq.map((b) => b[1])}::text[], ${bySeq.map((b) => b[2])}::text[])
      AS k(site, hash)
    JOIN suppressions x ON x.site = k.site AND x.hash = k.hash`
  const hit = new Set(hits.map((h) => key(h.site, h.hash)))
  for (const [seq, site, hash] of bySeq) if (hit.has(key(site, hash))) found.add(seq)
  return found
}

/**
 * A backend that serves reads from the loaded graph and collects writes; `statements` then writes
 * the chunk's end state: profiles made, changed and merged away, each changed identifier's last
 * owner, redirects to their final survivor, audit entries in order.
 */
const graphWrites = (
  owners: Map<string, string | null>,
  profiles: Map<string, StoredProfile>,
  now: number,
) => {
  const created = new Map<string, { site: string; id: string; createdSeq: number; data: string }>()
  const updated = new Map<string, { site: string; id: string; data: string }>()
  const deleted: { site: string; id: string }[] = []
  const identifiers = new Map<string, { site: string; kind: string; value: string; profileId: string }>()
  const mergedInto = new Map<string, string>()
  const merged: { site: string; from: string }[] = []
  const audits: {
    site: string
    at: number
    action: string
    profileId: string
    otherId: string | null
    ids: string
    messageId: string
    reason: string | null
  }[] = []

  const backend: ResolverBackend = {
    owner: (site, kind, value) => {
      const owner = owners.get(key(site, kind, value))
      // The chunk's identifiers were all loaded: a miss is a bug, and must not pass for "unknown".
      if (owner === undefined) throw new Error(`identity: ${kind} identifier not loaded`)
      return owner ?? undefined
    },
    profile: (site, id) => {
      const p = profiles.get(key(site, id))
      if (!p) throw new Error(`identity: profile ${id} not loaded`)
      return p
    },
    createProfile: (site, id, createdSeq, data) =>
      created.set(key(site, id), { site, id, createdSeq, data: JSON.stringify(data) }),
    attach: (site, id, profileId) =>
      identifiers.set(key(site, id.kind, id.value), { site, ...id, profileId }),
    merge: (site, survivor, loser, moved) => {
      for (const i of moved) identifiers.set(key(site, i.kind, i.value), { site, ...i, profileId: survivor })
      if (!created.delete(key(site, loser))) deleted.push({ site, id: loser })
      mergedInto.set(key(site, loser), survivor)
      merged.push({ site, from: loser })
    },
    audit: (site, at, action, profileId, otherId, ids, messageId, reason) =>
      audits.push({ site, at, action, profileId, otherId, ids: JSON.stringify(ids), messageId, reason }),
  }

  const save = (site: string, id: string, data: unknown) => {
    const fresh = created.get(key(site, id))
    if (fresh) fresh.data = JSON.stringify(data)
    else updated.set(key(site, id), { site, id, data: JSON.stringify(data) })
  }

  /** Where a merged-away profile ended up after the chunk's later merges. */
  const finalOf = (site: string, id: string) => {
    let to = id
    for (let next = mergedInto.get(key(site, to)); next; next = mergedInto.get(key(site, to))) to = next
    return to
  }

  const statements = (tx: Tx) => {
    const out: Promise<unknown>[] = []
    const col = <T, K extends keyof T>(rows: T[], k: K) => rows.map((r) => r[k])
    if (deleted.length > 0)
      out.push(tx`
        DELETE FROM profiles p USING unnest(${col(deleted, 'site')}::text[], ${col(deleted, 'id')}::text[]) AS d(site, id)
        WHERE p.site = d.site AND p.id = d.id`)
    const fresh = [...created.values()]
    if (fresh.length > 0)
      out.push(tx`
        INSERT INTO profiles (site, id, created_seq, data)
        SELECT * FROM unnest(${col(fresh, 'site')}::text[], ${col(fresh, 'id')}::text[],
          ${fresh.map((p) => String(p.createdSeq))}::bigint[], ${col(fresh, 'data')}::text[])`)
    const changed = [...updated.values()]
    if (changed.length > 0)
      out.push(tx`
        UPDATE profiles p SET data = u.data
        FROM unnest(${col(changed, 'site')}::text[], ${col(changed, 'id')}::text[], ${col(changed, 'data')}::text[])
          AS u(site, id, data)
        WHERE p.site = u.site AND p.id = u.id`)
    const ids = [...identifiers.values()]
    // New identifiers get added_at = now; moved ones keep theirs.
    if (ids.length > 0)
      out.push(tx`
        INSERT INTO identifiers (site, kind, value, profile_id, added_at)
        SELECT site, kind, value, profile_id, ${now}::bigint
        FROM unnest(${col(ids, 'site')}::text[], ${col(ids, 'kind')}::text[], ${col(ids, 'value')}::text[],
          ${col(ids, 'profileId')}::text[]) AS i(site, kind, value, profile_id)
        ON CONFLICT (site, kind, value) DO UPDATE SET profile_id = EXCLUDED.profile_id`)
    if (merged.length > 0) {
      const sites = col(merged, 'site')
      const froms = col(merged, 'from')
      const tos = merged.map((m) => finalOf(m.site, m.from))
      // Ids merged into a loser earlier follow it to its survivor, then the losers redirect too.
      out.push(tx`
        UPDATE profile_redirects r SET to_id = m.to_id
        FROM unnest(${sites}::text[], ${froms}::text[], ${tos}::text[]) AS m(site, from_id, to_id)
        WHERE r.site = m.site AND r.to_id = m.from_id`)
      out.push(tx`
        INSERT INTO profile_redirects (site, from_id, to_id)
        SELECT * FROM unnest(${sites}::text[], ${froms}::text[], ${tos}::text[])
        ON CONFLICT (site, from_id) DO UPDATE SET to_id = EXCLUDED.to_id`)
    }
    if (audits.length > 0)
      out.push(tx`
        INSERT INTO identity_audit (site, at, action, profile_id, other_id, identifiers, message_id, reason)
        SELECT site, at, action, profile_id, other_id, identifiers, message_id, reason
        FROM unnest(${col(audits, 'site')}::text[], ${audits.map((a) => String(a.at))}::bigint[],
          ${col(audits, 'action')}::text[], ${col(audits, 'profileId')}::text[], ${col(audits, 'otherId')}::text[],
          ${col(audits, 'ids')}::text[], ${col(audits, 'messageId')}::text[], ${col(audits, 'reason')}::text[])
          WITH ORDINALITY AS a(site, at, action, profile_id, other_id, identifiers, message_id, reason, ord)
        ORDER BY ord`)
    return out
  }

  return { backend, save, statements }
}
