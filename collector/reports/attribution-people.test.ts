import { describe, expect, it } from 'vitest'
import { hitRowsOf, reportRow } from '../../test/support/report-rows.ts'
import { attribute } from './attribution.ts'
import { attributionPeople, attributionPeopleOf, conversionsOf, touchCounts } from './attribution-people.ts'
import { attributionQuery, csvOfRows, rowsOf, totalsOf } from './attribution-query.ts'
import { hitQueryOf } from './goals.ts'
import type { Filter } from './traffic.ts'
import type { ReportRow } from './types.ts'
import { summaryOf, visitsOf } from './visits.ts'

const DAY = 86_400_000
const T0 = Date.parse('2026-11-10T09:00:00Z')
const row = (over: Partial<ReportRow>): ReportRow =>
  reportRow({ at: T0, country: 'DE', region: 'BE', ...over })
const order = { event: 'Order Completed', revenue: 'revenue' }
const window = { from: T0, to: T0 + 10 * DAY }

// p1: a paid click on the laptop 3 days before, then an order on the phone from a direct visit.
const rows: ReportRow[] = [
  row({
    at: T0 - 3 * DAY,
    session: 's0',
    source: 'google',
    medium: 'cpc',
    campaign: 'winter',
    referrer: 'google.com',
    clickId: true,
  }),
  row({ device: 'd2', session: 's9', at: T0 + DAY, path: '/cart' }),
  row({
    device: 'd2',
    session: 's9',
    at: T0 + DAY + 60_000,
    kind: 'event',
    name: 'Order Completed',
    props: '{"revenue":120}',
  }),
  // An order before the period: a touch, never a conversion.
  row({ session: 's0', at: T0 - 3 * DAY + 1000, kind: 'event', name: 'Order Completed', props: '{}' }),
  // Events of a session without a page view are no visit.
  row({ person: 'p2', device: 'd3', session: 's3', kind: 'event', name: 'Order Completed', props: null }),
]

describe('attributionPeople', () => {
  it("joins a person's devices: the phone's order is credited to the laptop's campaign visit", () => {
    const people = attributionPeople(rows, order, window)
    expect(people).toEqual([
      {
        touches: [
          { at: T0 - 3 * DAY, channel: 'Paid Search', campaign: 'winter', source: 'google', clickId: true },
          { at: T0 + DAY, channel: 'Direct', campaign: null, source: null, clickId: false },
        ],
        conversions: [{ at: T0 + DAY + 60_000, value: 120 }],
      },
    ])
    const key = (t: { campaign: string | null }) => t.campaign ?? '(none)'
    const result = attribute(people, { lookback: 30 * DAY, key })
    const rowsOut = rowsOf(result, touchCounts(people, 30 * DAY, key))
    expect(rowsOut[0]).toMatchObject({
      key: 'winter',
      touches: 1,
      clicks: 1,
      first: { conversions: 1, revenue: 120 },
      lastNonDirect: { conversions: 1, revenue: 120 },
      linear: { conversions: 0.5, revenue: 60 },
    })
    expect(rowsOut[1]).toMatchObject({
      key: '(none)',
      touches: 1,
      clicks: 0,
      first: { conversions: 0, revenue: 0 },
    })
    expect(totalsOf(result)).toEqual({
      conversions: 1,
      revenue: 120,
      attributed: { conversions: 1, revenue: 120 },
      unattributed: { conversions: 0, revenue: 0 },
    })
    // A lookback of one day no longer reaches the laptop's visit.
    const short = rowsOf(attribute(people, { lookback: DAY }))
    expect(short.map((r) => r.key)).toEqual(['Direct'])
    expect(touchCounts(people, DAY, (t) => t.channel)).toEqual(
      new Map([['Direct', { touches: 1, clicks: 0 }]]),
    )
  })

  it('keeps only visits the filters keep, as touches and as places of conversion', () => {
    const mobile = attributionPeople(rows, order, window, [{ dimension: 'channel', value: 'Direct' }])
    expect(mobile[0]!.touches.map((t) => t.channel)).toEqual(['Direct'])
    expect(mobile[0]!.conversions).toHaveLength(1)
    const paid = attributionPeople(rows, order, window, [{ dimension: 'channel', value: 'Paid Search' }])
    expect(paid[0]!.conversions).toHaveLength(0)
  })

  it('follows a goal: filter with the site goals: only visits that reached the goal are touches', () => {
    const browsing = row({ session: 's5', at: T0 + DAY / 2, path: '/blog', referrer: 'facebook.com' })
    const all = attributionPeople([...rows, browsing], order, window)
    expect(all[0]!.touches.map((t) => t.channel).sort()).toEqual(['Direct', 'Paid Search', 'Social'])
    const filters = [{ dimension: 'goal' as const, value: 'order' }]
    const converting = attributionPeople([...rows, browsing], order, window, filters, { order })
    expect(converting[0]!.touches.map((t) => t.channel).sort()).toEqual(['Direct', 'Paid Search'])
    expect(converting[0]!.conversions).toEqual(all[0]!.conversions)
  })

  it("from the store's reads (the goal's hits, then the converters' visits), the same people who converted", () => {
    const browsing = row({ session: 's5', at: T0 + DAY / 2, path: '/blog', referrer: 'facebook.com' })
    const other = row({ person: 'p3', device: 'd4', session: 's6', at: T0 + 2 * DAY, path: '/' })
    const all = [...rows, browsing, other]
    const visits = visitsOf(all).map(summaryOf)
    for (const goal of [
      order,
      { page: '/cart' },
      { event: 'Order Completed', where: { revenue: { $gt: 200 } } },
    ])
      for (const filters of [[], [{ dimension: 'channel', value: 'Direct' }]] as Filter[][]) {
        // What reportHits answers for the goal: its events or page views (a superset of conversions).
        const wanted = hitQueryOf([goal])
        const hits = hitRowsOf(all).filter((h) =>
          h.kind === 'page' ? wanted.pages.includes(h.path ?? '/') : wanted.events.includes(h.name ?? ''),
        )
        const conversions = conversionsOf(hits, goal, window, filters)
        const visitsOfConverters = visits.filter((v) => conversions.has(v.person))
        const sortedTouches = (people: ReturnType<typeof attributionPeople>) =>
          people.map((p) => ({ ...p, touches: [...p.touches].sort((a, b) => a.at - b.at) }))
        expect(sortedTouches(attributionPeopleOf(conversions, visitsOfConverters, filters))).toEqual(
          sortedTouches(
            attributionPeople(all, goal, window, filters).filter((p) => p.conversions.length > 0),
          ),
        )
      }
  })

  it('counts page views of a page goal at their own instant', () => {
    const people = attributionPeople(rows, { page: '/cart' }, window)
    expect(people[0]!.conversions).toEqual([{ at: T0 + DAY, value: 0 }])
  })
})

