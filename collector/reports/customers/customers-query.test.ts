import { describe, expect, it } from 'vitest'
import { reportRow } from '../../../test/support/report-rows.ts'
import type { ReportRow } from '../types.ts'
import { customersQuery, historiesOf, historyOf, revenueGoal } from './customers-query.ts'

const row = (overrides: Partial<ReportRow>): ReportRow =>
  reportRow({ at: 1000, browser: null, os: null, deviceType: null, ...overrides })
const order = (person: string, device: string, at: number, props: unknown) =>
  row({
    person,
    device,
    session: `${device}-${at}`,
    at,
    kind: 'event',
    name: 'Order Completed',
    props: JSON.stringify(props),
  })
const goal = { event: 'Order Completed', revenue: 'revenue' }

describe('customersQuery and historyOf', () => {
  it('needs a site and a goal key; horizon and discount are bounded', () => {
    expect(customersQuery.safeParse({ site: 'shop' }).success).toBe(false)
    expect(customersQuery.parse({ site: 'shop', goal: 'order' })).toMatchObject({
      horizon: 12,
      discount: 0.01,
    })
    expect(customersQuery.safeParse({ site: 'shop', goal: 'order', horizon: '37' }).success).toBe(false)
    expect(customersQuery.safeParse({ site: 'shop', goal: 'order', discount: '0.5' }).success).toBe(false)
    expect(customersQuery.safeParse({ site: 'shop', goal: 'Bad Key' }).success).toBe(false)
  })

  it('reads 731 days up to `to` (today by default), no more', () => {
    expect(historyOf({}, '2026-11-23')).toEqual({ from: '2024-11-23', to: '2026-11-23', days: 731 })
    expect(historyOf({ from: '2026-01-01', to: '2026-01-31' }, '2026-11-23')).toMatchObject({ days: 31 })
    expect(historyOf({ from: '2024-01-01', to: '2026-01-31' }, '2026-11-23')).toMatchObject({ path: 'from' })
    expect(historyOf({ from: '2026-02-01', to: '2026-01-31' }, '2026-11-23')).toMatchObject({ path: 'from' })
  })

  it('takes only event goals with a revenue property', () => {
    expect(revenueGoal(goal)).toBe(true)
    expect(revenueGoal({ event: 'Order Completed' })).toBe(false)
    expect(revenueGoal({ page: '/thanks' })).toBe(false)
  })
})

describe('historiesOf', () => {
  const window = { from: 1000, to: 100_000 }

  it('gathers a person’s orders across devices, with their page views, customers only', () => {
    const rows = [
      row({ person: 'p1', device: 'd1', session: 'a', at: 2000 }),
      row({ person: 'p1', device: 'd1', session: 'a', at: 2100, path: '/cart' }),
      order('p1', 'd1', 2200, { revenue: 30 }),
      row({ person: 'p1', device: 'd2', session: 'b', at: 5000 }),
      order('p1', 'd2', 5100, { revenue: 20 }),
      row({ person: 'p2', device: 'd3', session: 'c', at: 3000 }),
      order('p3', 'd4', 4000, { revenue: 'n/a' }),
      row({
        kind: 'event',
        person: 'p2',
        name: 'Signed Up',
        props: '{}',
        at: 3100,
        session: 'c',
        device: 'd3',
      }),
    ]
    const histories = historiesOf(rows, goal, window)
    expect(histories).toHaveLength(2)
    expect(histories).toContainEqual({
      orders: [
        { at: 2200, revenue: 30 },
        { at: 5100, revenue: 20 },
      ],
      pageviews: 3,
    })
    // A revenue that is not a number is an order worth 0.
    expect(histories).toContainEqual({ orders: [{ at: 4000, revenue: 0 }], pageviews: 0 })
  })

  it('counts only what lies inside the window, and a goal condition', () => {
    const rows = [
      order('p1', 'd1', 500, { revenue: 10 }),
      order('p1', 'd1', 100_000, { revenue: 10 }),
      order('p2', 'd2', 2000, { revenue: 10 }),
    ]
    expect(historiesOf(rows, goal, window)).toHaveLength(1)
    expect(historiesOf(rows, { ...goal, where: { revenue: { $gt: 50 } } }, window)).toHaveLength(0)
  })
})
