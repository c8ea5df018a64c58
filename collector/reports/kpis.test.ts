import { describe, expect, it } from 'vitest'
import { reportVisit } from '../../test/support/report-rows.ts'
import { filterSpend, kpisOf, revenueGoalKey, spendChannel } from './kpis.ts'
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