describe('attributionQuery', () => {
  const base = { site: 'shop', filter: [] }
  it('requires a goal; lookback 1-180 days, 30 by default; rows by channel by default', () => {
    expect(attributionQuery.safeParse(base).success).toBe(false)
    expect(attributionQuery.parse({ ...base, goal: 'order' })).toMatchObject({ lookback: 30, by: 'channel' })
    for (const lookback of ['0', '181', '1.5', 'x'])
      expect(attributionQuery.safeParse({ ...base, goal: 'order', lookback }).success, lookback).toBe(false)
    expect(attributionQuery.parse({ ...base, goal: 'order', lookback: '180', by: 'campaign' })).toMatchObject(
      { lookback: 180, by: 'campaign' },
    )
  })

  it('writes CSV columns per model', () => {
    expect(csvOfRows('campaign', []).columns).toEqual([
      'campaign',
      'touches',
      'clicks',
      'first_conversions',
      'first_revenue',
      'last_non_direct_conversions',
      'last_non_direct_revenue',
      'linear_conversions',
      'linear_revenue',
      'position_conversions',
      'position_revenue',
      'time_decay_conversions',
      'time_decay_revenue',
    ])
  })
})

describe('touchCounts', () => {
  it('counts the touches in some conversion’s lookback, as a plain scan does', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 48271) % 2147483647
      return seed / 2147483647
    }
    const channels = ['Direct', 'Email', 'Social']
    const people = Array.from({ length: 30 }, () => ({
      touches: Array.from({ length: Math.floor(random() * 8) }, () => ({
        at: Math.floor(random() * 40) * DAY,
        channel: channels[Math.floor(random() * 3)]!,
        campaign: null,
        source: null,
        clickId: random() < 0.3,
      })),
      conversions: Array.from({ length: Math.floor(random() * 4) }, () => ({
        at: Math.floor(random() * 40) * DAY,
        value: 1,
      })),
    }))
    const lookback = 7 * DAY
    const plain = new Map<string, { touches: number; clicks: number }>()
    for (const p of people)
      for (const t of p.touches)
        if (p.conversions.some((c) => t.at <= c.at && t.at >= c.at - lookback)) {
          const row = plain.get(t.channel) ?? { touches: 0, clicks: 0 }
          row.touches++
          if (t.clickId) row.clicks++
          plain.set(t.channel, row)
        }
    expect(plain.size).toBeGreaterThan(1)
    expect(touchCounts(people, lookback, (t) => t.channel)).toEqual(plain)
  })
})
