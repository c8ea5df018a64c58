import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ExperimentNeeds } from '../experiments/types.ts'
import { DEFAULT_IDENTITY } from '../identity/rules.ts'
import { makeRow } from './contract.ts'
import { openSqliteStore } from './sqlite.ts'
import {
  CAPTURE_EXPOSURES,
  CAPTURE_METRIC_EVENTS,
  METRIC_SQL,
  RECOMPUTE_BATCH,
  rebuildExperiments,
  sqliteExperiments,
} from './sqlite-experiments.ts'
import type { Store, StoredEvent } from './types.ts'

const T = Date.parse('2026-11-20T10:00:00.000Z')
const HOUR = 3_600_000
const DAY = 86_400_000
const D0 = Math.floor(T / DAY)

let n = 0
const row = (fields: Partial<StoredEvent>, properties?: Record<string, unknown>) =>
  makeRow({ messageId: `m${++n}`, payload: JSON.stringify(properties ? { properties } : {}), ...fields })
const viewed = (anonymousId: string, variation: string, timestamp: number, extra: object = {}) =>
  row(
    { name: 'Experiment Viewed', anonymousId, timestamp },
    { experiment_id: 'x', variation_id: variation, bucket_version: 0, ...extra },
  )
const order = (ids: { anonymousId?: string; userId?: string }, timestamp: number, revenue?: unknown) =>
  row(
    { name: 'Order Completed', anonymousId: ids.anonymousId ?? null, userId: ids.userId ?? null, timestamp },
    revenue === undefined ? {} : { revenue },
  )
const identify = (anonymousId: string, userId: string, timestamp: number) =>
  row({ type: 'identify', name: null, anonymousId, userId, timestamp })

/** Every database of this file lives below one directory, removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'precis-experiments-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const newPath = () => join(mkdtempSync(join(root, 'db-')), 'db.sqlite')

const CONVERSION = { event: 'Order Completed', property: '' }
const REVENUE = { event: 'Order Completed', property: 'revenue' }
const NEEDS: ExperimentNeeds[] = [{ key: 'x', bucketVersion: 0, metrics: [CONVERSION, REVENUE] }]

/** Resolution, then the experiment rows (the store's own background sync runs only now and then). */
const sync = async (store: Store) => {
  await store.resolveIdentities({}, T)
  await store.syncExperiments()
}
const people = (store: Store, bucketVersion = 0) => store.experimentPeople('demo', 'x', bucketVersion)
const metric = (store: Store, m = CONVERSION) => store.experimentMetric('demo', 'x', 0, m)

