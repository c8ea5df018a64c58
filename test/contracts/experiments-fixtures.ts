// Fixtures of the experiment store contracts (experiments.contract.ts, experiment-goals.contract.ts):
// the events they send, and the oracle their property runs check every adapter against, computed
// from stored events and profiles.
import fc from 'fast-check'
import {
  type CovariateRow,
  type ExperimentNeeds,
  type ExposedPerson,
  type MetricSource,
  PRE_EXPOSURE_WINDOW_MS,
} from '../../collector/experiments/types.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import { makeRow } from './store.contract.ts'

export const T = Date.parse('2026-11-20T10:00:00.000Z')
export const HOUR = 3_600_000
export const DAY = 86_400_000
export const D0 = Math.floor(T / DAY)

let n = 0
/** Every row gets the same receivedAt (makeRow's): listEvents then lists newest arrivals first. */
export const row = (fields: Partial<StoredEvent>, properties?: Record<string, unknown>) =>
  makeRow({
    messageId: `x${++n}`,
    payload: JSON.stringify(properties ? { properties } : {}),
    ...fields,
  })
export const viewed = (anonymousId: string, variation: string, timestamp: number, extra: object = {}) =>
  row(
    { name: 'Experiment Viewed', anonymousId, timestamp },
    { experiment_id: 'x', variation_id: variation, bucket_version: 0, ...extra },
  )
export const order = (ids: { anonymousId?: string; userId?: string }, timestamp: number, revenue?: unknown) =>
  row(
    { name: 'Order Completed', anonymousId: ids.anonymousId ?? null, userId: ids.userId ?? null, timestamp },
    revenue === undefined ? {} : { revenue },
  )
export const identify = (anonymousId: string, userId: string, timestamp: number) =>
  row({ type: 'identify', name: null, anonymousId, userId, timestamp })
export const onSite = (site: string, rows: StoredEvent[]) => rows.map((r) => ({ ...r, site }))

export const CONVERSION = { event: 'Order Completed', property: '' }
export const REVENUE = { event: 'Order Completed', property: 'revenue' }
export const NEEDS: ExperimentNeeds[] = [{ key: 'x', bucketVersion: 0, metrics: [CONVERSION, REVENUE] }]

/** Resolution, then the experiment rows (a store's own background sync runs only now and then). */
export const sync = async (store: Store) => {
  await store.resolveIdentities({}, T)
  await store.syncExperiments()
}
/**
 * Rows by variation and day, summed over their hours (the day is derivable from the hour): what
 * most cases below check. The hours themselves: 'keeps the hour of…' and the oracle's run.
 */
export const byDay = <R extends { variation: string; day: number; hour: number; users: number }>(
  rows: R[],
) => {
  const days = new Map<string, Omit<R, 'hour'> & { sum?: number; sumSquares?: number }>()
  for (const { hour: _, ...r } of rows) {
    const row = r as Omit<R, 'hour'> & { sum?: number; sumSquares?: number }
    const key = `${row.variation}:${row.day}`
    const was = days.get(key)
    if (!was) days.set(key, { ...row })
    else {
      was.users += row.users
      if (row.sum !== undefined) was.sum = (was.sum ?? 0) + row.sum
      if (row.sumSquares !== undefined) was.sumSquares = (was.sumSquares ?? 0) + row.sumSquares
    }
  }
  return [...days.values()]
}
export const people = async (store: Store, bucketVersion = 0, site = 'demo') =>
  byDay(await store.experimentPeople(site, 'x', bucketVersion))
export const metric = async (store: Store, m: MetricSource = CONVERSION, site = 'demo') =>
  byDay(await store.experimentMetric(site, 'x', 0, m))
export const covariates = (store: Store, m: MetricSource = CONVERSION, site = 'demo') =>
  store.experimentCovariates(site, 'x', 0, m)
/** Variations with people (SQLite keeps listing one whose people all left, with users 0). */
export const sizes = async (store: Store, site = 'demo') =>
  (await store.experimentSizes(site)).filter((r) => r.users !== 0)

