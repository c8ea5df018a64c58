// The experiment store contract's goals counted from report rows (collector/experiments/
// goal-metrics.ts): a goal with `where` or a page is counted from the rows with the experiment's
// people (experimentExposed), and must agree with the store's own SQL where both apply. Every
// Store adapter runs it beside experiments.contract.ts.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { goalHitsOf, goalMetric } from '../../collector/experiments/goal-metrics.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import {
  browserAction,
  CONVERSION,
  covariates,
  identify,
  NEEDS,
  onSite,
  oracle,
  order,
  REVENUE,
  sorted,
  sync,
  T,
  viewed,
} from './experiments-fixtures.ts'

export const describeExperimentGoalsContract = (name: string, open: () => Promise<Store>) =>
  describe(`experiment goals from report rows: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('counts a goal from report rows as the store counts its event, browser orders by their device', async () => {
      // A goal with where or a page is counted this way (goal-metrics.ts); here the goal is the
      // plain event, so the store's own SQL, and the oracle, must agree with it to the row.
      const goal = { event: 'Order Completed', revenue: 'revenue' }
      let runs = 0
      await fc.assert(
        fc.asyncProperty(fc.array(browserAction, { minLength: 1, maxLength: 25 }), async (actions) => {
          const site = `rows${++runs}`
          const insert = (rows: StoredEvent[]) => store.insertEvents(onSite(site, rows))
          for (const a of actions) {
            if (a.kind === 'expose') await insert([viewed(a.unit, a.variation, a.at)])
            else if (a.kind === 'order') await insert([order({ anonymousId: a.unit }, a.at, a.revenue)])
            else if (a.kind === 'identify') await insert([identify(a.unit, a.user, a.at)])
            else {
              await sync(store)
              await store.eraseProfile(site, a.key, T)
            }
          }
          await store.prepareExperiments(site, NEEDS)
          await sync(store)
          await store.syncReports()
          const expected = await oracle(store, site)
          const exposed = await store.experimentExposed(site, 'x', 0)
          const rows = await store.reportSessions(site, { from: 0, to: 8.64e15 })
          const hits = goalHitsOf(rows, goal)
          const conversion = goalMetric(exposed, hits, CONVERSION)
          const revenue = goalMetric(exposed, hits, REVENUE)
          expect(sorted(conversion.metric)).toEqual(expected.conversions)
          expect(sorted(revenue.metric)).toEqual(expected.revenue)
          expect(conversion.covariates).toEqual(expected.covariates.conversion)
          expect(revenue.covariates).toEqual(expected.covariates.revenue)
          const capped = { ...REVENUE, cap: 0.5 }
          const capRows = goalMetric(exposed, hits, capped)
          expect(sorted(capRows.metric)).toEqual(sorted(await store.experimentMetric(site, 'x', 0, capped)))
          expect(capRows.covariates).toEqual(await covariates(store, capped, site))
        }),
        { numRuns: 30 },
      )
    }, 120_000)
  })
