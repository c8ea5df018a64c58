// The KPI report through the real app on SQLite and PostgreSQL: the seeded stream
// (support/report-stream.ts) plus a visit with slot events, spend imported as CSV and JSON, and
// every figure compared with the oracle's plain counts joined with the spend by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { CART_GOAL, ORDER_GOAL, type ReportApp, reportApp } from './support/report-app.ts'
import { inDates, oracleFilter, oracleGoal, oracleVisits } from './support/report-oracle.ts'
import { type Seen, STREAM_ORIGIN, STREAM_ZONE } from './support/report-stream.ts'

const ADMIN = 'admin-token-for-kpis'
const FROM = '2026-10-25'
const TO = '2026-11-23'
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** Spend: winter bought on Google (cpc) and by newsletter, brand on display, a campaign without visits, a day outside. */
const SPEND_CSV = [
  'date,campaign,source,medium,cost,currency',
  '2026-10-25,winter,google,cpc,100.10,EUR',
  '2026-11-01,winter,google,cpc,50.05,EUR',
  '2026-11-01,winter,newsletter,email,9.99,EUR',
  '2026-11-10,brand,dv360,display,200,EUR',
  '2026-11-11,ghost,google,cpc,7.5,EUR',
  '2026-10-01,winter,google,cpc,999,EUR',
].join('\n')

interface Row {
  value: string | null
  [figure: string]: unknown
}
interface Answer {
  rows: Row[]
  totals: Record<string, unknown>
  [key: string]: unknown
}

const r2 = (n: number) => Math.round(n * 100) / 100
const r4 = (n: number) => Math.round(n * 10_000) / 10_000

const localDate = (at: number) => new Date(at).toLocaleDateString('sv-SE', { timeZone: STREAM_ZONE })

/**
 * CLV by hand from what the stream meant: each person's orders in sessions with a page view that
 * start by TO, the first of them by time, and the landing page of its session. Per value of `by`
 * (the landing's campaign or channel): the people whose first order's session started in
 * [FROM, TO], and all their orders' revenue. Also how many people it leaves out because their
 * first order came before FROM although they ordered within the period again, and how many
 * ordered on more than one device: the cases the figures are about.
 */
const oracleClv = (seen: readonly Seen[], by: (landing: Seen) => string | null) => {
  const sessions = new Map<string, Seen[]>()
  for (const s of seen) {
    if (!s.counts || s.kind === 'other') continue
    const key = `${s.device}/${s.session}`
    sessions.set(key, [...(sessions.get(key) ?? []), s])
  }
  const orders = new Map<string, { at: number; revenue: number; start: number; landing: Seen }[]>()
  for (const list of sessions.values()) {
    const landing = list.filter((r) => r.kind === 'page').sort((a, b) => a.at - b.at)[0]
    const start = Math.min(...list.map((r) => r.at))
    if (!landing || localDate(start) > TO) continue
    for (const r of list)
      if (r.kind === 'event')
        orders.set(landing.person, [
          ...(orders.get(landing.person) ?? []),
          { at: r.at, revenue: r.revenue!, start, landing },
        ])
  }
  const rows = new Map<string | null, { acquired: number; revenue: number }>()
  let before = 0
  let devices = 0
  for (const list of orders.values()) {
    const first = list.reduce((a, b) => (b.at < a.at ? b : a))
    if (new Set(list.map((o) => o.landing.device)).size > 1) devices++
    if (localDate(first.start) < FROM) {
      if (list.some((o) => localDate(o.start) >= FROM)) before++
      continue
    }
    const row = rows.get(by(first.landing)) ?? { acquired: 0, revenue: 0 }
    row.acquired++
    row.revenue += list.reduce((sum, o) => sum + o.revenue, 0)
    rows.set(by(first.landing), row)
  }
  return { rows, before, devices }
}

