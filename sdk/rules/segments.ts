// Segments: named rules over a visitor's attributes and behaviour, evaluated the same way in the
// browser (local history) and in the collector (a profile's stored events, across devices).

import { BEHAVIOUR_KEYS, type BehaviourKey } from './behaviour.ts'
import { evalCondition, type SavedGroups } from './conditions.ts'
import type { Personalization, RfmConfig } from './personalization-schema.ts'

/** One remembered event: its name (`page` for page views), time (ms) and whitelisted properties. */
export interface HistoryEntry {
  e: string
  t: number
  p?: Record<string, unknown>
}

export type Rule = Record<string, unknown>

interface Filter {
  event?: string | string[]
  where?: Record<string, unknown>
  within?: string
  property?: string
}

/** A `nearest` term: the index of the centroid closest to the z-scored features (ties: the first). */
interface Nearest {
  features: Rule[]
  center: number[]
  scale: number[]
  centroids: number[][]
}

const DAY = 86_400_000
const UNIT: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY }

/** '30d' → ms; undefined → no window. */
export const windowOf = (within?: string) =>
  within ? Number(within.slice(0, -1)) * (UNIT[within.slice(-1)] ?? Number.NaN) : undefined

/** A filter's matching entries, kept in time order as history grows. */
interface Term {
  id: string
  filter: Filter
  matches(entry: HistoryEntry): boolean
  list: HistoryEntry[]
}

const isLogical = (k: string) => k === '$and' || k === '$or' || k === '$nor' || k === '$not'

type Compiled = (
  attributes: Record<string, unknown>,
  value: (term: Term, kind: BehaviourKey) => unknown,
) => boolean

/** Where a value for a condition's operators comes from: { v: value } against { v: operators }. */
const compare = (value: unknown, ops: Record<string, unknown>) =>
  Object.keys(ops).length ? evalCondition({ v: value }, { v: ops }) : truthy(value)

// A term with no operator asks "any at all?".
const truthy = (v: unknown) => (typeof v === 'number' ? v > 0 && v !== Number.POSITIVE_INFINITY : v != null)

/**
 * The properties history must keep for these rules: the keys their `where` filters read, the
 * property of `top` terms, RFM's revenue, and the configured extras. Nothing else is stored.
 */
export const historyProperties = (p: Pick<Personalization, 'segments' | 'history' | 'rfm'>) => {
  const keys = new Set<string>([...p.history.properties, p.rfm.revenue])
  const fromCondition = (c: unknown): void => {
    if (!c || typeof c !== 'object') return
    for (const [k, v] of Object.entries(c)) {
      if (isLogical(k)) for (const part of [v].flat()) fromCondition(part)
      else if (!k.startsWith('$')) keys.add(k.split('.')[0]!)
    }
  }
  const fromRule = (r: unknown): void => {
    if (!r || typeof r !== 'object') return
    for (const [k, v] of Object.entries(r)) {
      if (isLogical(k)) for (const part of [v].flat()) fromRule(part)
      else if (k === 'nearest' && v && Array.isArray((v as Nearest).features))
        for (const feature of (v as Nearest).features) fromRule(feature)
      else if ((BEHAVIOUR_KEYS as readonly string[]).includes(k) && v && typeof v === 'object') {
        const f = v as Filter
        fromCondition(f.where)
        if (f.property) keys.add(f.property)
      }
    }
  }
  for (const s of Object.values(p.segments)) fromRule(s.rule)
  return [...keys]
}

/** Keeps only whitelisted properties with small values: strings (cut at 200), numbers, booleans. */
export const pickProperties = (properties: Record<string, unknown> | undefined, keys: readonly string[]) => {
  const small = (v: unknown): unknown =>
    typeof v === 'string' ? v.slice(0, 200) : typeof v === 'number' || typeof v === 'boolean' ? v : undefined
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const v = properties && Object.hasOwn(properties, k) ? properties[k] : undefined
    const kept = Array.isArray(v)
      ? v
          .slice(0, 20)
          .map(small)
          .filter((x) => x !== undefined)
      : small(v)
    if (kept !== undefined) out[k] = kept
  }
  return out
}

