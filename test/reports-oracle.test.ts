// The report oracle: a seeded stream of browser events sent through the real app (consent check,
// enrichment, identity resolution, report rows on each database), then every traffic figure
// compared with the same figure counted the plain way (support/report-oracle.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { CART_GOAL, ORDER_GOAL, type ReportApp, reportApp } from './support/report-app.ts'
import {
  inDates,
  oracleBreakdown,
  oracleFilter,
  oracleGoal,
  oracleSeries,
  oracleTotals,
  oracleVisits,
} from './support/report-oracle.ts'
import { STREAM_NOW, STREAM_ZONE } from './support/report-stream.ts'

const ADMIN = 'admin-token-for-reports'
const FROM = '2026-10-25'
const TO = '2026-11-23'

interface Answer {
  series: { bucket: string }[]
  previous: Record<string, unknown>
  rows: { value: string | null }[]
  total: number
  realtime: { visitors: number }
  [figure: string]: unknown
}

const describeOracle = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let shop: ReportApp
    let visits: ReturnType<typeof oracleVisits>
    const get = (path: string): Promise<Answer> => shop.get(path)

    beforeAll(async () => {
      store = await open()
      shop = await reportApp(store, {
        admin: ADMIN,
        goals: {
          order: ORDER_GOAL,
          'big-order': {
            event: 'Order Completed',
            where: { revenue: { $gt: 100 } },
            revenue: 'revenue',
          },
          cart: CART_GOAL,
        },
        // A report in between: rows derived now must not hide or double what arrives later.
        midway: `/admin/api/reports/overview?site=shop&from=${FROM}&to=${TO}`,
        resend: true, // the first batch sent again: stored once
      })
      visits = oracleVisits(shop.seen, shop.erased)
    }, 120_000)
    afterAll(() => store?.close())

    it('counts the overview of 30 days as the oracle does', async () => {
      const answer = await get(`/admin/api/reports/overview?site=shop&from=${FROM}&to=${TO}`)
      const expected = oracleTotals(inDates(visits, FROM, TO, STREAM_ZONE))
      expect(expected.visits).toBeGreaterThan(40)
      for (const key of ['visitors', 'devices', 'visits', 'pageviews'] as const)
        expect(answer[key], key).toBe(expected[key])
      for (const key of ['viewsPerVisit', 'bounceRate'] as const)
        expect(answer[key] as number, key).toBeCloseTo(expected[key]!, 3)
      for (const key of ['visitDuration', 'engagedTime', 'scrollDepth'] as const)
        expect(answer[key] as number, key).toBeCloseTo(expected[key]!, 0)
      expect(answer.visitors as number).toBeLessThan(answer.devices as number) // people on several devices count once
      expect(answer.timezone).toBe(STREAM_ZONE)
    })

    it('adds the overview up by the hour when asked to: sums exact, people and devices estimated closely', async () => {
      const path = `/admin/api/reports/overview?site=shop&from=${FROM}&to=${TO}&interval=day&compare=previous`
      const exact = await get(path)
      const added = await shop.getByHours(path)
      expect([exact.estimated, added.estimated, added.previous.estimated]).toEqual([false, true, true])
      // A few dozen people: the sketches still hold their hashes, so even the estimates are exact.
      const figures = ['visitors', 'devices', 'visits', 'pageviews', 'viewsPerVisit', 'bounceRate']
      for (const key of [...figures, 'visitDuration', 'engagedTime', 'scrollDepth'])
        expect(added[key], key).toBe(exact[key])
      for (const key of figures) expect(added.previous[key], key).toBe(exact.previous[key])
      expect(added.series).toEqual(exact.series)
    })

    it('draws the daily series the oracle draws, every day present', async () => {
      const answer = await get(`/admin/api/reports/overview?site=shop&from=${FROM}&to=${TO}&interval=day`)
      const expected = oracleSeries(inDates(visits, FROM, TO, STREAM_ZONE), STREAM_ZONE, 'day')
      expect(answer.series).toHaveLength(30)
      for (const point of answer.series)
        expect(point, point.bucket).toEqual({
          bucket: point.bucket,
          ...(expected.get(point.bucket) ?? { visitors: 0, visits: 0, pageviews: 0 }),
        })
    })

    it('counts the DST day by its local hours (25 of them, 24 labels)', async () => {
      const day = '2026-10-25'
      const answer = await get(`/admin/api/reports/overview?site=shop&from=${day}&to=${day}`)
      expect(answer.interval).toBe('hour')
      expect(answer.series).toHaveLength(24)
      const expected = oracleSeries(inDates(visits, day, day, STREAM_ZONE), STREAM_ZONE, 'hour')
      expect(answer.visits as number).toBeGreaterThan(1)
      for (const point of answer.series)
        expect(point, point.bucket).toEqual({
          bucket: point.bucket,
          ...(expected.get(point.bucket) ?? { visitors: 0, visits: 0, pageviews: 0 }),
        })
    })

    it.each([
      'channel',
      'page',
      'entry_page',
      'exit_page',
      'referrer',
      'utm_source',
      'utm_campaign',
      'utm_content',
      'browser',
      'os',
      'device',
    ])('breaks down by %s as the oracle does', async (dimension) => {
      const answer = await get(
        `/admin/api/reports/breakdown?site=shop&from=${FROM}&to=${TO}&dimension=${dimension}&limit=1000`,
      )
      const expected = oracleBreakdown(inDates(visits, FROM, TO, STREAM_ZONE), dimension)
      expect(answer.total).toBe(expected.size)
      for (const row of answer.rows) expect(row, String(row.value)).toMatchObject(expected.get(row.value)!)
    })

    it('filters by a channel and compares with the period before', async () => {
      const answer = await get(
        `/admin/api/reports/overview?site=shop&from=2026-11-09&to=${TO}&filter=channel:Organic%20Search&compare=previous`,
      )
      const now = oracleTotals(
        oracleFilter(inDates(visits, '2026-11-09', TO, STREAM_ZONE), 'channel', 'Organic Search'),
      )
      const before = oracleTotals(
        oracleFilter(inDates(visits, '2026-10-25', '2026-11-08', STREAM_ZONE), 'channel', 'Organic Search'),
      )
      expect(answer).toMatchObject({ visitors: now.visitors, visits: now.visits, pageviews: now.pageviews })
      expect(answer.previous).toMatchObject({
        from: '2026-10-25',
        to: '2026-11-08',
        visitors: before.visitors,
        visits: before.visits,
      })
    })

    it('counts each goal as the oracle does: conversions, people, rate, revenue, order value', async () => {
      const answer = await get(`/admin/api/reports/goals?site=shop&from=${FROM}&to=${TO}`)
      const shown = inDates(visits, FROM, TO, STREAM_ZONE)
      const expected = {
        order: oracleGoal(shown, { order: { min: Number.NEGATIVE_INFINITY } }),
        'big-order': oracleGoal(shown, { order: { min: 100 } }),
        cart: oracleGoal(shown, { page: '/cart' }),
      }
      const goals = answer.goals as { key: keyof typeof expected; [figure: string]: unknown }[]
      expect(goals.map((g) => g.key)).toEqual(['order', 'big-order', 'cart'])
      expect(expected.order.conversions).toBeGreaterThan(expected['big-order'].conversions)
      expect(expected['big-order'].conversions).toBeGreaterThan(0)
      for (const goal of goals) {
        const want = expected[goal.key]
        expect(goal.conversions, goal.key).toBe(want.conversions)
        expect(goal.visitors, goal.key).toBe(want.visitors)
        expect(goal.conversionRate as number, goal.key).toBeCloseTo(want.conversionRate!, 3)
        expect(goal.revenue as number, goal.key).toBeCloseTo(want.revenue, 2)
        if (want.averageOrderValue === null) expect(goal.averageOrderValue).toBeNull()
        else expect(goal.averageOrderValue as number, goal.key).toBeCloseTo(want.averageOrderValue, 2)
      }
      expect(answer.visitors).toBe(oracleTotals(shown).visitors)
    })

    it('breaks a goal down by channel: conversions and revenue per row add up', async () => {
      const answer = await get(
        `/admin/api/reports/breakdown?site=shop&from=${FROM}&to=${TO}&dimension=channel&goal=order&limit=1000`,
      )
      const shown = inDates(visits, FROM, TO, STREAM_ZONE)
      for (const row of answer.rows as unknown as { value: string; [figure: string]: unknown }[]) {
        const want = oracleGoal(oracleFilter(shown, 'channel', row.value), {
          order: { min: Number.NEGATIVE_INFINITY },
        })
        expect(row.conversions, row.value).toBe(want.conversions)
        expect(row.revenue as number, row.value).toBeCloseTo(want.revenue, 2)
        expect(row.conversionRate as number, row.value).toBeCloseTo(want.conversionRate!, 3)
      }
    })

    it('filters by a goal: only the visits that reached it', async () => {
      const answer = await get(
        `/admin/api/reports/overview?site=shop&from=${FROM}&to=${TO}&filter=goal:big-order`,
      )
      const expected = oracleTotals(
        inDates(visits, FROM, TO, STREAM_ZONE).filter((v) => v.orders.some((r) => r > 100)),
      )
      expect(expected.visits).toBeGreaterThan(0)
      expect(answer).toMatchObject({
        visitors: expected.visitors,
        visits: expected.visits,
        pageviews: expected.pageviews,
      })
      const res = await shop.request(`/admin/api/reports/overview?site=shop&filter=goal:no-such-goal`)
      expect(res.status).toBe(404)
      expect((await res.json()).error.code).toBe('goal_not_found')
    })

    it('counts visitors of the last 30 minutes', async () => {
      const answer = await get(`/admin/api/reports/overview?site=shop`)
      const recent = visits.filter((v) => v.end >= STREAM_NOW - 30 * 60_000)
      expect(recent.length).toBeGreaterThan(0)
      expect(answer.realtime.visitors).toBe(new Set(recent.map((v) => v.person)).size)
    })
  })

describeOracle('reports against the oracle on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('reports against the oracle on PostgreSQL', () => {
  describeOracle('the same stream', () => openTestPostgresStore())
})
