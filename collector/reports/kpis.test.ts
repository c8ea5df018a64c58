import { describe, expect, it } from 'vitest'
import { reportVisit } from '../../test/support/report-rows.ts'
import { filterSpend, firstConversions, kpisOf, revenueGoalKey, spendChannel } from './kpis.ts'
import type { SpendRow } from './spend.ts'
import type { Visit } from './visits.ts'

const visit = (person: string, campaign: string | null, orders: number[] = [], slot = ''): Visit =>
  reportVisit({
    person,
    device: person,
    channel: campaign ? 'Paid Search' : 'Direct',
    source: campaign ? 'google' : null,
    medium: campaign ? 'cpc' : null,
    campaign,
    country: 'DE',
    events: [
      ...orders.map((revenue) => ({ name: 'Order Completed', props: JSON.stringify({ revenue }), at: 0 })),
      ...[...slot].map((k) => ({ name: k === 'v' ? 'Slot Viewed' : 'Slot Clicked', props: null, at: 0 })),
    ],
  })

const spend = (campaign: string, cost: number, extra: Partial<SpendRow> = {}): SpendRow => ({
  date: '2026-03-01',
  campaign,
  source: 'google',
  medium: 'cpc',
  channel: null,
  cost,
  currency: 'EUR',
  ...extra,
})

const ORDER = { event: 'Order Completed', revenue: 'revenue' }

describe('kpisOf', () => {
  it('joins spend with visits by campaign and computes the ratios, null where a denominator is 0', () => {
    const visits = [
      visit('ada', 'winter', [30, 20], 'vvc'),
      visit('ada', 'winter'),
      visit('bob', 'winter'),
      visit('cy', null, [100], 'v'),
    ]
    const k = kpisOf(
      visits,
      [spend('winter', 10.1), spend('winter', 9.9, { date: '2026-03-02' }), spend('ghost', 5)],
      'campaign',
      ORDER,
      { visits, before: Number.POSITIVE_INFINITY },
    )
    expect(k.rows.map((r) => r.value)).toEqual(['winter', 'ghost', null])
    expect(k.rows[0]).toEqual({
      value: 'winter',
      visitors: 2,
      visits: 3,
      conversions: 2,
      customers: 1,
      conversionRate: 0.5,
      revenue: 50,
      aov: 25,
      revenuePerCustomer: 50,
      spend: 20,
      cpc: 6.67,
      cac: 20,
      roas: 2.5,
      roi: 1.5,
      // ada, whose only orders (30 + 20) were in the visits read.
      acquired: 1,
      clv: 50,
      clvToCac: 2.5,
    })
    expect(k.rows[1]).toMatchObject({
      visits: 0,
      spend: 5,
      cpc: null,
      cac: null,
      roas: 0,
      roi: -1,
      conversionRate: null,
    })
    expect(k.rows[2]).toMatchObject({ spend: 0, roas: null, roi: null, cac: 0, revenue: 100 })
    expect(k.totals).toMatchObject({ visitors: 3, visits: 4, spend: 25, revenue: 150, roas: 6 })
    expect(k.slots).toEqual({ impressions: 3, clicks: 1, ctr: 0.3333 })
    expect(k.campaigns).toEqual({ visits: 3, share: 0.75 })
  })

  it('groups by channel, spend by its channel or the one its source and medium give', () => {
    const k = kpisOf(
      [visit('ada', 'winter', [10])],
      [
        spend('winter', 4),
        spend('fb', 1, { source: 'facebook', medium: 'paid-social' }),
        spend('x', 2, { channel: 'Display' }),
      ],
      'channel',
      ORDER,
    )
    expect(k.rows.map((r) => [r.value, r.spend])).toEqual([
      ['Paid Search', 4],
      ['Display', 2],
      ['Social', 1],
    ])
  })

  it('without a goal: no conversion figures, spend still counted', () => {
    const k = kpisOf([visit('ada', 'winter')], [spend('winter', 3)], 'campaign', undefined)
    expect(k.rows[0]).toMatchObject({
      conversions: null,
      revenue: null,
      roas: null,
      roi: null,
      cac: null,
      cpc: 3,
    })
  })
})

