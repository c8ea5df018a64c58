// The customers report through the real app on SQLite and PostgreSQL: the seeded report stream
// (people on several devices, orders, an erased person, bots) counted per RFM segment, cluster and
// cohort the plain way; and a simulated shop of repeat buyers, enough for the CLV models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customersReport } from '../collector/reports/customers/customers-report.ts'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { beta, exponential, gamma } from './support/customers-simulation.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { prng } from './support/prng.ts'
import { type ReportApp, reportApp } from './support/report-app.ts'
import { STREAM_NOW, STREAM_ZONE } from './support/report-stream.ts'

const ADMIN = 'admin-token-for-customers'
const DAY = 86_400_000
const TO = '2026-11-23'
/** The end of the report date in Berlin: the instant recency is measured to. */
const END = Date.parse('2026-11-23T23:00:00Z')
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const CLUB_ORIGIN = 'https://club.example'

// The usual RFM map, restated: rows R 1–5, columns FM = ⌊(F + M)/2⌋ 1–5.
const MAP = [
  ['lost', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them'],
  ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them'],
  ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal-customers', 'loyal-customers'],
  ['promising', 'potential-loyalists', 'potential-loyalists', 'loyal-customers', 'loyal-customers'],
  ['new-customers', 'potential-loyalists', 'potential-loyalists', 'champions', 'champions'],
]

interface NaiveCustomer {
  orders: { at: number; revenue: number }[]
}

/** Segments counted the plain way: scores by counting who is strictly worse, then the map. */
const naiveSegments = (customers: NaiveCustomer[]) => {
  const facts = customers.map((c) => ({
    recency: Math.floor((END - Math.max(...c.orders.map((o) => o.at))) / DAY),
    frequency: c.orders.length,
    monetary: c.orders.reduce((s, o) => s + o.revenue, 0),
  }))
  const n = facts.length
  const score = (worse: (other: (typeof facts)[number]) => boolean) =>
    1 + Math.floor((5 * facts.filter(worse).length) / n)
  const counts = new Map<string, number>()
  for (const f of facts) {
    const r = score((o) => o.recency > f.recency)
    const fs = score((o) => o.frequency < f.frequency)
    const m = score((o) => o.monetary < f.monetary)
    const segment = MAP[r - 1]![Math.floor((fs + m) / 2) - 1]!
    counts.set(segment, (counts.get(segment) ?? 0) + 1)
  }
  return counts
}

const localMonth = (at: number) =>
  new Date(at).toLocaleDateString('sv-SE', { timeZone: STREAM_ZONE }).slice(0, 7)

/** The club: repeat buyers drawn from BG/NBD's story with Gamma spend, one device each. */
const club = (seed: number, n: number) => {
  const random = prng(seed)
  const customers: NaiveCustomer[] = []
  const batches: Record<string, unknown>[][] = []
  for (let i = 0; i < n; i++) {
    const device = `club-device-${i}`
    let t = END - Math.floor(30 + random() * 300) * DAY + Math.floor(random() * 8) * 3_600_000
    const lambda = gamma(random, 0.8, 12)
    const p = beta(random, 1, 4)
    const nu = gamma(random, 4, 50)
    const orders: NaiveCustomer['orders'] = []
    for (;;) {
      const revenue = Math.round(gamma(random, 5, nu) * 100) / 100 + 5
      orders.push({ at: t, revenue })
      const consent = {
        categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
      }
      const base = {
        anonymousId: device,
        context: {
          userAgent: CHROME,
          session: { id: `club-${i}-${orders.length}` },
          consent,
          page: { path: '/', url: `${CLUB_ORIGIN}/` },
        },
      }
      batches.push([
        {
          ...base,
          type: 'page',
          messageId: `club-${i}-${orders.length}-p`,
          timestamp: new Date(t).toISOString(),
          name: '/',
          properties: { path: '/', url: `${CLUB_ORIGIN}/` },
        },
        {
          ...base,
          type: 'track',
          messageId: `club-${i}-${orders.length}-o`,
          timestamp: new Date(t + 60_000).toISOString(),
          event: 'Purchase',
          properties: { value: revenue },
        },
      ])
      orders[orders.length - 1]!.at = t + 60_000
      if (orders.length > 1 && random() < p) break
      t += Math.round(Math.max(DAY, exponential(random, lambda) * DAY)) // whole ms, as stored
      if (t + 60_000 >= STREAM_NOW) break
    }
    customers.push({ orders })
  }
  return { customers, batches }
}

const describeCustomers = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let app: ReportApp
    let shop: NaiveCustomer[]
    let simulated: ReturnType<typeof club>
    const call = (path: string) => app.request(path)
    const get = (path: string) => app.get(path)

    beforeAll(async () => {
      store = await open()
      app = await reportApp(store, {
        admin: ADMIN,
        writeKey: 'shop-key',
        goals: {
          order: { event: 'Order Completed', revenue: 'revenue' },
          'no-value': { event: 'Order Completed' },
          cart: { page: '/cart' },
        },
        sites: [
          {
            id: 'club',
            writeKey: 'club-key',
            allowedOrigins: [CLUB_ORIGIN],
            timezone: STREAM_ZONE,
            goals: { purchase: { event: 'Purchase', revenue: 'value' } },
          },
        ],
      })
      const people = new Map<string, NaiveCustomer>()
      for (const s of app.seen) {
        if (s.kind !== 'event' || !s.counts || s.person === app.erased) continue
        const c = people.get(s.person) ?? { orders: [] }
        c.orders.push({ at: s.at, revenue: s.revenue! })
        people.set(s.person, c)
      }
      shop = [...people.values()]
      simulated = club(42, 150)
      for (const batch of simulated.batches) {
        const sent = await app.post(batch, 'club-key', CLUB_ORIGIN)
        expect(sent.status, await sent.clone().text()).toBe(200)
      }
    }, 180_000)
    afterAll(() => store?.close())

    it('counts customers, orders, revenue and each RFM segment as the plain count does', async () => {
      const answer = await get(`/admin/api/reports/customers?site=shop&goal=order&to=${TO}`)
      expect(shop.length).toBeGreaterThan(10)
      expect(answer).toMatchObject({
        site: 'shop',
        goal: 'order',
        from: '2024-11-23',
        to: TO,
        customers: shop.length,
      })
      expect(answer.orders).toBe(shop.reduce((s, c) => s + c.orders.length, 0))
      expect(answer.revenue).toBeCloseTo(
        shop.reduce((s, c) => s + c.orders.reduce((t, o) => t + o.revenue, 0), 0),
        2,
      )
      const expected = naiveSegments(shop)
      for (const s of answer.segments) expect(s.customers, s.segment).toBe(expected.get(s.segment) ?? 0)
      expect(answer.grid.flat().reduce((s: number, n: number) => s + n, 0)).toBe(shop.length)
      expect(
        answer.clusters.clusters.reduce((s: number, k: { customers: number }) => s + k.customers, 0),
      ).toBe(shop.length)
    })

    it('gives each group and cohort a segment rule only where segments can read the same orders', async () => {
      // Two years read, but segments see 90 days: a refusal naming the first date that fits.
      const long = await get(`/admin/api/reports/customers?site=shop&goal=order&to=${TO}`)
      const refusal: string = long.segments[0].ruleRefusal
      for (const s of [...long.segments, ...long.cohorts, ...long.clusters.clusters])
        expect(s).toMatchObject({ rule: null, ruleRefusal: refusal })
      const from = /Choose (\d{4}-\d{2}-\d{2}) or later/.exec(refusal)?.[1]
      // In Berlin the 90 days up to the 23rd of November hold the 25-hour day of the clock change.
      expect(from).toBe('2026-08-27')
      const fits = await get(`/admin/api/reports/customers?site=shop&goal=order&from=${from}&to=${TO}`)
      expect(fits.customers).toBeGreaterThan(0)
      for (const s of fits.segments.filter((g: { customers: number }) => g.customers > 0))
        expect(s.rule, s.segment).not.toBeNull()
      for (const c of fits.clusters.clusters)
        expect(c.rule.$and[1].nearest.centroids).toHaveLength(fits.clusters.k)
      expect(JSON.stringify(fits.segments)).toContain(`"within":"${89 * 24 + 1}h"`)
      // A cohort is the local month of the first order within the history read: October in
      // Berlin starts in summer time and ends in winter time.
      expect(fits.cohorts[0]).toMatchObject({
        cohort: '2026-10',
        rule: {
          first: { event: 'Order Completed', within: `${89 * 24 + 1}h` },
          $gte: '2026-09-30T22:00:00.000Z',
          $lt: '2026-10-31T23:00:00.000Z',
        },
        ruleRefusal: null,
      })
      // The club values purchases by "value"; segment revenue terms sum "revenue", but a cohort
      // only finds orders.
      const club = await get(`/admin/api/reports/customers?site=club&goal=purchase&from=${from}&to=${TO}`)
      expect(club.segments[0].ruleRefusal).toMatch(/"value".*"revenue"/)
      expect(club.cohorts.length).toBeGreaterThan(0)
      for (const c of club.cohorts) expect(c.rule, c.cohort).not.toBeNull()
    })

    it('gives historical CLV by the month of the first order, and no prediction from few repeat buyers', async () => {
      const answer = await get(`/admin/api/reports/customers?site=shop&goal=order&to=${TO}`)
      const cohorts = new Map<string, { customers: number; revenue: number }>()
      for (const c of shop) {
        const month = localMonth(Math.min(...c.orders.map((o) => o.at)))
        const k = cohorts.get(month) ?? { customers: 0, revenue: 0 }
        k.customers += 1
        k.revenue += c.orders.reduce((s, o) => s + o.revenue, 0)
        cohorts.set(month, k)
      }
      expect(answer.cohorts).toEqual(
        [...cohorts]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([cohort, k]) => ({
            cohort,
            customers: k.customers,
            revenue: k.revenue,
            meanRevenue: Math.round((k.revenue / k.customers) * 100) / 100,
            rule: null,
            ruleRefusal: expect.stringContaining('Segments see the last 90 days'),
          })),
      )
      expect(answer.predicted).toBeNull()
      expect(answer.predictedReason).toMatch(/customers ordered on more than one day/)
    })

    it('names no person, device or user in any answer', async () => {
      const text = JSON.stringify(await get(`/admin/api/reports/customers?site=shop&goal=order&to=${TO}`))
      expect(text).not.toMatch(/user-|device-|session-|id-\d/)
      const csv = await (
        await call(`/admin/api/reports/customers?site=club&goal=purchase&to=${TO}&format=csv&table=clusters`)
      ).text()
      expect(csv).not.toMatch(/club-device/)
    })

    it('predicts CLV for the club of repeat buyers, as the models do on the plain histories', async () => {
      const answer = await get(
        `/admin/api/reports/customers?site=club&goal=purchase&to=${TO}&horizon=6&discount=0.02`,
      )
      expect(answer.customers).toBe(150)
      const expected = naiveSegments(simulated.customers)
      for (const s of answer.segments) expect(s.customers, s.segment).toBe(expected.get(s.segment) ?? 0)
      expect(answer.predictedReason).toBeNull()
      const plain = customersReport(
        simulated.customers.map((c) => ({
          orders: c.orders,
          pageviews: c.orders.length,
        })),
        {
          at: END,
          zone: STREAM_ZONE,
          horizonMonths: 6,
          discountRate: 0.02,
          rules: { refusal: 'none' },
          cohortRules: { refusal: 'none' },
        },
      )
      expect(answer.predicted).toEqual(plain.predicted)
      // The same clusters; their rules refused here for the club's own reason.
      const withoutRules = ({ clusters, ...rest }: typeof plain.clusters) => ({
        ...rest,
        clusters: clusters.map(({ rule: _r, ruleRefusal: _w, ...c }) => c),
      })
      expect(withoutRules(answer.clusters)).toEqual(withoutRules(plain.clusters))
      expect(answer.clusters.clusters[0].ruleRefusal).toMatch(/"value".*"revenue"/)
      expect(answer.predicted.total.meanClv).toBeGreaterThan(0)
      expect(answer.predicted.horizonMonths).toBe(6)
    })

    it('answers each table as CSV', async () => {
      const res = await call(`/admin/api/reports/customers?site=club&goal=purchase&to=${TO}&format=csv`)
      expect(res.headers.get('content-type')).toMatch(/text\/csv/)
      const lines = (await res.text()).trim().split(/\r?\n/)
      expect(lines[0]).toBe(
        'segment,name,customers,share,revenue,mean_recency_days,mean_orders,mean_revenue,predicted_clv',
      )
      expect(lines).toHaveLength(12)
      const cohorts = await (
        await call(`/admin/api/reports/customers?site=club&goal=purchase&to=${TO}&format=csv&table=cohorts`)
      ).text()
      expect(cohorts.split(/\r?\n/)[0]).toBe('cohort,customers,revenue,mean_revenue')
    })

    it.each([
      ['goal=cart', 400, 'invalid_query'],
      ['goal=no-value', 400, 'invalid_query'],
      ['goal=missing', 404, 'goal_not_found'],
      ['', 400, 'invalid_query'],
      [`goal=order&from=2026-11-24&to=${TO}`, 400, 'invalid_query'],
      [`goal=order&from=2020-01-01&to=${TO}`, 400, 'invalid_query'],
      ['goal=order&horizon=99', 400, 'invalid_query'],
    ])('refuses %s', async (query, status, code) => {
      const res = await call(`/admin/api/reports/customers?site=shop&${query}`)
      expect(res.status).toBe(status)
      expect((await res.json()).error.code).toBe(code)
    })
  })

describeCustomers('customers report on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('customers report on PostgreSQL', () => {
  describeCustomers('the same customers', () => openTestPostgresStore())
})