export interface EngineOptions extends Pick<Personalization, 'segments'> {
  rfm: RfmConfig
  history: { maxEvents: number; maxDays: number }
  savedGroups?: SavedGroups
}

export interface SegmentEngine {
  /** Remembers an event (in time order); returns the entries forgotten to stay within the bounds. */
  add(entry: HistoryEntry, now?: number): HistoryEntry[]
  /** What is remembered, oldest first. */
  entries(): readonly HistoryEntry[]
  /** The segments the visitor is in now, in the config's order. */
  evaluate(attributes: Record<string, unknown>, now: number): string[]
}

/**
 * Compiles the segments once; each behaviour filter keeps its matching entries as history grows,
 * so an evaluation costs a binary search per term instead of a scan of the history per rule.
 */
export const createSegmentEngine = (o: EngineOptions): SegmentEngine => {
  const terms = new Map<string, Term>()
  const term = (filter: Filter): Term => {
    const id = JSON.stringify(filter)
    let t = terms.get(id)
    if (!t) {
      const names = filter.event === undefined ? undefined : [filter.event].flat()
      t = {
        id,
        filter,
        list: [],
        matches: (e) =>
          (!names || names.includes(e.e)) &&
          (!filter.where || evalCondition(e.p ?? {}, filter.where, o.savedGroups)),
      }
      terms.set(id, t)
    }
    return t
  }
  const orders = term({ event: o.rfm.event, within: o.rfm.within })

  /** A behaviour term without its operators: its filter's term and the kind of value. */
  const termOf = (behaviour: BehaviourKey, spec: unknown): [Term, BehaviourKey] | undefined => {
    if (behaviour === 'rfm' ? typeof spec !== 'string' : !spec || typeof spec !== 'object') return undefined
    return behaviour === 'rfm' ? [orders, `rfm:${spec}` as BehaviourKey] : [term(spec as Filter), behaviour]
  }
  /** The nearest centroid's index, null when a feature is not a finite number (e.g. never ordered). */
  const nearestOf = (n: Nearest): ((value: (term: Term, kind: BehaviourKey) => unknown) => number | null) => {
    const features = n.features.map((f) => {
      const key = BEHAVIOUR_KEYS.find((k) => Object.hasOwn(f, k))
      return key && key !== 'nearest' ? termOf(key, f[key]) : undefined
    })
    return (value) => {
      const z: number[] = []
      for (let d = 0; d < features.length; d++) {
        const v = features[d] && value(...features[d]!)
        if (typeof v !== 'number' || !Number.isFinite(v)) return null
        z.push((v - n.center[d]!) / n.scale[d]!)
      }
      let best: number | null = null
      let bestD = Number.POSITIVE_INFINITY
      n.centroids.forEach((c, j) => {
        let s = 0
        for (let d = 0; d < z.length; d++) s += (z[d]! - c[d]!) ** 2
        if (s < bestD) [best, bestD] = [j, s]
      })
      return best
    }
  }

  const compile = (rule: Rule, depth = 0): Compiled => {
    if (!rule || typeof rule !== 'object' || depth > 20) return () => false
    const behaviour = BEHAVIOUR_KEYS.find((k) => Object.hasOwn(rule, k))
    if (behaviour === 'nearest') {
      const { nearest: spec, ...ops } = rule
      if (!spec || typeof spec !== 'object' || !Array.isArray((spec as Nearest).features)) return () => false
      const of = nearestOf(spec as Nearest)
      return (_, value) => compare(of(value), ops)
    }
    if (behaviour) {
      const { [behaviour]: spec, ...ops } = rule
      const found = termOf(behaviour, spec)
      if (!found) return () => false
      return (_, value) => compare(value(...found), ops)
    }
    const parts: Compiled[] = []
    const plain: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(rule)) {
      const children = () => (Array.isArray(v) ? v.map((r) => compile(r, depth + 1)) : [() => false])
      if (k === '$and') {
        const c = children()
        parts.push((a, val) => c.every((f) => f(a, val)))
      } else if (k === '$or') {
        const c = children()
        // As GrowthBook: an empty $or is true.
        parts.push((a, val) => !c.length || c.some((f) => f(a, val)))
      } else if (k === '$nor') {
        const c = children()
        parts.push((a, val) => !c.some((f) => f(a, val)))
      } else if (k === '$not') {
        const c = compile(v as Rule, depth + 1)
        parts.push((a, val) => !c(a, val))
      } else plain[k] = v
    }
    if (Object.keys(plain).length) parts.push((a) => evalCondition(a, plain, o.savedGroups))
    return (a, val) => parts.every((f) => f(a, val))
  }
  const segments = Object.entries(o.segments).map(([key, s]) => [key, compile(s.rule)] as const)

  const history: HistoryEntry[] = []
  const insert = (list: HistoryEntry[], e: HistoryEntry) => {
    let i = list.length
    while (i > 0 && list[i - 1]!.t > e.t) i--
    list.splice(i, 0, e)
  }
  const forget = (now: number) => {
    const cutoff = now - o.history.maxDays * DAY
    let n = 0
    while (n < history.length && (history.length - n > o.history.maxEvents || history[n]!.t < cutoff)) n++
    const removed = history.splice(0, n)
    const gone = new Set(removed)
    for (const t of terms.values()) {
      let k = 0
      while (k < t.list.length && gone.has(t.list[k]!)) k++
      t.list.splice(0, k)
    }
    return removed
  }

  /** The first index of entries at or after `from` (lists are in time order). */
  const since = (list: HistoryEntry[], from: number) => {
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]!.t < from) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  const evaluate = (attributes: Record<string, unknown>, now: number) => {
    forget(now)
    const cache = new Map<string, unknown>()
    const inWindow = (t: Term) => {
      const span = windowOf(t.filter.within)
      return span === undefined ? t.list : t.list.slice(since(t.list, now - span))
    }
    const revenue = (list: HistoryEntry[]) =>
      list.reduce((sum, e) => {
        const v = e.p?.[o.rfm.revenue]
        return sum + (typeof v === 'number' && Number.isFinite(v) ? v : 0)
      }, 0)
    const rank = (x: number, cuts: readonly number[]) => 1 + cuts.filter((c) => x >= c).length
    const compute = (t: Term, kind: string): unknown => {
      const list = inWindow(t)
      switch (kind) {
        case 'count':
          return list.length
        case 'recency':
          return t.list.length ? (now - t.list[t.list.length - 1]!.t) / DAY : Number.POSITIVE_INFINITY
        case 'first':
          // An ISO instant: `$gte`/`$lt` on ISO strings compare as times (one format, one length).
          return list.length ? new Date(list[0]!.t).toISOString() : null
        case 'frequency':
          return new Set(list.map((e) => Math.floor(e.t / DAY))).size
        case 'monetary':
          return revenue(list)
        case 'top': {
          const counts = new Map<unknown, number>()
          let best: unknown
          let most = 0
          for (const e of list) {
            const v = e.p?.[t.filter.property!]
            if (v === undefined || typeof v === 'object') continue
            const n = (counts.get(v) ?? 0) + 1
            counts.set(v, n)
            // Ties go to the most recent value.
            if (n >= most) [best, most] = [v, n]
          }
          return best
        }
      }
      // RFM: 0 when there was no order in the window, else 1-5 on the configured cuts.
      if (!list.length) return 0
      const days = (now - list[list.length - 1]!.t) / DAY
      const r = 5 - o.rfm.recency.filter((c) => days > c).length
      const f = rank(list.length, o.rfm.frequency)
      const m = rank(revenue(list), o.rfm.monetary)
      return { 'rfm:r': r, 'rfm:f': f, 'rfm:m': m, 'rfm:total': r + f + m }[kind]
    }
    const value = (t: Term, kind: BehaviourKey) => {
      const id = `${kind}\u0000${t.id}`
      if (!cache.has(id)) cache.set(id, compute(t, kind))
      return cache.get(id)
    }
    return segments.filter(([, rule]) => rule(attributes, value)).map(([key]) => key)
  }

  return {
    add(entry, now = entry.t) {
      insert(history, entry)
      for (const t of terms.values()) if (t.matches(entry)) insert(t.list, entry)
      return forget(now)
    },
    entries: () => history,
    evaluate,
  }
}
