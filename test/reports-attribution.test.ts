// The attribution oracle: the seeded report stream plus a person who clicks a campaign on a laptop
// and orders on a phone, sent through the real app (consent, identity resolution across devices,
// report rows on each database), then every model's credit per channel and per campaign compared
// with the same credit counted the plain way (support/attribution-oracle.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import {
  CROSS_DEVICE,
  crossDevicePerson,
  type OracleAsk,
  oracleAttribution,
} from './support/attribution-oracle.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { CART_GOAL, ORDER_GOAL, type ReportApp, reportApp } from './support/report-app.ts'
import { type Seen, STREAM_ORIGIN, STREAM_ZONE } from './support/report-stream.ts'

const ADMIN = 'admin-token-for-attribution'
const FROM = '2026-10-25'
const TO = '2026-11-23'
const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay'] as const

interface Figures {
  conversions: number
  revenue: number
}
interface Answer {
  conversions: number
  revenue: number
  attributed: Figures
  unattributed: Figures
  lookback: number
  by: string
  rows: ({ key: string; touches: number; clicks: number } & Record<(typeof MODELS)[number], Figures>)[]
  [more: string]: unknown
}

const describeOracle = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let shop: ReportApp
    let seen: Seen[]
    let erased: string
    const request = (path: string) => shop.request(`/admin/api/reports/attribution?site=shop&${path}`)
    const get = (path: string): Promise<Answer> =>
      shop.get(`/admin/api/reports/attribution?site=shop&${path}`)
    /** The answer's rows equal the oracle's, model by model, and each model sums to the attributed. */
    const expectOracle = (answer: Answer, ask: OracleAsk) => {
      const want = oracleAttribution(seen, erased, ask)
      expect(answer.attributed.conversions).toBe(want.attributed.conversions)
      expect(answer.attributed.revenue).toBeCloseTo(want.attributed.revenue, 2)
      expect(answer.unattributed.conversions).toBe(want.unattributed.conversions)
      expect(answer.conversions).toBe(want.attributed.conversions + want.unattributed.conversions)
      for (const row of answer.rows) {
        expect(row.touches, row.key).toBe(want.touches.get(row.key))
        expect(row.clicks, row.key).toBe(0)
      }
      for (const model of MODELS) {
        const keys = [...want.models[model].keys()].sort()
        expect(
          answer.rows
            .filter((r) => r[model].conversions > 0)
            .map((r) => r.key)
            .sort(),
          model,
        ).toEqual(keys)
        for (const row of answer.rows) {
          const expected = want.models[model].get(row.key) ?? { conversions: 0, revenue: 0 }
          expect(row[model].conversions, `${model} ${row.key}`).toBeCloseTo(expected.conversions, 3)
          expect(row[model].revenue, `${model} ${row.key}`).toBeCloseTo(expected.revenue, 1)
        }
        const sum = answer.rows.reduce((n, r) => n + r[model].conversions, 0)
        expect(sum, model).toBeCloseTo(answer.attributed.conversions, 2)
      }
      return want
    }

    beforeAll(async () => {
      store = await open()
      shop = await reportApp(store, {
        admin: ADMIN,
        goals: { order: ORDER_GOAL, cart: CART_GOAL },
        more: crossDevicePerson(STREAM_ORIGIN, Date.parse('2026-11-15T10:00:00Z')),
      })
      seen = shop.seen
      erased = shop.erased
    }, 120_000)
    afterAll(() => store?.close())

    it('credits orders per channel under every model as the oracle does (30-day lookback)', async () => {
      const answer = await get(`from=${FROM}&to=${TO}&goal=order`)
      expect(answer).toMatchObject({
        goal: 'order',
        lookback: 30,
        by: 'channel',
        halfLife: 7,
        timezone: STREAM_ZONE,
      })
      const want = expectOracle(answer, {
        from: FROM,
        to: TO,
        zone: STREAM_ZONE,
        lookbackDays: 30,
        halfLifeDays: 7,
        by: 'channel',
      })
      expect(want.attributed.conversions).toBeGreaterThan(5)
      // Models disagree somewhere, or the comparison would prove little.
      const firsts = answer.rows.map((r) => r.first.conversions).join()
      expect(answer.rows.map((r) => r.linear.conversions).join()).not.toBe(firsts)
    })

    it('credits per campaign, touches read from before the period within a 7-day lookback', async () => {
      const from = '2026-11-09'
      const answer = await get(`from=${from}&to=${TO}&goal=order&by=campaign&lookback=7`)
      expect(answer.rows.some((r) => r.key === '(none)')).toBe(true)
      expectOracle(answer, {
        from,
        to: TO,
        zone: STREAM_ZONE,
        lookbackDays: 7,
        halfLifeDays: 7,
        by: 'campaign',
      })
    })

    it("credits the phone's order to the campaign visit on the laptop (one person, two devices)", async () => {
      const answer = await get(`from=2026-11-15&to=2026-11-20&goal=order&by=campaign&lookback=5`)
      const row = answer.rows.find((r) => r.key === CROSS_DEVICE.campaign)
      expect(row?.first).toEqual({ conversions: 1, revenue: CROSS_DEVICE.revenue })
      // The phone's visit is direct: last non-direct skips it for the campaign.
      expect(row?.lastNonDirect).toEqual({ conversions: 1, revenue: CROSS_DEVICE.revenue })
      expect(row?.linear.conversions).toBeCloseTo(0.5, 4)
      // Two days is too short to reach back to the laptop.
      const short = await get(`from=2026-11-15&to=2026-11-20&goal=order&by=campaign&lookback=2`)
      expect(short.rows.find((r) => r.key === CROSS_DEVICE.campaign)).toBeUndefined()
      expect(JSON.stringify(answer)).not.toContain('cross-device-user')
      expect(JSON.stringify(answer)).not.toContain('cross-device-phone')
    })

    it('keeps only the visits a filter keeps, and writes the rows as CSV', async () => {
      const answer = await get(`from=${FROM}&to=${TO}&goal=order&filter=device:desktop`)
      expect(answer.filter).toEqual(['device:desktop'])
      expectOracle(answer, {
        from: FROM,
        to: TO,
        zone: STREAM_ZONE,
        lookbackDays: 30,
        halfLifeDays: 7,
        by: 'channel',
        keep: (landing) => landing.deviceType === 'desktop',
      })
      const res = await request(`from=${FROM}&to=${TO}&goal=order&format=csv`)
      expect(res.headers.get('content-type')).toContain('text/csv')
      const lines = (await res.text()).trim().split('\r\n')
      expect(lines[0]).toBe(
        'channel,touches,clicks,first_conversions,first_revenue,last_non_direct_conversions,last_non_direct_revenue,linear_conversions,linear_revenue,position_conversions,position_revenue,time_decay_conversions,time_decay_revenue',
      )
      const all = await get(`from=${FROM}&to=${TO}&goal=order`)
      expect(lines).toHaveLength(all.rows.length + 1)
    })

    it('attributes a page goal; refuses an unknown or missing goal and a lookback out of range', async () => {
      const cart = await get(`from=${FROM}&to=${TO}&goal=cart`)
      expect(cart.attributed.conversions).toBeGreaterThan(0)
      expect(cart.revenue).toBe(0)
      const cases: [string, number, string][] = [
        [`goal=nope`, 404, 'goal_not_found'],
        [`goal=order&filter=goal:nope`, 404, 'goal_not_found'],
        [``, 400, 'invalid_query'],
        [`goal=order&lookback=0`, 400, 'invalid_query'],
        [`goal=order&lookback=181`, 400, 'invalid_query'],
        [`goal=order&by=source`, 400, 'invalid_query'],
      ]
      for (const [query, status, code] of cases) {
        const res = await request(query)
        expect(res.status, query).toBe(status)
        expect((await res.json()).error.code, query).toBe(code)
      }
    })
  })

describeOracle('attribution against the oracle on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('attribution against the oracle on PostgreSQL', () => {
  describeOracle('the same stream', () => openTestPostgresStore())
})