describe('SQLite experiments', () => {
  let store: Store
  let path: string
  let db: Database.Database
  beforeEach(() => {
    path = newPath()
    store = openSqliteStore(path)
    db = new Database(path, { readonly: true })
  })
  afterEach(async () => {
    db.close()
    await store.close()
  })
  const exposures = () =>
    db.prepare('SELECT unit, variation, first_at, profile_id FROM experiment_exposures ORDER BY unit').all()

  it('keeps one exposure per device and experiment: the earliest, also when it arrives late', async () => {
    await store.insertEvents([viewed('a1', 'treat', T + HOUR), viewed('a1', 'treat', T + 2 * HOUR)])
    await store.insertEvents([viewed('a1', 'control', T - 2 * DAY)]) // sent late from an outbox
    await sync(store)
    expect(exposures()).toEqual([
      { unit: 'a1', variation: 'control', first_at: T - 2 * DAY, profile_id: expect.any(String) },
    ])
    expect(await people(store)).toEqual([{ variation: 'control', day: D0 - 2, users: 1 }])
  })

  it("falls back to a device's next exposure when its earliest one is deleted", async () => {
    await store.insertEvents([viewed('a1', 'treat', T + 2 * DAY), viewed('a1', 'control', T)])
    await sync(store)
    expect(await people(store)).toEqual([{ variation: 'control', day: D0, users: 1 }])
    await store.deleteEventsBefore('demo', T + DAY) // retention takes the earliest
    await sync(store)
    expect(await people(store)).toEqual([{ variation: 'treat', day: D0 + 2, users: 1 }])
  })

  it('counts a person on two devices once, by the earlier exposure; merges people linked later', async () => {
    await store.insertEvents([
      viewed('a1', 'treat', T + HOUR),
      viewed('a2', 'control', T),
      viewed('b1', 'treat', T + DAY),
    ])
    await sync(store)
    expect(await people(store)).toEqual([
      { variation: 'control', day: D0, users: 1 },
      { variation: 'treat', day: D0, users: 1 },
      { variation: 'treat', day: D0 + 1, users: 1 },
    ])
    // Ada logs in on both devices: one person, first exposed (on a2) to the control.
    await store.insertEvents([identify('a1', 'u-ada', T + 2 * HOUR), identify('a2', 'u-ada', T + 3 * HOUR)])
    await sync(store)
    expect(await people(store)).toEqual([
      { variation: 'control', day: D0, users: 1 },
      { variation: 'treat', day: D0 + 1, users: 1 },
    ])
    expect(await store.experimentSizes('demo')).toEqual([
      { experiment: 'x', bucketVersion: 0, variation: 'control', users: 1 },
      { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 1 },
    ])
    // Both devices keep their own exposure row, now under one profile.
    const [a1, a2] = exposures() as { profile_id: string }[]
    expect(a1!.profile_id).toBe(a2!.profile_id)
  })

  it("gives a device refused by a profile's limit the profile it gets later", async () => {
    const oneDevice = { demo: { ...DEFAULT_IDENTITY, limits: { ...DEFAULT_IDENTITY.limits, anonymous: 1 } } }
    await store.insertEvents([
      identify('a1', 'u-ada', T - HOUR),
      { ...viewed('a2', 'treat', T), userId: 'u-ada' }, // a2 is refused: Ada may hold one device
    ])
    await store.resolveIdentities(oneDevice, T)
    await store.syncExperiments()
    expect(await people(store)).toEqual([])
    await store.insertEvents([row({ type: 'page', name: 'Home', anonymousId: 'a2', timestamp: T + 1 })])
    await store.resolveIdentities(oneDevice, T)
    await store.syncExperiments()
    expect(await people(store)).toEqual([{ variation: 'treat', day: D0, users: 1 }])
  })

  it('values metrics after the first exposure, from any device and from the server', async () => {
    await store.prepareExperiments('demo', NEEDS)
    await store.insertEvents([
      // Ada: exposed on her phone (a1), orders on her laptop (a2) and through the server.
      identify('a1', 'u-ada', T - HOUR),
      identify('a2', 'u-ada', T - HOUR),
      order({ anonymousId: 'a1' }, T - 1, 1000), // before her exposure: not counted
      viewed('a1', 'treat', T),
      order({ anonymousId: 'a2' }, T + HOUR, 30),
      order({ userId: 'u-ada' }, T + DAY, 20.5),
      // Bob: exposed, orders once without a revenue, once with a text one (neither counts as money).
      viewed('b1', 'treat', T),
      order({ anonymousId: 'b1' }, T + 2 * DAY),
      order({ anonymousId: 'b1' }, T + 2 * DAY, '12'),
      // Cat: exposed to the control, orders 10. Dan: control, never orders.
      viewed('c1', 'control', T),
      order({ anonymousId: 'c1' }, T + HOUR, 10),
      viewed('d1', 'control', T + HOUR),
      // Eve orders but was never exposed.
      order({ anonymousId: 'e1' }, T + HOUR, 99),
    ])
    await sync(store)
    expect(await people(store)).toEqual([
      { variation: 'control', day: D0, users: 2 },
      { variation: 'treat', day: D0, users: 2 },
    ])
    // Conversions by the day of each person's first order after exposure.
    expect(await metric(store)).toEqual([
      { variation: 'control', day: D0, users: 1, sum: 1, sumSquares: 1 },
      { variation: 'treat', day: D0, users: 1, sum: 1, sumSquares: 1 },
      { variation: 'treat', day: D0 + 2, users: 1, sum: 1, sumSquares: 1 },
    ])
    // Revenue: Ada 30 + 20.5 = 50.5, Bob 0, Cat 10.
    expect(await metric(store, REVENUE)).toEqual([
      { variation: 'control', day: D0, users: 1, sum: 10, sumSquares: 100 },
      { variation: 'treat', day: D0, users: 1, sum: 50.5, sumSquares: 50.5 ** 2 },
      { variation: 'treat', day: D0 + 2, users: 1, sum: 0, sumSquares: 0 },
    ])
  })

  it('gives a metric registered late the same values as one registered before the events', async () => {
    const events = [
      viewed('a1', 'treat', T),
      order({ anonymousId: 'a1' }, T + HOUR, 5),
      viewed('c1', 'control', T),
      order({ anonymousId: 'c1' }, T + 2 * HOUR, 7),
    ]
    await store.insertEvents(events)
    await sync(store)
    expect(await metric(store, REVENUE)).toEqual([]) // not registered yet: not captured
    await store.prepareExperiments('demo', NEEDS)
    const late = await metric(store, REVENUE)
    expect(late).toEqual([
      { variation: 'control', day: D0, users: 1, sum: 7, sumSquares: 49 },
      { variation: 'treat', day: D0, users: 1, sum: 5, sumSquares: 25 },
    ])
    // Dropped, then registered again: the same numbers, and events stored meanwhile count too.
    await store.prepareExperiments('demo', [{ key: 'x', bucketVersion: 0, metrics: [CONVERSION] }])
    expect(await metric(store, REVENUE)).toEqual([])
    await store.insertEvents([order({ anonymousId: 'c1' }, T + 3 * HOUR, 1)])
    await sync(store)
    await store.prepareExperiments('demo', NEEDS)
    expect(await metric(store, REVENUE)).toEqual([
      { variation: 'control', day: D0, users: 1, sum: 8, sumSquares: 64 },
      { variation: 'treat', day: D0, users: 1, sum: 5, sumSquares: 25 },
    ])
  })

  it('leaves out placeholder ids and malformed exposures; bucket versions count apart', async () => {
    await store.insertEvents([
      viewed('anonymous', 'treat', T), // a placeholder links to no profile
      viewed('a1', 'treat', T, { variation_id: 2 }),
      viewed('a2', 'treat', T, { bucket_version: 1.5 }),
      viewed('a3', 'treat', T, { experiment_id: null }),
      viewed('a4', 'treat', T, { bucket_version: 1 }),
      viewed('a5', 'control', T, { bucket_version: undefined }),
      row({ type: 'page', name: 'Experiment Viewed', anonymousId: 'a6' }, { experiment_id: 'x' }),
    ])
    await sync(store)
    expect(await people(store)).toEqual([{ variation: 'control', day: D0, users: 1 }])
    expect(await people(store, 1)).toEqual([{ variation: 'treat', day: D0, users: 1 }])
  })

  it('erases the derived rows of an erased person; retention takes exposures with their events', async () => {
    await store.prepareExperiments('demo', NEEDS)
    await store.insertEvents([
      viewed('a1', 'treat', T),
      identify('a1', 'u-ada', T + 1),
      order({ userId: 'u-ada' }, T + HOUR, 5),
      viewed('b1', 'control', T - 3 * DAY),
    ])
    await sync(store)
    await store.eraseProfile('demo', 'u-ada', T)
    const left = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    expect(await people(store)).toEqual([{ variation: 'control', day: D0 - 3, users: 1 }])
    expect(await metric(store, REVENUE)).toEqual([])
    expect(left('experiment_metric_events')).toBe(0)
    expect(left('experiment_exposures')).toBe(1)
    await store.deleteEventsBefore('demo', T - DAY)
    await sync(store)
    expect(await people(store)).toEqual([])
    for (const table of [
      'experiment_exposures',
      'experiment_people',
      'experiment_values',
      'experiment_dirty',
    ])
      expect(left(table)).toBe(0)
  })

  it('reads and writes through indexes, never a scan of the events or of the derived tables', () => {
    const conn = new Database(path)
    sqliteExperiments(conn) // creates its batch table
    const plan = (sql: string, params: unknown) =>
      (conn.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    const range = { from: 0, to: 10 }
    expect(plan(CAPTURE_EXPOSURES, range)).toContain(
      'SEARCH e USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)',
    )
    expect(plan(CAPTURE_METRIC_EVENTS, range)).toContain('SEARCH e USING INTEGER PRIMARY KEY')
    expect(plan(METRIC_SQL, ['demo', 'x', 0, 'e', ''])).toBe(
      'SEARCH experiment_values USING COVERING INDEX experiment_values_results (site=? AND experiment=? AND bucket_version=? AND event=? AND property=?)',
    )
    // The batch of people is the only table scanned.
    for (const sql of RECOMPUTE_BATCH) expect(plan(sql, {})).not.toMatch(/SCAN (?!d\b)/)
    conn.close()
  })
})

/** Events as a person would send them, in a random order: the oracle below recomputes from scratch. */
const UNITS = ['a1', 'a2', 'a3', 'b1', 'anonymous']
const USERS = ['u1', 'u2']
const at = fc.integer({ min: 0, max: 6 }).map((k) => T + k * 12 * HOUR)
const action = fc.oneof(
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

type Row = { variation: string; day: number; users: number; sum?: number; sumSquares?: number }
const sorted = (rows: Row[]) =>
  [...rows].sort((a, b) => a.variation.localeCompare(b.variation) || a.day - b.day)

/** What the derived tables must say, computed from the events and identifiers alone. */
const oracle = (db: Database.Database) => {
  const owner = new Map(
    (db.prepare('SELECT kind, value, profile_id FROM identifiers').all() as Record<string, string>[]).map(
      (r) => [`${r.kind}:${r.value}`, r.profile_id!],
    ),
  )
  const events = db.prepare("SELECT * FROM events WHERE type = 'track' ORDER BY id").all() as (StoredEvent & {
    id: number
    anonymous_id: string | null
    user_id: string | null
  })[]
  const units = new Map<string, { unit: string; variation: string; t: number; id: number }>()
  for (const e of events) {
    const p = JSON.parse(e.payload).properties
    if (e.name !== 'Experiment Viewed' || !e.anonymous_id || p.bucket_version !== 0) continue
    const was = units.get(e.anonymous_id)
    if (!was || e.timestamp < was.t)
      units.set(e.anonymous_id, { unit: e.anonymous_id, variation: p.variation_id, t: e.timestamp, id: e.id })
  }
  const firsts = new Map<string, { variation: string; t: number; id: number }>()
  for (const u of units.values()) {
    const profile = owner.get(`anonymous:${u.unit}`)
    const was = profile && firsts.get(profile)
    if (profile && (!was || u.t < was.t || (u.t === was.t && u.id < was.id))) firsts.set(profile, u)
  }
  const count = (rows: Map<string, Row>, variation: string, day: number, value?: number) => {
    const k = `${variation}:${day}`
    const r = rows.get(k) ?? {
      variation,
      day,
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
  for (const f of firsts.values()) count(peopleRows, f.variation, Math.floor(f.t / DAY))
  const perPerson = new Map<string, { first: number; revenue: number }>()
  for (const e of events) {
    if (e.name !== 'Order Completed') continue
    const profile = owner.get(`user:${e.user_id}`) ?? owner.get(`anonymous:${e.anonymous_id}`)
    const f = profile && firsts.get(profile)
    if (!profile || !f || e.timestamp <= f.t) continue
    const revenue = JSON.parse(e.payload).properties?.revenue
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
    count(conversions, variation, Math.floor(v.first / DAY), 1)
    count(revenue, variation, Math.floor(v.first / DAY), v.revenue)
  }
  return {
    people: sorted([...peopleRows.values()]),
    conversions: sorted([...conversions.values()]),
    revenue: sorted([...revenue.values()]),
  }
}

describe('SQLite experiments against a from-scratch computation', () => {
  it('agree after any sequence of exposures, orders, links, syncs, registrations, deletions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        const path = newPath()
        const store = openSqliteStore(path)
        try {
          for (const a of actions) {
            if (a.kind === 'expose')
              await store.insertEvents([
                viewed(a.unit, a.variation, a.at, { bucket_version: a.bucketVersion }),
              ])
            else if (a.kind === 'order')
              await store.insertEvents([
                order(
                  { ...(a.unit ? { anonymousId: a.unit } : {}), ...(a.user ? { userId: a.user } : {}) },
                  a.at,
                  a.revenue,
                ),
              ])
            else if (a.kind === 'identify') await store.insertEvents([identify(a.unit, a.user, a.at)])
            else if (a.kind === 'sync') await sync(store)
            else if (a.kind === 'prepare') await store.prepareExperiments('demo', NEEDS)
            else if (a.kind === 'retention') await store.deleteEventsBefore('demo', a.at)
            else {
              await sync(store)
              await store.eraseProfile('demo', a.key, T)
            }
          }
          await store.prepareExperiments('demo', NEEDS)
          await sync(store)
          const db = new Database(path, { readonly: true })
          const expected = oracle(db)
          db.close()
          expect(sorted(await people(store))).toEqual(expected.people)
          expect(sorted(await metric(store))).toEqual(expected.conversions)
          expect(sorted(await metric(store, REVENUE))).toEqual(expected.revenue)
          // Rebuilding the site from scratch (the path taken for very many changed people) agrees.
          const conn = new Database(path)
          rebuildExperiments(conn, 'demo')
          const rebuilt = sqliteExperiments(conn)
          expect(sorted(await rebuilt.experimentPeople('demo', 'x', 0))).toEqual(expected.people)
          expect(sorted(await rebuilt.experimentMetric('demo', 'x', 0, REVENUE))).toEqual(expected.revenue)
          conn.close()
        } finally {
          await store.close()
        }
      }),
      { numRuns: 60 },
    )
  }, 60_000)
})