const describeKpis = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let shop: ReportApp
    let visits: ReturnType<typeof oracleVisits>
    const call = (path: string, init: RequestInit = {}) => shop.request(path, init)
    const get = (path: string): Promise<Answer> => shop.get(path)
    const importCsv = async (csv: string) =>
      call('/admin/api/spend?site=shop', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      })

    beforeAll(async () => {
      store = await open()
      shop = await reportApp(store, {
        admin: ADMIN,
        goals: { cart: CART_GOAL, order: ORDER_GOAL },
        erase: false,
      })
      // One visit with a slot shown twice and clicked once.
      const context = {
        userAgent: CHROME,
        page: { path: '/', url: `${STREAM_ORIGIN}/`, referrer: '', title: '/' },
        session: { id: 'slot-session' },
        consent: {
          categoryPreferences: { necessary: true, analytics: true, personalization: true, marketing: false },
        },
      }
      const at = (m: number) => new Date(Date.parse('2026-11-10T10:00:00Z') + m * 60_000).toISOString()
      const base = { anonymousId: 'slot-device', context }
      const slot = { slot: 'hero', variant: 'a' }
      const res = await shop.post([
        { ...base, type: 'page', messageId: 'slot-1', timestamp: at(0), properties: { path: '/' } },
        {
          ...base,
          type: 'track',
          messageId: 'slot-2',
          timestamp: at(1),
          event: 'Slot Viewed',
          properties: slot,
        },
        {
          ...base,
          type: 'track',
          messageId: 'slot-3',
          timestamp: at(2),
          event: 'Slot Viewed',
          properties: slot,
        },
        {
          ...base,
          type: 'track',
          messageId: 'slot-4',
          timestamp: at(3),
          event: 'Slot Clicked',
          properties: slot,
        },
      ])
      expect(res.status, await res.clone().text()).toBe(200)
      visits = inDates(oracleVisits(shop.seen, 'nobody'), FROM, TO, STREAM_ZONE)
    }, 120_000)
    afterAll(() => store?.close())

    it('imports spend from CSV and answers how many rows and days it replaced', async () => {
      const res = await importCsv(SPEND_CSV)
      expect(res.status, await res.clone().text()).toBe(200)
      expect(await res.json()).toEqual({
        site: 'shop',
        rows: 6,
        days: 5,
        replaced: 0,
        from: '2026-10-01',
        to: '2026-11-11',
      })
      const stored = await get(`/admin/api/spend?site=shop&from=${FROM}&to=${TO}`)
      expect(stored.rows).toHaveLength(5)
      expect(stored).toMatchObject({ currency: 'EUR', total: 367.64, from: FROM, to: TO })
    })

    it('joins spend with the visits and orders of each campaign, as counted by hand', async () => {
      const answer = await get(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&goal=order`)
      expect(answer).toMatchObject({
        by: 'campaign',
        goal: 'order',
        currency: 'EUR',
        spendIgnoresFilters: [],
      })
      const spend: Record<string, number> = { winter: 160.14, brand: 200, ghost: 7.5 }
      for (const campaign of ['winter', 'brand']) {
        const mine = oracleFilter(visits, 'utm_campaign', campaign)
        const goal = oracleGoal(mine, { order: { min: Number.NEGATIVE_INFINITY } })
        const row = answer.rows.find((r) => r.value === campaign)!
        const cost = spend[campaign]!
        expect(goal.visitors, campaign).toBeGreaterThan(0)
        expect(row, campaign).toEqual({
          value: campaign,
          visitors: new Set(mine.map((v) => v.person)).size,
          visits: mine.length,
          conversions: goal.conversions,
          customers: goal.visitors,
          conversionRate: r4(goal.conversionRate!),
          revenue: r2(goal.revenue),
          aov: r2(goal.revenue / goal.conversions),
          revenuePerCustomer: r2(goal.revenue / goal.visitors),
          spend: cost,
          cpc: r2(cost / mine.length),
          cac: r2(cost / goal.visitors),
          roas: r4(goal.revenue / cost),
          roi: r4((goal.revenue - cost) / cost),
          acquired: expect.any(Number),
          clv: expect.anything(),
          clvToCac: expect.anything(),
        })
      }
      expect(answer.rows.find((r) => r.value === 'ghost')).toMatchObject({
        visits: 0,
        spend: 7.5,
        roas: 0,
        roi: -1,
        cac: null,
      })
      expect(answer.rows.map((r) => r.spend)).toEqual(
        [...answer.rows.map((r) => r.spend as number)].sort((a, b) => b - a),
      )
      const all = oracleGoal(visits, { order: { min: Number.NEGATIVE_INFINITY } })
      expect(answer.totals).toMatchObject({
        visits: visits.length + 1,
        spend: 367.64,
        revenue: r2(all.revenue),
        roas: r4(all.revenue / 367.64),
      })
      expect(answer.slots).toEqual({ impressions: 2, clicks: 1, ctr: 0.5 })
      const fromCampaign = visits.filter((v) => v.landing.campaign !== null).length
      expect(answer.campaigns).toEqual({
        visits: fromCampaign,
        share: r4(fromCampaign / (visits.length + 1)),
      })
    })

    it('CLV per campaign and channel: the people each acquired and their revenue to date, by hand', async () => {
      for (const by of ['campaign', 'channel'] as const) {
        const answer = await get(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&by=${by}`)
        const oracle = oracleClv(shop.seen, (l) => (by === 'campaign' ? l.campaign : l.channel))
        // The stream holds both cases the definition is about.
        expect(oracle.before, 'people who ordered before the period and again in it').toBeGreaterThan(0)
        expect(oracle.devices, 'people who ordered on two devices').toBeGreaterThan(0)
        let acquired = 0
        let revenue = 0
        for (const row of answer.rows) {
          const mine = oracle.rows.get(row.value) ?? { acquired: 0, revenue: 0 }
          const clv = mine.acquired === 0 ? null : r2(mine.revenue / mine.acquired)
          const cac = row.cac as number | null
          expect(row, `${by} ${row.value}`).toMatchObject({
            acquired: mine.acquired,
            clv,
            clvToCac: clv === null || !cac ? null : r4(clv / cac),
          })
          acquired += mine.acquired
          revenue += mine.revenue
        }
        // Every acquisition has its row (none cut by `limit`); the totals are over all of them.
        expect(acquired).toBe([...oracle.rows.values()].reduce((n, r) => n + r.acquired, 0))
        expect(acquired).toBeGreaterThan(0)
        expect(answer.totals).toMatchObject({
          acquired,
          clv: r2(revenue / acquired),
          clvToCac: r4(r2(revenue / acquired) / (answer.totals.cac as number)),
        })
      }
      const winter = await get(
        `/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&filter=utm_campaign:winter`,
      )
      const mine = oracleClv(shop.seen, (l) => l.campaign).rows.get('winter')!
      expect(winter.totals).toMatchObject({ acquired: mine.acquired, clv: r2(mine.revenue / mine.acquired) })
      const cart = await get(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&goal=cart`)
      expect(cart.totals).toMatchObject({ acquired: null, clv: null, clvToCac: null })
    })

    it('by channel: spend goes to the channel its source and medium give', async () => {
      const answer = await get(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&by=channel`)
      const spendOf = (channel: string) => answer.rows.find((r) => r.value === channel)?.spend
      expect(answer.goal).toBe('order') // the site's first goal with revenue
      expect(spendOf('Paid Search')).toBe(157.65)
      expect(spendOf('Email')).toBe(9.99)
      expect(spendOf('Display')).toBe(200)
      expect(spendOf('Direct')).toBe(0)
      const paid = oracleFilter(visits, 'channel', 'Paid Search')
      expect(answer.rows.find((r) => r.value === 'Paid Search')?.visits).toBe(paid.length)
    })

    it('filters: campaign filters narrow spend too, others are named as not followed', async () => {
      const only = await get(
        `/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&filter=utm_campaign:winter`,
      )
      expect(only.rows.map((r) => r.value)).toEqual(['winter'])
      expect(only.totals).toMatchObject({ spend: 160.14 })
      const browser = await get(
        `/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&filter=browser:Firefox`,
      )
      expect(browser.spendIgnoresFilters).toEqual(['browser'])
      expect(browser.totals).toMatchObject({ spend: 367.64 })
    })

    it('re-importing a day replaces it: nothing counted twice', async () => {
      const body = {
        rows: [
          {
            date: '2026-11-01',
            campaign: 'winter',
            source: 'google',
            medium: 'cpc',
            cost: 40,
            currency: 'EUR',
          },
        ],
      }
      for (let i = 0; i < 2; i++) {
        const res = await call('/admin/api/spend?site=shop', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        expect(res.status, await res.clone().text()).toBe(200)
        expect(await res.json()).toMatchObject({ rows: 1, days: 1, replaced: i === 0 ? 2 : 1 })
      }
      const answer = await get(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}`)
      // 100.10 on Oct 25, and Nov 1 is now 40 alone (the newsletter row of that day went with it).
      expect(answer.rows.find((r) => r.value === 'winter')?.spend).toBe(140.1)
      expect(answer.totals).toMatchObject({ spend: 347.6 })
      // Put back for the tests after.
      expect((await importCsv(SPEND_CSV)).status).toBe(200)
    })

    it('refuses a bad CSV naming the row and column, storing nothing of it', async () => {
      const before = await get(`/admin/api/spend?site=shop&from=2026-01-01&to=${TO}`)
      const res = await importCsv(
        'date,campaign,source,medium,cost,currency\n2026-11-12,a,,,1,EUR\n2026-11-13,b,,,-3,EUR',
      )
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({
        error: {
          code: 'invalid_body',
          message: expect.stringMatching(/^row 2, column cost: /),
          path: 'rows.1.cost',
        },
      })
      const usd = await importCsv('date,campaign,cost,currency\n2026-11-12,a,1,USD')
      expect(usd.status).toBe(400)
      expect((await usd.json()).error.message).toMatch(/spend is in EUR/)
      expect(await get(`/admin/api/spend?site=shop&from=2026-01-01&to=${TO}`)).toEqual(before)
    })

    it('answers CSV downloads of the report and of the spend', async () => {
      const res = await call(`/admin/api/reports/kpis?site=shop&from=${FROM}&to=${TO}&format=csv`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toContain('shop-kpis-campaign-2026-10-25-2026-11-23.csv')
      const lines = (await res.text()).trim().split('\r\n')
      expect(lines[0]).toBe(
        'campaign,visitors,visits,conversions,customers,conversion_rate,revenue,aov,revenue_per_customer,spend,cpc,cac,roas,roi,acquired,clv,clv_to_cac',
      )
      expect(lines[1]).toMatch(/^brand,/)
      const spend = await call(`/admin/api/spend?site=shop&from=${FROM}&to=${TO}&format=csv`)
      const text = await spend.text()
      expect(text.split('\r\n')[0]).toBe('date,campaign,source,medium,channel,cost,currency')
      expect(text).toContain('2026-10-25,winter,google,cpc,,100.10,EUR')
    })

    it('refuses an unknown site, goal or grouping', async () => {
      expect((await call('/admin/api/reports/kpis?site=nope')).status).toBe(404)
      const goal = await call('/admin/api/reports/kpis?site=shop&goal=nope')
      expect((await goal.json()).error.code).toBe('goal_not_found')
      const by = await call('/admin/api/reports/kpis?site=shop&by=country')
      expect((await by.json()).error).toMatchObject({ code: 'invalid_query', path: 'by' })
    })
  })

describeKpis('KPIs and spend on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('KPIs and spend on PostgreSQL', () => {
  describeKpis('the same stream', () => openTestPostgresStore())
})
