// Reports filtered by segment membership, on SQLite and PostgreSQL: `filter=segment:<key>` keeps
// the visits of the people in that segment now, evaluated on the collector as segment sizes are
// (every device of a person, only events that allow personalization), in every report that filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/app.ts'
import { parseConfig } from '../collector/config/site-config.ts'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store, StoredEvent } from '../collector/store/types.ts'
import { TEST_LEDGER_KEYRING } from './support/ledger-keys.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { DAY, HOUR, identify, MINUTE, pageView, SITE, T, track } from './support/report-events.ts'

const ADMIN = 'admin-token-for-segment-filters'
const NOW = T + 2 * DAY
const DATE = '2026-11-20'

/** The event with a consent stamp that refuses personalization (analytics granted). */
const refusing = (e: StoredEvent): StoredEvent => {
  const payload = JSON.parse(e.payload)
  payload.context.consent = {
    categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
  }
  return { ...e, payload: JSON.stringify(payload) }
}
const order = (device: string, at: number, session: string) => ({
  ...track(device, at, 'Order Completed', { session }),
  payload: JSON.stringify({
    properties: { revenue: 40 },
    context: { session: { id: session }, page: { path: '/checkout', url: 'https://shop.example/checkout' } },
  }),
})

// Ann: a laptop and a phone (joined by signing in), an order on the phone: a buyer, two devices.
// Four more buyers of one visit each. Bob: visits, never orders. Cat: orders, but her newest
// choice refuses personalization.
const BUYERS = ['b2', 'b3', 'b4', 'b5']
const EVENTS: StoredEvent[] = [
  ...BUYERS.flatMap((b, i) => [
    pageView(b, T + 4 * HOUR + i * MINUTE, { session: `${b}-s`, path: '/' }),
    order(b, T + 4 * HOUR + i * MINUTE + 1000, `${b}-s`),
  ]),
  pageView('ann-laptop', T, { session: 'a1', path: '/' }),
  pageView('ann-laptop', T + MINUTE, { session: 'a1', path: '/cart' }),
  identify('ann-laptop', 'u-ann', T + 2 * MINUTE),
  pageView('ann-phone', T + HOUR, { session: 'a2', path: '/cart' }),
  order('ann-phone', T + HOUR + MINUTE, 'a2'),
  identify('ann-phone', 'u-ann', T + HOUR + 2 * MINUTE),
  pageView('bob', T + 2 * HOUR, { session: 'b1', path: '/' }),
  pageView('bob', T + 2 * HOUR + MINUTE, { session: 'b1', path: '/cart' }),
  refusing(pageView('cat', T + 3 * HOUR, { session: 'c1', path: '/' })),
  refusing(order('cat', T + 3 * HOUR + MINUTE, 'c1')),
]

const describeSegmentFilter = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let app: ReturnType<typeof createApp>
    const request = (path: string, body?: unknown) =>
      app.request(`/admin/api/${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
    const get = async (path: string, body?: unknown) => {
      const res = await request(path, body)
      expect(res.status, await res.clone().text()).toBe(200)
      return res.json()
    }
    const period = `site=${SITE}&from=${DATE}&to=${DATE}`

    beforeAll(async () => {
      store = await open()
      app = createApp({
        store,
        clock: { now: () => NOW },
        log: () => {},
        config: {
          ledgerKeys: TEST_LEDGER_KEYRING,
          adminToken: ADMIN,
          sites: parseConfig({
            sites: [
              {
                id: SITE,
                writeKey: 'segment-filter-key',
                goals: { order: { event: 'Order Completed', revenue: 'revenue' } },
                personalization: {
                  segments: {
                    buyers: { rule: { count: { event: 'Order Completed' }, $gte: 1 } },
                    browsers: { rule: { count: { event: 'page' }, $gte: 1 } },
                    // Ann and Bob only: too few to filter by.
                    few: { rule: { count: { event: 'page' }, $gte: 2 } },
                  },
                },
              },
            ],
          }),
        },
      })
      await store.insertEvents(EVENTS)
    }, 60_000)
    afterAll(() => store?.close())

    it('keeps the visits of the people in the segment now, every device of theirs', async () => {
      const all = await get(`reports/overview?${period}`)
      expect(all).toMatchObject({ visitors: 7, devices: 8, visits: 8 })
      const buyers = await get(`reports/overview?${period}&filter=segment:buyers`)
      expect(buyers).toMatchObject({ visitors: 5, devices: 6, visits: 6, pageviews: 7 })
      expect(buyers.filter).toEqual(['segment:buyers'])
      // Cat refused personalization: in no segment, whatever she did.
      const browsers = await get(`reports/overview?${period}&filter=segment:browsers`)
      expect(browsers).toMatchObject({ visitors: 6, devices: 7, visits: 7 })
      const both = await get(`reports/overview?${period}&filter=segment:browsers&filter=goal:order`)
      expect(both).toMatchObject({ visitors: 5, visits: 5 })
    })

    it('filters breakdowns, goals, funnels, retention, attribution and KPIs alike', async () => {
      const pages = await get(`reports/breakdown?${period}&dimension=page&filter=segment:buyers`)
      expect(pages.rows.map((r: { value: string; visitors: number }) => [r.value, r.visitors])).toEqual([
        ['/', 5],
        ['/cart', 1],
      ])
      const goals = await get(`reports/goals?${period}&filter=segment:buyers`)
      expect(goals.goals[0]).toMatchObject({ key: 'order', conversions: 5, visitors: 5, conversionRate: 1 })
      const funnel = await get(`reports/funnel?site=${SITE}`, {
        from: DATE,
        to: DATE,
        steps: [{ page: '/' }, { page: '/cart' }],
        filter: ['segment:browsers'],
      })
      expect(funnel.steps.map((s: { people: number }) => s.people)).toEqual([6, 2])
      const retention = await get(`reports/retention?${period}&by=day&periods=1&filter=segment:buyers`)
      expect(retention.people).toBe(5)
      const attribution = await get(`reports/attribution?${period}&goal=order&filter=segment:browsers`)
      expect(attribution.conversions).toBe(5)
      const kpis = await get(`reports/kpis?${period}&filter=segment:buyers`)
      expect(kpis.totals).toMatchObject({ visitors: 5, conversions: 5 })
      expect(kpis.spendIgnoresFilters).toEqual(['segment'])
    })

    it('refuses a segment of fewer than 5 people: no report shows one person', async () => {
      const res = await request(`reports/overview?${period}&filter=segment:few`)
      expect(res.status).toBe(409)
      expect((await res.json()).error).toMatchObject({ code: 'segment_too_small', path: 'filter' })
    })

    it('refuses a segment the site does not have', async () => {
      for (const res of [
        await request(`reports/overview?${period}&filter=segment:nope`),
        await request(`reports/funnel?site=${SITE}`, { steps: [{ page: '/' }], filter: ['segment:nope'] }),
      ]) {
        expect(res.status).toBe(404)
        expect((await res.json()).error).toMatchObject({ code: 'segment_not_found', path: 'filter' })
      }
    })
  })

describeSegmentFilter('segment filters on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('segment filters on PostgreSQL', () => {
  describeSegmentFilter('the same people', () => openTestPostgresStore())
})
