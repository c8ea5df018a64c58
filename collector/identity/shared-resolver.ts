// The resolver's logic, shared by the SQLite and PostgreSQL stores: keyed hashes, stored rows as
// link events, and the folding of events into profiles over a storage backend. The backends decide
// only how reads are served and when writes reach the database.
import { createHmac } from 'node:crypto'
import { approxBytes, createByteCache, ENTRY_BYTES } from './byte-cache.ts'
import {
  applyEvent,
  attachRefusal,
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

/** Suppression hash of an identifier: what erasure leaves behind instead of the identifier. */
export const suppressionHash = (secret: string, site: string, id: Identifier) =>
  keyedHash(secret, 'suppress', site, id.kind, id.value)

/** Hash of a trait identifier's value (emails): no column ever holds the value itself. */
export const traitHash = (secret: string, site: string, name: string, value: string) =>
  keyedHash(secret, 'trait', site, name, value)

/** A stored event as the resolver reads it (`id`: its arrival order, the seq). */
export interface ResolverRow {
  id: number
  site: string
  message_id: string
  type: string
  user_id: string | null
  anonymous_id: string | null
  timestamp: number
  payload: string
}

/** A stored event as the resolver reads it. */
export const linkEventOf = (row: ResolverRow, settings: IdentitySettings): LinkEvent => {
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
    traitHashes?: Record<string, string>
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
    ...(body.traitHashes ? { traitHashes: body.traitHashes } : {}),
  }
}

/**
 * Every identifier the event could be looked up by, whatever the graph holds: an alias's
 * previousId both as a user and as an anonymous id (which one it is depends on the graph).
 * A backend that loads the graph ahead of resolving loads these.
 */
export const candidateIdentifiers = (
  secret: string,
  site: string,
  event: LinkEvent,
  settings: IdentitySettings,
): Identifier[] => {
  const extra: Identifier[] = []
  const ids = identifiersOf(
    event,
    settings,
    (name, value) => traitHash(secret, site, name, value),
    (value) => {
      extra.push({ kind: 'anonymous', value })
      return 'user'
    },
  )
  return [...ids, ...extra]
}

/** A profile as storage holds it, with every identifier it holds. */
export interface StoredProfile {
  createdSeq: number
  data: ProfileData
  ids: Identifier[]
}

/** What the resolver reads and writes; a backend may write at once or collect and write later. */
export interface ResolverBackend {
  /** The profile holding the identifier, if any. */
  owner(site: string, kind: IdentifierKind, value: string): string | undefined
  /** A profile that exists. */
  profile(site: string, id: string): StoredProfile
  createProfile(site: string, id: string, createdSeq: number, data: ProfileData): void
  attach(site: string, id: Identifier, profileId: string, now: number): void
  /**
   * `loser` becomes part of `survivor`: its identifiers (`moved`) go over, it is deleted, and its
   * id and every id redirected to it redirect to the survivor.
   */
  merge(site: string, survivor: string, loser: string, moved: Identifier[]): void
  audit(
    site: string,
    at: number,
    action: 'merge' | 'refuse',
    profileId: string,
    otherId: string | null,
    ids: Identifier[],
    messageId: string,
    reason: Refusal | null,
  ): void
}

interface CachedProfile extends StoredProfile {
  dirty: boolean
}

/** An identifier's owner as cached: a profile id, or null for an identifier nobody holds. */
type Cached = { owner: string | null } | CachedProfile

/** What the core's caches hold (see createResolverCore). */
export interface ResolverCacheStats {
  bytes: number
  peak: number
  budget: number
  evictions: number
}

const cachedBytes = (key: string, value: Cached) => ENTRY_BYTES + approxBytes(key) + approxBytes(value)

/**
 * Folds events into profiles one at a time. An event's identifiers are taken in priority order;
 * the profile of the first known one is the event's profile, the others are attached or their
 * profiles merged into it, unless a rule refuses (two user ids, a limit): then the link is left out
 * and the refusal recorded.
 *
 * Reads go through one in-memory cache of owners and profiles, valid as long as nobody else writes
 * the graph (the caller's business: `reset` drops it). Changed profiles are held apart, never
 * evicted, until `flush` hands each to `save`: at most one per event since the last flush.
 *
 * The cache holds at most `budget` bytes (estimated), least recently used first out. Evicting is
 * safe only when the backend's reads see its own writes at once (SQLite): an evicted entry is read
 * again. A backend that collects its writes (PostgreSQL's chunk) keeps the default, no limit: its
 * chunk bounds the cache instead.
 */
