// The experiment store contract: every Store adapter runs it (sqlite-experiments.test.ts,
// postgres-experiments.test.ts). Events go in through insertEvents and profiles come from
// resolveIdentities, as in the collector; results are read only through the ExperimentStore.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_IDENTITY } from '../../collector/identity/rules.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import {
  action,
  CONVERSION,
  covariates,
  D0,
  DAY,
  type Expected,
  HOUR,
  identify,
  metric,
  NEEDS,
  onSite,
  oracle,
  order,
  people,
  peopleOf,
  REVENUE,
  row,
  sizes,
  sorted,
  sync,
  T,
  viewed,
} from './experiments-fixtures.ts'

export interface ContractOptions {
  /** More checks of an adapter's own after each run (SQLite: a rebuild from scratch agrees). */
  afterRun?: (store: Store, site: string, expected: Expected) => Promise<void>
}

export const describeExperimentsContract = (
  name: string,
  open: () => Promise<Store>,
  options: ContractOptions = {},
) =>
  describe(`experiments contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('counts a device by its earliest exposure, also when it arrives late', async () => {
      await store.insertEvents([viewed('a1', 'treat', T + HOUR), viewed('a1', 'treat', T + 2 * HOUR)])
      await store.insertEvents([viewed('a1', 'control', T - 2 * DAY)]) // sent late from an outbox
      await sync(store)
      expect(await people(store)).toEqual([{ variation: 'control', day: D0 - 2, users: 1 }])
      expect(await sizes(store)).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'control', users: 1 },
      ])
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
      expect(await sizes(store)).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'control', users: 1 },
        { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 1 },
      ])
    })

    it('breaks a tie between two devices of one person by arrival', async () => {
      await store.insertEvents([viewed('a2', 'treat', T), viewed('a1', 'control', T)])
      await store.insertEvents([identify('a1', 'u-ada', T + HOUR), identify('a2', 'u-ada', T + HOUR)])
      await sync(store)
      expect(await people(store)).toEqual([{ variation: 'treat', day: D0, users: 1 }])
    })

    it("gives a device refused by a profile's limit the profile it gets later", async () => {
      const oneDevice = {
        demo: { ...DEFAULT_IDENTITY, limits: { ...DEFAULT_IDENTITY.limits, anonymous: 1 } },
      }
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

    it('caps a mean at a percentile of the values > 0 of the experiment, pre values too (winsorizing)', async () => {
      const capped = { ...REVENUE, cap: 0.6 }
      await store.prepareExperiments('demo', NEEDS)
      await store.prepareExperiments('other', NEEDS)
      const exposed = (unit: string, variation: string, revenue?: unknown, site = 'demo') => [
        { ...viewed(unit, variation, T), site },
        { ...order({ anonymousId: unit }, T + HOUR, revenue), site },
      ]
      await store.insertEvents([
        // Values > 0: 10, 20, 30, 40 and a whale's 5000; zeros: 0, no revenue, 0.
        ...exposed('c1', 'control', 10),
        ...exposed('c2', 'control', 20),
        ...exposed('c3', 'control', 0),
        ...exposed('c4', 'control'),
        ...exposed('t1', 'treat', 30),
        ...exposed('t2', 'treat', 40),
        ...exposed('t3', 'treat', 5000),
        ...exposed('t4', 'treat', 0),
        // Before their exposure: the whale spent 9000, Cat 5 (CUPED's pre values).
        order({ anonymousId: 't3' }, T - DAY, 9000),
        order({ anonymousId: 'c1' }, T - DAY, 5),
        // Another site's people of an experiment of the same key: not in this one's percentile.
        ...exposed('o1', 'control', 1, 'other'),
        ...exposed('o2', 'control', 2, 'other'),
        ...exposed('o3', 'treat', 3, 'other'),
      ])
      await sync(store)
      // Nearest rank over the 5 values > 0: the ⌈0.6 · 5⌉ = 3rd, 30 (with the 3 zeros, the
      // ⌈0.6 · 8⌉ = 5th would be 20; with the other site's 1, 2 and 3 too, 20 again).
      expect(await metric(store, capped)).toEqual([
        { variation: 'control', day: D0, users: 4, sum: 30, sumSquares: 500, cap: 30 },
        { variation: 'treat', day: D0, users: 4, sum: 90, sumSquares: 2700, cap: 30 },
      ])
      // Without a cap: unchanged, and no cap in the rows.
      const plain = await metric(store, REVENUE)
      expect(plain).toEqual([
        { variation: 'control', day: D0, users: 4, sum: 30, sumSquares: 500 },
        { variation: 'treat', day: D0, users: 4, sum: 5070, sumSquares: 900 + 1600 + 5000 ** 2 },
      ])
      expect(plain.every((r) => !('cap' in r))).toBe(true)
      // The other site's own cap: ⌈0.6 · 3⌉ = 2nd of 1, 2, 3.
      expect(await metric(store, capped, 'other')).toEqual([
        { variation: 'control', day: D0, users: 2, sum: 3, sumSquares: 5, cap: 2 },
        { variation: 'treat', day: D0, users: 1, sum: 2, sumSquares: 4, cap: 2 },
      ])
      // CUPED: pre values capped at the same 30 (the whale's 9000 too).
      expect(await covariates(store, capped)).toEqual([
        {
          variation: 'control',
          users: 4,
          preSum: 5,
          preSumSquares: 25,
          postSum: 30,
          postSumSquares: 500,
          crossSum: 50,
        },
        {
          variation: 'treat',
          users: 4,
          preSum: 30,
          preSumSquares: 900,
          postSum: 90,
          postSumSquares: 2700,
          crossSum: 900,
        },
      ])
      // A conversion is never capped.
      expect(await metric(store, { ...CONVERSION, cap: 0.6 })).toEqual(await metric(store))
    })

    it('keeps the hour of each first exposure and of each first metric event, on its day', async () => {
      await store.prepareExperiments('demo', NEEDS)
      const H = Math.floor(T / HOUR) // 10:00 UTC
      await store.insertEvents([
        viewed('a1', 'control', T + 5 * 60_000), // 10:05
        viewed('a2', 'control', T + 59 * 60_000), // 10:59
        viewed('a3', 'treat', T + 14 * HOUR), // 00:00 the next day
        order({ anonymousId: 'a1' }, T + HOUR, 4), // 11:00
        order({ anonymousId: 'a1' }, T + 2 * HOUR, 6), // later: the first one's hour counts
        order({ anonymousId: 'a2' }, T + 13 * HOUR + 59 * 60_000, 1), // 23:59
        order({ anonymousId: 'a3' }, T + 15 * HOUR, 2), // 01:00 the next day
      ])
      await sync(store)
      expect(await store.experimentPeople('demo', 'x', 0)).toEqual([
        { variation: 'control', day: D0, hour: H, users: 2 },
        { variation: 'treat', day: D0 + 1, hour: H + 14, users: 1 },
      ])
      expect(sorted(await store.experimentMetric('demo', 'x', 0, REVENUE))).toEqual([
        { variation: 'control', day: D0, hour: H + 1, users: 1, sum: 10, sumSquares: 100 },
        { variation: 'control', day: D0, hour: H + 13, users: 1, sum: 1, sumSquares: 1 },
        { variation: 'treat', day: D0 + 1, hour: H + 15, users: 1, sum: 2, sumSquares: 4 },
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

    it("values each person's metric in the 14 days before their first exposure, over all their ids (CUPED)", async () => {
      const totals = (
        variation: string,
        users: number,
        pre: [number, number],
        post: [number, number],
        crossSum: number,
      ) => ({
        variation,
        users,
        preSum: pre[0],
        preSumSquares: pre[1],
        postSum: post[0],
        postSumSquares: post[1],
        crossSum,
      })
      await store.prepareExperiments('demo', NEEDS)
      await store.prepareExperiments('other', NEEDS)
      await store.insertEvents([
        // Ada, on a1 and a2: exposed on a1. Before: 40 on a2, 10 on a1, 3 through the server exactly
        // 14 days before (counted), 1000 fifteen days before (too old). After: 30 on a2.
        identify('a1', 'u-ada', T - 20 * DAY),
        identify('a2', 'u-ada', T - 20 * DAY),
        order({ userId: 'u-ada' }, T - 15 * DAY, 1000),
        order({ userId: 'u-ada' }, T - 14 * DAY, 3),
        order({ anonymousId: 'a2' }, T - 2 * DAY, 40),
        order({ anonymousId: 'a1' }, T - HOUR, 10),
        viewed('a1', 'treat', T),
        order({ anonymousId: 'a2' }, T + HOUR, 30),
        // Bob: exposed, no order here; his device orders on another site, exposed there too.
        viewed('b1', 'treat', T),
        { ...order({ anonymousId: 'b1' }, T - DAY, 5), site: 'other' },
        { ...viewed('b1', 'control', T), site: 'other' },
        // Cat: control, ordered 20 three days before, not since. Dan: control, orders 8 after only.
        viewed('c1', 'control', T),
        order({ anonymousId: 'c1' }, T - 3 * DAY, 20),
        viewed('d1', 'control', T + HOUR),
        order({ anonymousId: 'd1' }, T + 2 * HOUR, 8),
      ])
      await sync(store)
      expect(await covariates(store, REVENUE)).toEqual([
        totals('control', 2, [20, 400], [8, 64], 0),
        totals('treat', 2, [53, 53 ** 2], [30, 900], 53 * 30),
      ])
      expect(await covariates(store)).toEqual([
        totals('control', 2, [1, 1], [1, 1], 0),
        totals('treat', 2, [1, 1], [1, 1], 1),
      ])
      expect(await covariates(store, REVENUE, 'other')).toEqual([totals('control', 1, [5, 25], [0, 0], 0)])
      // Not registered: nothing, as experimentMetric.
      expect(await covariates(store, { event: 'Signed Up', property: '' })).toEqual([])

      // An earlier exposure of Ada's arrives late (on a2, three days before): her window moves.
      // Before it: 1000 and 3 (days 15 and 14 before T are days 12 and 11 before it); after: 40, 10, 30.
      await store.insertEvents([viewed('a2', 'treat', T - 3 * DAY)])
      await sync(store)
      expect(await covariates(store, REVENUE)).toEqual([
        totals('control', 2, [20, 400], [8, 64], 0),
        totals('treat', 2, [1003, 1003 ** 2], [80, 6400], 1003 * 80),
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
        viewed('a7', 'treat', T, { bucket_version: '1' }),
      ])
      await sync(store)
      expect(await people(store)).toEqual([{ variation: 'control', day: D0, users: 1 }])
      expect(await people(store, 1)).toEqual([{ variation: 'treat', day: D0, users: 1 }])
      expect(await sizes(store)).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'control', users: 1 },
        { experiment: 'x', bucketVersion: 1, variation: 'treat', users: 1 },
      ])
    })

    it('counts late decisions per variation and bucket version, as events, never as exposures', async () => {
      const late = (anonymousId: string | null, variation: unknown, extra: object = {}) =>
        row(
          { name: 'Experiment Late', anonymousId, timestamp: T },
          { experiment_id: 'x', variation_id: variation, bucket_version: 0, ...extra },
        )
      await store.insertEvents([
        late('a1', 'treat'),
        late('a1', 'treat'), // another page of the same visitor: another late decision
        late('a2', 'control', { bucket_version: undefined }), // missing: version 0
        late(null, 'treat', { bucket_version: null }), // no anonymousId: still a decision
        late('a3', 'treat', { bucket_version: 1 }),
        // Not counted: text or fractional versions, a variation that is not a string, another
        // experiment, a page event of that name, an exposure, another site.
        late('a4', 'treat', { bucket_version: '0' }),
        late('a4', 'treat', { bucket_version: 0.5 }),
        late('a4', 2),
        late('a4', 'treat', { experiment_id: 'y' }),
        row(
          { type: 'page', name: 'Experiment Late', anonymousId: 'a4' },
          { experiment_id: 'x', variation_id: 'treat' },
        ),
        viewed('a4', 'treat', T),
        { ...late('a5', 'control'), site: 'other' },
      ])
      await sync(store)
      expect(await store.experimentLate('demo', 'x', 0)).toEqual([
        { variation: 'control', late: 1 },
        { variation: 'treat', late: 3 },
      ])
      expect(await store.experimentLate('demo', 'x', 1)).toEqual([{ variation: 'treat', late: 1 }])
      expect(await store.experimentLate('demo', 'y', 0)).toEqual([{ variation: 'treat', late: 1 }])
      expect(await store.experimentLate('other', 'x', 0)).toEqual([{ variation: 'control', late: 1 }])
      expect(await store.experimentLate('demo', 'none', 0)).toEqual([])
      // Late decisions put nobody in the experiment: only the one exposure counts.
      expect(await people(store)).toEqual([{ variation: 'treat', day: D0, users: 1 }])
    })

    it("keeps sites apart, and lists every experiment's people", async () => {
      await store.insertEvents([
        viewed('a1', 'treat', T),
        viewed('a1', 'control', T, { experiment_id: 'y' }),
        viewed('a2', 'control', T, { experiment_id: 'y', bucket_version: 2 }),
        { ...viewed('a3', 'treat', T), site: 'other' },
      ])
      await sync(store)
      expect(await sizes(store)).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 1 },
        { experiment: 'y', bucketVersion: 0, variation: 'control', users: 1 },
        { experiment: 'y', bucketVersion: 2, variation: 'control', users: 1 },
      ])
      expect(await sizes(store, 'other')).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 1 },
      ])
      expect(await sizes(store, 'none')).toEqual([])
    })

    it('forgets an erased person; retention takes exposures with their events', async () => {
      await store.prepareExperiments('demo', NEEDS)
      await store.insertEvents([
        viewed('a1', 'treat', T),
        identify('a1', 'u-ada', T + 1),
        order({ userId: 'u-ada' }, T + HOUR, 5),
        viewed('b1', 'control', T - 3 * DAY),
      ])
      await sync(store)
      expect(await metric(store, REVENUE)).toEqual([
        { variation: 'treat', day: D0, users: 1, sum: 5, sumSquares: 25 },
      ])
      await store.eraseProfile('demo', 'u-ada', T)
      await sync(store)
      expect(await people(store)).toEqual([{ variation: 'control', day: D0 - 3, users: 1 }])
      expect(await metric(store, REVENUE)).toEqual([])
      await store.deleteEventsBefore('demo', T - DAY)
      await sync(store)
      expect(await people(store)).toEqual([])
      expect(await sizes(store)).toEqual([])
    })

    it('agrees with a from-scratch computation after any sequence of exposures, orders, links, syncs, registrations, deletions', async () => {
      // One store, a site per run: opening a store per run would cost more than the run.
      let runs = 0
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
          const site = `run${++runs}`
          const insert = (rows: StoredEvent[]) => store.insertEvents(onSite(site, rows))
          for (const a of actions) {
            if (a.kind === 'expose')
              await insert([viewed(a.unit, a.variation, a.at, { bucket_version: a.bucketVersion })])
            else if (a.kind === 'order')
              await insert([
                order(
                  { ...(a.unit ? { anonymousId: a.unit } : {}), ...(a.user ? { userId: a.user } : {}) },
                  a.at,
                  a.revenue,
                ),
              ])
            else if (a.kind === 'identify') await insert([identify(a.unit, a.user, a.at)])
            else if (a.kind === 'sync') await sync(store)
            else if (a.kind === 'prepare') await store.prepareExperiments(site, NEEDS)
            else if (a.kind === 'retention') await store.deleteEventsBefore(site, a.at)
            else {
              await sync(store)
              await store.eraseProfile(site, a.key, T)
            }
          }
          await store.prepareExperiments(site, NEEDS)
          await sync(store)
          const expected = await oracle(store, site)
          expect(sorted(await store.experimentPeople(site, 'x', 0))).toEqual(expected.people)
          expect(peopleOf(await store.experimentExposed(site, 'x', 0))).toEqual(expected.people)
          expect(sorted(await store.experimentMetric(site, 'x', 0, CONVERSION))).toEqual(expected.conversions)
          expect(sorted(await store.experimentMetric(site, 'x', 0, REVENUE))).toEqual(expected.revenue)
          expect(await covariates(store, CONVERSION, site)).toEqual(expected.covariates.conversion)
          expect(await covariates(store, REVENUE, site)).toEqual(expected.covariates.revenue)
          await options.afterRun?.(store, site, expected)
        }),
        { numRuns: 60 },
      )
    }, 120_000)
  })
