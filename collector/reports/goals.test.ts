import { describe, expect, it } from 'vitest'
import { reportVisit as visit } from '../../test/support/report-rows.ts'
import { goalFigures, reachedIn } from './goals.ts'

const order = (revenue: unknown, at = 0) => ({
  name: 'Order Completed',
  props: JSON.stringify({ revenue, currency: 'EUR' }),
  at,
})

describe('reachedIn', () => {
  it('counts matching events and sums their finite revenue', () => {
    const v = visit({ events: [order(40), order('lots'), { name: 'Other', props: null, at: 1 }, order(2.5)] })
    expect(reachedIn(v, { event: 'Order Completed', revenue: 'revenue' })).toEqual({
      conversions: 3,
      revenue: 42.5,
    })
  })

  it('applies the condition; an event stored without its properties matches no condition', () => {
    const v = visit({ events: [order(40), order(150), { name: 'Order Completed', props: null, at: 2 }] })
    expect(reachedIn(v, { event: 'Order Completed', where: { revenue: { $gt: 100 } } }).conversions).toBe(1)
    expect(reachedIn(v, { event: 'Order Completed' }).conversions).toBe(3)
  })

  it('counts page views matching a pattern', () => {
    const v = visit({ pages: ['/', '/shoes/trail', '/shoes', '/bags/shoes'] })
    expect(reachedIn(v, { page: '/shoes*' })).toEqual({ conversions: 2, revenue: 0 })
  })
})

describe('goalFigures', () => {
  it('counts people once across visits and devices; the rate is of everyone with a visit', () => {
    const visits = [
      visit({ person: 'p1', events: [order(10)] }),
      visit({ person: 'p1', device: 'd2', events: [order(30)] }),
      visit({ person: 'p2' }),
      visit({ person: 'p3' }),
    ]
    expect(goalFigures(visits, { event: 'Order Completed', revenue: 'revenue' })).toEqual({
      conversions: 2,
      visitors: 1,
      conversionRate: 0.3333,
      revenue: 40,
      averageOrderValue: 20,
    })
  })

  it('answers null where a figure has no denominator', () => {
    expect(goalFigures([], { page: '/cart' })).toEqual({
      conversions: 0,
      visitors: 0,
      conversionRate: null,
      revenue: 0,
      averageOrderValue: null,
    })
  })
})