/** Events as a person would send them, in a random order: the oracle below recomputes from scratch. */
const UNITS = ['a1', 'a2', 'a3', 'b1', 'anonymous']
const USERS = ['u1', 'u2']
const at = fc.integer({ min: 0, max: 6 }).map((k) => T + k * 12 * HOUR)
export const action = fc.oneof(
  fc.record({
    kind: fc.constant('expose' as const),
    unit: fc.constantFrom(...UNITS),
    variation: fc.constantFrom('control', 'treat'),
    at,
    bucketVersion: fc.constantFrom(0, 0, 0, 1),
  }),
  fc.record({
    kind: fc.constant('order' as const),
    unit: fc.option(fc.constantFrom(...UNITS), { nil: undefined }),
    user: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
    at,
    revenue: fc.option(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('x')), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('identify' as const),
    unit: fc.constantFrom(...UNITS),
    user: fc.constantFrom(...USERS),
    at,
  }),
  fc.constant({ kind: 'sync' as const }),
  fc.constant({ kind: 'prepare' as const }),
  fc.record({ kind: fc.constant('retention' as const), at }),
  fc.record({ kind: fc.constant('erase' as const), key: fc.constantFrom(...UNITS, ...USERS) }),
)

/**
 * Browser events only, for a goal counted from report rows, which hold what browsers send and
 * give each event its device's person: every order has a device (not the placeholder) and no
 * userId (users come from identify calls; an order's own userId would count for that user's
 * profile in the store's SQL). Exposures all of bucket version 0.
 */
const DEVICES = ['a1', 'a2', 'a3', 'b1']
export const browserAction = fc.oneof(
  fc.record({
    kind: fc.constant('expose' as const),
    unit: fc.constantFrom(...DEVICES),
    variation: fc.constantFrom('control', 'treat'),
    at,
  }),
  fc.record({
    kind: fc.constant('order' as const),
    unit: fc.constantFrom(...DEVICES),
    at,
    revenue: fc.option(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant('x')), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('identify' as const),
    unit: fc.constantFrom(...DEVICES),
    user: fc.constantFrom(...USERS),
    at,
  }),
  fc.record({ kind: fc.constant('erase' as const), key: fc.constantFrom(...DEVICES, ...USERS) }),
)

export type Row = {
  variation: string
  day: number
  hour?: number
  users: number
  sum?: number
  sumSquares?: number
}
export const sorted = (rows: Row[]) =>
  [...rows].sort(
    (a, b) => a.variation.localeCompare(b.variation) || a.day - b.day || (a.hour ?? 0) - (b.hour ?? 0),
  )

export interface Expected {
  people: Row[]
  conversions: Row[]
  revenue: Row[]
  /** CUPED's sums per variation with people, in byte order. */
  covariates: { conversion: CovariateRow[]; revenue: CovariateRow[] }
}

/**
 * What the results must say, computed from the site's stored events (listEvents: newest arrival
 * first) and the profiles identity resolution made of them (findProfile) alone.
 */