describe('CLV per campaign and channel', () => {
  /** A visit of `person` on `device` starting at `start`, with an order of `revenue` at `at`. */
  const seen = (
    person: string,
    device: string,
    start: number,
    from: 'A' | 'news' | null,
    order?: [revenue: number, at: number],
  ): Visit =>
    reportVisit({
      person,
      device,
      start,
      end: order?.[1] ?? start,
      campaign: from,
      channel: from === 'A' ? 'Paid Search' : from === 'news' ? 'Email' : 'Direct',
      events: order
        ? [{ name: 'Order Completed', props: JSON.stringify({ revenue: order[0] }), at: order[1] }]
        : [],
    })
  // The period is [100, 1000): `before` is its end.
  const PERIOD = { from: 100, before: 1000 }
  const history = [
    seen('bob', 'bob', 50, 'A', [40, 55]), // bob's first order: before the period
    seen('ada', 'ada-phone', 200, 'A', [30, 210]), // ada's first order: campaign A
    seen('bob', 'bob', 250, 'A', [60, 260]),
    seen('cy', 'cy-phone', 300, 'A', [10, 305]), // cy's first, on one device …
    seen('cy', 'cy-laptop', 400, 'A', [15, 410]), // … then on the other, same campaign
    seen('ada', 'ada-laptop', 500, null, [20, 510]),
    seen('dee', 'dee', 600, 'news', [100, 610]), // dee's first order: the newsletter
    seen('dee', 'dee-laptop', 700, null, [50, 710]),
    seen('eve', 'eve', 800, null),
    seen('ada', 'ada-phone', 990, null, [5, 995]), // still before the end of `to`
    seen('ada', 'ada-phone', 1000, null, [1000, 1005]), // after `to`: not counted
  ]
  const period = history.filter((v) => v.start >= PERIOD.from && v.start < PERIOD.before)
  const since = { visits: history, before: PERIOD.before }

  it('counts the people a campaign acquired and all their revenue up to `to`, across devices', () => {
    const k = kpisOf(period, [spend('A', 20)], 'campaign', ORDER, since)
    const row = (value: string | null) => k.rows.find((r) => r.value === value)
    // A: ada (30 + 20 + 5) and cy (10 + 15, two devices, once); bob ordered before the period.
    // cac = 20 / 3 customers (ada, bob, cy) = 6.67; clv / cac = 40 / 6.67.
    expect(row('A')).toMatchObject({ customers: 3, cac: 6.67, acquired: 2, clv: 40, clvToCac: 5.997 })
    // news: dee (100 + 50 on her laptop, without a campaign); no spend: cac 0, no ratio.
    expect(row('news')).toMatchObject({ acquired: 1, clv: 150, cac: 0, clvToCac: null })
    // No campaign: only later visits of people acquired elsewhere, and eve without an order.
    expect(row(null)).toMatchObject({ customers: 2, acquired: 0, clv: null, clvToCac: null })
    // ada, cy and dee: (55 + 25 + 150) / 3; cac = 20 / 4 customers.
    expect(k.totals).toMatchObject({ customers: 4, cac: 5, acquired: 3, clv: 76.67, clvToCac: 15.334 })
  })

  it('by channel: the channel of the visit of the first order', () => {
    const k = kpisOf(period, [], 'channel', ORDER, since)
    // Most revenue in the period first: 115, 100, 75.
    expect(k.rows.map((r) => [r.value, r.acquired, r.clv])).toEqual([
      ['Paid Search', 2, 40],
      ['Email', 1, 150],
      ['Direct', 0, null],
    ])
  })

  it('filtered visits: only acquisitions in the visits kept, still with all their revenue', () => {
    const email = period.filter((v) => v.channel === 'Email')
    const k = kpisOf(email, [], 'campaign', ORDER, since)
    expect(k.totals).toMatchObject({ visitors: 1, acquired: 1, clv: 150 })
    // ada's later visit alone acquires nobody: her first order came before it.
    const later = kpisOf([period[4]!], [], 'campaign', ORDER, since)
    expect(later.totals).toMatchObject({ customers: 1, acquired: 0, clv: null })
  })

  it('null without a revenue goal, or without the history read', () => {
    expect(kpisOf(period, [], 'campaign', ORDER).totals).toMatchObject({ acquired: null, clv: null })
    for (const goal of [undefined, { event: 'Order Completed' }, { page: '/cart' }]) {
      const k = kpisOf(period, [spend('A', 20)], 'campaign', goal, since)
      expect(k.totals).toMatchObject({ acquired: null, clv: null, clvToCac: null })
      expect(k.rows[0]).toMatchObject({ acquired: null, clv: null, clvToCac: null })
    }
  })

  it('the first conversion is the earliest order, not the earliest visit', () => {
    const long = seen('fay', 'fay-phone', 100, 'A', [7, 500]) // opened first, ordered last
    const quick = seen('fay', 'fay-laptop', 200, 'news', [3, 300])
    const firsts = firstConversions([long, quick], ORDER, 1000)
    expect(firsts.get('fay')).toEqual({ visit: quick, at: 300, revenue: 10 })
    const k = kpisOf([long, quick], [], 'campaign', ORDER, { visits: [long, quick], before: 1000 })
    expect(k.rows.map((r) => [r.value, r.acquired, r.clv])).toEqual([
      ['A', 0, null],
      ['news', 1, 10],
    ])
  })
})

describe('filterSpend', () => {
  it('follows campaign, source, medium and channel filters and names the others', () => {
    const rows = [spend('a', 1), spend('b', 2, { source: null, medium: null })]
    expect(
      filterSpend(rows, [
        { dimension: 'utm_source', value: 'google' },
        { dimension: 'country', value: 'DE' },
      ]),
    ).toEqual({ rows: [rows[0]], ignored: ['country'] })
    expect(filterSpend(rows, [{ dimension: 'utm_source', value: null }]).rows).toEqual([rows[1]])
    expect(filterSpend(rows, [{ dimension: 'channel', value: 'Paid Search' }]).rows).toEqual([rows[0]])
    expect(spendChannel(rows[1]!)).toBe('Direct')
  })
})

describe('revenueGoalKey', () => {
  it('takes the named goal, else the first with revenue', () => {
    const goals = { cart: { page: '/cart' }, order: ORDER }
    expect(revenueGoalKey(goals, undefined)).toBe('order')
    expect(revenueGoalKey(goals, 'cart')).toBe('cart')
    expect(revenueGoalKey({ cart: { page: '/cart' } }, undefined)).toBeUndefined()
  })
})