export const createResolverCore = (
  backend: ResolverBackend,
  secret: string,
  newId: () => string,
  budget = Number.POSITIVE_INFINITY,
) => {
  // One cache for both kinds, so the budget goes where the workload needs it; the prefixes keep
  // an identifier's key apart from a profile's.
  const cache = createByteCache<string, Cached>(budget, cachedBytes)
  const dirty = new Map<string, CachedProfile>()
  const key = (site: string, kind: IdentifierKind, value: string) => `o\0${site}\0${kind}\0${value}`
  const profileKey = (site: string, id: string) => `p\0${site}\0${id}`
  const setOwner = (k: string, owner: string | null) => cache.set(k, { owner })

  const ownerOf = (site: string, kind: IdentifierKind, value: string) => {
    const k = key(site, kind, value)
    const hit = cache.get(k) as { owner: string | null } | undefined
    if (hit) return hit.owner ?? undefined
    const owner = backend.owner(site, kind, value)
    setOwner(k, owner ?? null)
    return owner
  }
  const load = (site: string, id: string): CachedProfile => {
    const k = profileKey(site, id)
    let p = dirty.get(k) ?? (cache.get(k) as CachedProfile | undefined)
    if (!p) {
      p = { ...backend.profile(site, id), dirty: false }
      cache.set(k, p)
    }
    return p
  }
  /** Changed data is held apart until flush: evicted, it would be lost. */
  const changed = (site: string, id: string, p: CachedProfile) => {
    const k = profileKey(site, id)
    p.dirty = true
    dirty.set(k, p)
    cache.delete(k)
  }
  const holdings = ({ ids }: CachedProfile): Holdings => {
    const counts: Holdings['counts'] = {}
    for (const i of ids) counts[i.kind] = (counts[i.kind] ?? 0) + 1
    return { counts, userIds: ids.filter((i) => i.kind === 'user').map((i) => i.value) }
  }

  /** Merges the younger profile into the older one (a stable id); returns the survivor. */
  const merge = (site: string, a: string, b: string) => {
    const [pa, pb] = [load(site, a), load(site, b)]
    const aFirst = pa.createdSeq < pb.createdSeq || (pa.createdSeq === pb.createdSeq && a < b)
    const [survivor, loser] = aFirst ? [a, b] : [b, a]
    const [kept, gone] = aFirst ? [pa, pb] : [pb, pa]
    kept.data = mergeData(kept.data, gone.data)
    kept.ids.push(...gone.ids)
    changed(site, survivor, kept)
    for (const i of gone.ids) setOwner(key(site, i.kind, i.value), survivor)
    dirty.delete(profileKey(site, loser))
    cache.delete(profileKey(site, loser))
    backend.merge(site, survivor, loser, gone.ids)
    return survivor
  }

  const resolve = (site: string, event: LinkEvent, settings: IdentitySettings, now: number) => {
    const previousKind = (value: string): IdentifierKind =>
      ownerOf(site, 'anonymous', value) !== undefined
        ? 'anonymous'
        : ownerOf(site, 'user', value) !== undefined || value !== event.anonymousId
          ? 'user'
          : 'anonymous'
    const hashTrait = (name: string, value: string) => traitHash(secret, site, name, value)
    const ids = identifiersOf(event, settings, hashTrait, previousKind)
    if (ids.length === 0) return
    const found = ids.map((i) => ownerOf(site, i.kind, i.value))
    // The highest-priority identifier anchors the event (Segment Unify): a new userId makes a
    // profile of its own rather than joining the profile an email or device already belongs to;
    // the lower-priority identifiers then join it only where no rule refuses.
    let primary = found[0]
    if (primary === undefined) {
      // An unknown anchor joins the first profile that may hold it (a first log-in on a known
      // device), which the loop below then attaches it to; else it starts a profile of its own.
      const next = found.find((o) => o !== undefined)
      if (next !== undefined && !attachRefusal(holdings(load(site, next)), ids[0]!.kind, settings))
        primary = next
    }
    if (primary === undefined) {
      primary = newId()
      const data = applyEvent(emptyProfile(), event)
      backend.createProfile(site, primary, event.seq, data)
      cache.set(profileKey(site, primary), { createdSeq: event.seq, data, ids: [], dirty: false })
    } else {
      const p = load(site, primary)
      p.data = applyEvent(p.data, event)
      changed(site, primary, p)
    }
    for (const [index, id] of ids.entries()) {
      const owner = found[index]
      if (owner === primary) continue
      const mine = load(site, primary)
      if (owner === undefined) {
        const refused = attachRefusal(holdings(mine), id.kind, settings)
        if (refused) backend.audit(site, now, 'refuse', primary, null, [id], event.messageId, refused)
        else {
          backend.attach(site, id, primary, now)
          mine.ids.push(id)
          // A clean profile is measured again; the backend has the identifier either way.
          if (!mine.dirty) cache.set(profileKey(site, primary), mine)
          setOwner(key(site, id.kind, id.value), primary)
        }
        continue
      }
      const refused = mergeRefusal(holdings(mine), holdings(load(site, owner)), settings)
      if (refused) {
        backend.audit(site, now, 'refuse', primary, owner, ids, event.messageId, refused)
        continue
      }
      const survivor = merge(site, primary, owner)
      backend.audit(
        site,
        now,
        'merge',
        survivor,
        survivor === primary ? owner : primary,
        ids,
        event.messageId,
        null,
      )
      for (const [i, o] of found.entries()) if (o === owner || o === primary) found[i] = survivor
      primary = survivor
    }
  }

  return {
    resolve,
    /** Hands every profile changed since the last flush to `save`; they join the cache. */
    flush(save: (site: string, id: string, data: ProfileData) => void) {
      for (const [k, p] of dirty) {
        const sep = k.indexOf('\0', 2)
        save(k.slice(2, sep), k.slice(sep + 1), p.data)
        p.dirty = false
        cache.set(k, p)
      }
      dirty.clear()
    },
    cache: (): ResolverCacheStats => ({
      bytes: cache.bytes,
      peak: cache.peak,
      budget,
      evictions: cache.evictions,
    }),
    /** Forgets the cache: another writer may have changed the graph. */
    reset() {
      cache.clear()
      dirty.clear()
    },
  }
}
