// The retention report against an oracle: the seeded stream of test/support/report-stream.ts sent
// through the real app on SQLite and PostgreSQL, then every cohort and period compared with the
// same count made the plain way (support/retention-oracle.ts): people across devices, the DST
// week and day, people who came before the period, returns on a goal, a filter, the CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { CART_GOAL, ORDER_GOAL, type ReportApp, reportApp } from './support/report-app.ts'
import { type Seen, STREAM_NOW, STREAM_ZONE } from './support/report-stream.ts'
import {
  crossDeviceReturners,
  type OracleAsk,
  oracleRetention,
  peopleOf,
} from './support/retention-oracle.ts'

const ADMIN = 'admin-token-for-retention'

interface Answer {
  from: string
  to: string
  by: string
  people: number
  cohorts: {
    cohort: string
    people: number
    periods: { period: number; people: number; rate: number | null }[]
  }[]
  curve: { period: number; people: number; of: number; rate: number | null }[]
}

const describeRetention = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let shop: ReportApp
    let seen: Seen[]
    let erased: string
    const request = (path: string) => shop.request(`/admin/api/reports/retention?site=shop&${path}`)
    const get = (path: string): Promise<Answer> => shop.get(`/admin/api/reports/retention?site=shop&${path}`)
    /** The answer's triangle (rates checked against counts) next to the oracle's. */
    const compare = (answer: Answer, ask: Omit<OracleAsk, 'zone'>) => {
      const expected = oracleRetention(seen, erased, { zone: STREAM_ZONE, ...ask })
      for (const cohort of answer.cohorts)
        for (const p of cohort.periods)
          expect(p.rate, cohort.cohort).toBe(cohort.people === 0 ? null : p.people / cohort.people)
      expect(
        answer.cohorts.map((c) => ({
          ...c,
          periods: c.periods.map(({ period, people }) => ({ period, people })),
        })),
      ).toEqual(expected)
      // The curve: each period's returners over the cohorts where it is complete.
      for (const point of answer.curve) {
        const rows = expected.filter((c) => c.periods.length > point.period)
        expect(point.of).toBe(rows.reduce((n, c) => n + c.people, 0))
        expect(point.people).toBe(rows.reduce((n, c) => n + c.periods[point.period]!.people, 0))
      }
      expect(answer.people).toBe(expected.reduce((n, c) => n + c.people, 0))
      return expected
    }

    beforeAll(async () => {
      store = await open()
      shop = await reportApp(store, {
        admin: ADMIN,
        goals: { order: ORDER_GOAL, cart: CART_GOAL },
      })
      seen = shop.seen
      erased = shop.erased
    }, 120_000)
    afterAll(() => store?.close())

    it('counts weekly cohorts as the oracle does, the DST week included', async () => {
      const answer = await get('from=2026-10-19&to=2026-11-23&by=week&periods=12')
      const expected = compare(answer, {
        from: '2026-10-19',
        to: '2026-11-23',
        end: STREAM_NOW,
        by: 'week',
        periods: 12,
      })
      // 25 October 2026 (Berlin's 25-hour Sunday) ends the first week; 23 November is today.
      expect(answer.cohorts.map((c) => c.cohort)).toEqual([
        '2026-10-19',
        '2026-10-26',
        '2026-11-02',
        '2026-11-09',
        '2026-11-16',
        '2026-11-23',
      ])
      expect(expected[0]!.people).toBeGreaterThan(2)
      expect(answer.cohorts[0]!.periods).toHaveLength(5) // weeks 0-4 are over, week 5 runs
      expect(answer.cohorts[5]!.periods).toEqual([]) // this week is not over
      expect(answer.curve[0]).toMatchObject({ rate: 1 }) // the first visit is a return of period 0
      expect(answer.curve[1]!.people).toBeGreaterThan(0)
      // Some came back on another device: one person, one cohort, counted as a return.
      expect(crossDeviceReturners(seen, erased, STREAM_ZONE)).toBeGreaterThan(0)
    })

    it('counts daily cohorts as the oracle does, the 25-hour day one cohort', async () => {
      const answer = await get('from=2026-10-24&to=2026-11-22&by=day&periods=14')
      compare(answer, {
        from: '2026-10-24',
        to: '2026-11-22',
        end: Date.parse('2026-11-22T23:00:00Z'),
        by: 'day',
        periods: 14,
      })
      expect(answer.cohorts).toHaveLength(30)
      expect(answer.cohorts[1]!.cohort).toBe('2026-10-25')
      expect(answer.cohorts[1]!.people).toBeGreaterThan(0)
      expect(answer.cohorts[29]!.periods).toHaveLength(1) // 22 November is over, the 23rd is not in the period
    })

    it('leaves out people who came before the period, however long before', async () => {
      const answer = await get('from=2026-11-09&to=2026-11-23&by=week&periods=4')
      compare(answer, { from: '2026-11-09', to: '2026-11-23', end: STREAM_NOW, by: 'week', periods: 4 })
      const all = await get('from=2026-10-19&to=2026-11-23&by=week&periods=4')
      expect(answer.cohorts[0]).toEqual(all.cohorts.find((c) => c.cohort === '2026-11-09'))
      // The case is real: some visiting in the period had come before it.
      const since = Date.parse('2026-11-08T23:00:00Z')
      const earlier = [...peopleOf(seen, erased).values()].filter(
        (visits) => visits[0]!.start < since && visits.some((v) => v.start >= since),
      )
      expect(earlier.length).toBeGreaterThan(0)
    })

    it('counts returns that reach a goal: an order event, a page', async () => {
      const orders = await get('from=2026-10-19&to=2026-11-23&by=week&periods=12&return=order')
      const week = { from: '2026-10-19', to: '2026-11-23', end: STREAM_NOW, by: 'week' as const, periods: 12 }
      compare(orders, { ...week, goal: { order: true } })
      expect(orders.curve[0]!.rate).toBeLessThan(1)
      expect(orders.curve[0]!.people).toBeGreaterThan(0)
      compare(await get('from=2026-10-19&to=2026-11-23&by=week&periods=12&return=cart'), {
        ...week,
        goal: { page: '/cart' },
      })
    })

    it('selects people by the channel of their first visit', async () => {
      const answer = await get(
        'from=2026-10-19&to=2026-11-23&by=day&periods=7&filter=channel:Organic%20Search',
      )
      compare(answer, {
        from: '2026-10-19',
        to: '2026-11-23',
        end: STREAM_NOW,
        by: 'day',
        periods: 7,
        channel: 'Organic Search',
      })
      expect(answer.people).toBeGreaterThan(0)
    })

    it('answers the triangle as CSV, one row per cohort and period', async () => {
      const path = 'from=2026-10-19&to=2026-11-23&by=week&periods=3'
      const answer = await get(path)
      const res = await request(`${path}&format=csv`)
      expect(res.headers.get('content-type')).toContain('text/csv')
      const lines = (await res.text()).trim().split('\r\n')
      expect(lines[0]).toBe('cohort,cohort_people,period,people,rate')
      const rows = answer.cohorts.flatMap((c) =>
        c.periods.map((p) => [c.cohort, c.people, p.period, p.people, p.rate ?? ''].join(',')),
      )
      expect(lines.slice(1)).toEqual(rows)
    })

    it('follows the default period: 12 weeks of cohorts up to today', async () => {
      const answer = await get('')
      expect(answer).toMatchObject({ by: 'week', from: '2026-08-24', to: '2026-11-23' })
      expect(answer.cohorts).toHaveLength(14)
      expect(answer.cohorts[0]!.periods).toHaveLength(13) // periods 0-12 of the oldest are over
    })
  })

describeRetention('retention against the oracle on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('retention against the oracle on PostgreSQL', () => {
  describeRetention('the same stream', () => openTestPostgresStore())
})