export const oracle = async (store: Store, site: string): Promise<Expected> => {
  const owner = new Map<string, string>()
  for (const key of [...UNITS, ...USERS]) {
    const profile = await store.findProfile(site, key, T)
    for (const i of profile?.identifiers ?? []) owner.set(`${i.kind}:${i.value}`, profile!.id)
  }
  const stored = (await store.listEvents(site, { limit: 100_000 })).events.reverse()
  const events = stored.map((e, id) => ({ ...e, id })).filter((e) => e.type === 'track')
  const units = new Map<string, { unit: string; variation: string; t: number; id: number }>()
  for (const e of events) {
    const p = JSON.parse(e.payload).properties
    if (e.name !== 'Experiment Viewed' || !e.anonymousId || p.bucket_version !== 0) continue
    const was = units.get(e.anonymousId)
    if (!was || e.timestamp < was.t)
      units.set(e.anonymousId, { unit: e.anonymousId, variation: p.variation_id, t: e.timestamp, id: e.id })
  }
  const firsts = new Map<string, { variation: string; t: number; id: number }>()
  for (const u of units.values()) {
    const profile = owner.get(`anonymous:${u.unit}`)
    const was = profile && firsts.get(profile)
    if (profile && (!was || u.t < was.t || (u.t === was.t && u.id < was.id))) firsts.set(profile, u)
  }
  /** One person counted at time t: by the hour, with the hour's day. */
  const count = (rows: Map<string, Row>, variation: string, t: number, value?: number) => {
    const hour = Math.floor(t / HOUR)
    const k = `${variation}:${hour}`
    const r = rows.get(k) ?? {
      variation,
      day: Math.floor(hour / 24),
      hour,
      users: 0,
      ...(value === undefined ? {} : { sum: 0, sumSquares: 0 }),
    }
    r.users++
    if (value !== undefined) {
      r.sum! += value
      r.sumSquares! += value * value
    }
    rows.set(k, r)
  }
  const peopleRows = new Map<string, Row>()
  for (const f of firsts.values()) count(peopleRows, f.variation, f.t)
  const perPerson = new Map<string, { first: number; revenue: number }>()
  const before = new Map<string, number>() // revenue in the window before the first exposure
  for (const e of events) {
    if (e.name !== 'Order Completed') continue
    const profile = owner.get(`user:${e.userId}`) ?? owner.get(`anonymous:${e.anonymousId}`)
    const f = profile && firsts.get(profile)
    if (!profile || !f) continue
    const revenue = JSON.parse(e.payload).properties?.revenue
    if (e.timestamp < f.t && e.timestamp >= f.t - PRE_EXPOSURE_WINDOW_MS)
      before.set(profile, (before.get(profile) ?? 0) + (typeof revenue === 'number' ? revenue : 0))
    if (e.timestamp <= f.t) continue
    const was = perPerson.get(profile) ?? { first: e.timestamp, revenue: 0 }
    perPerson.set(profile, {
      first: Math.min(was.first, e.timestamp),
      revenue: was.revenue + (typeof revenue === 'number' ? revenue : 0),
    })
  }
  const conversions = new Map<string, Row>()
  const revenue = new Map<string, Row>()
  for (const [profile, v] of perPerson) {
    const variation = firsts.get(profile)!.variation
    count(conversions, variation, v.first, 1)
    count(revenue, variation, v.first, v.revenue)
  }
  const covariatesOf = (pre: (p: string) => number, post: (p: string) => number) => {
    const rows = new Map<string, CovariateRow>()
    for (const [profile, f] of firsts) {
      const r = rows.get(f.variation) ?? {
        variation: f.variation,
        users: 0,
        preSum: 0,
        preSumSquares: 0,
        postSum: 0,
        postSumSquares: 0,
        crossSum: 0,
      }
      const x = pre(profile)
      const y = post(profile)
      r.users++
      r.preSum += x
      r.preSumSquares += x * x
      r.postSum += y
      r.postSumSquares += y * y
      r.crossSum += x * y
      rows.set(f.variation, r)
    }
    return [...rows.values()].sort((a, b) => (a.variation < b.variation ? -1 : 1))
  }
  return {
    people: sorted([...peopleRows.values()]),
    conversions: sorted([...conversions.values()]),
    revenue: sorted([...revenue.values()]),
    covariates: {
      conversion: covariatesOf(
        (p) => (before.has(p) ? 1 : 0),
        (p) => (perPerson.has(p) ? 1 : 0),
      ),
      revenue: covariatesOf(
        (p) => before.get(p) ?? 0,
        (p) => perPerson.get(p)?.revenue ?? 0,
      ),
    },
  }
}

/** People rows (by variation and hour, with its day) from one row per person. */
export const peopleOf = (exposed: readonly ExposedPerson[]) => {
  const rows = new Map<string, { variation: string; day: number; hour: number; users: number }>()
  for (const p of exposed) {
    const hour = Math.floor(p.firstAt / HOUR)
    const r = rows.get(`${p.variation}:${hour}`) ?? {
      variation: p.variation,
      day: Math.floor(hour / 24),
      hour,
      users: 0,
    }
    r.users++
    rows.set(`${p.variation}:${hour}`, r)
  }
  return sorted([...rows.values()])
}
