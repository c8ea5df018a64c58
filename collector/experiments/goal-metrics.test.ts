import { describe, expect, it } from 'vitest'
import { reportRow } from '../../test/support/report-rows.ts'
import { capOf, goalHitsOf, goalMetric } from './goal-metrics.ts'

const H = 3_600_000
const T = Date.parse('2026-11-20T10:00:00.000Z')

describe('goal metrics from report rows', () => {
  it('takes the page views matching a page goal and the events matching a where, with their revenue', () => {
    const rows = [
      reportRow({ person: 'p1', at: T, kind: 'page', path: '/thank-you/7' }),
      reportRow({ person: 'p1', at: T, kind: 'page', path: '/cart' }),
      reportRow({ person: 'p2', at: T, kind: 'event', name: 'Order Completed', props: '{"revenue":30}' }),
      reportRow({ person: 'p3', at: T, kind: 'event', name: 'Order Completed', props: '{"revenue":5}' }),
      // Properties over the stored cap: no where can match them.
      reportRow({ person: 'p4', at: T, kind: 'event', name: 'Order Completed', props: null }),
    ]
    expect(goalHitsOf(rows, { page: '/thank-you/*' })).toEqual([{ person: 'p1', at: T, value: 0 }])
    const big = { event: 'Order Completed', where: { revenue: { $gt: 10 } }, revenue: 'revenue' }
    expect(goalHitsOf(rows, big)).toEqual([{ person: 'p2', at: T, value: 30 }])
  })

  it('caps at the nearest rank of the values > 0', () => {
    expect(capOf([0, 30, 50, 125], 0.5)).toBe(50)
    expect(capOf([10, 20, 30, 40], 0.75)).toBe(30)
    expect(capOf([10, 20, 30, 40], 0.76)).toBe(40)
    expect(capOf([0, 0], 0.99)).toBeNull()
  })

  it('counts after the first exposure, and in the 14 days before it for CUPED; others are no one', () => {
    const people = [
      { person: 'a', variation: 'control', firstAt: T },
      { person: 'b', variation: 'treat', firstAt: T },
    ]
    const hits = [
      { person: 'a', at: T, value: 4 }, // at the exposure: neither before nor after
      { person: 'a', at: T + 2 * H, value: 3 },
      { person: 'a', at: T + 5 * H, value: 2 },
      { person: 'b', at: T - H, value: 7 },
      { person: 'b', at: T - 15 * 24 * H, value: 100 }, // outside CUPED's window
      { person: 'z', at: T + H, value: 9 },
    ]
    const mean = goalMetric(people, hits, { property: 'revenue' })
    const hour = Math.floor(T / H) + 2
    expect(mean.metric).toEqual([
      { variation: 'control', day: Math.floor(hour / 24), hour, users: 1, sum: 5, sumSquares: 25 },
    ])
    expect(mean.covariates).toEqual([
      {
        variation: 'control',
        users: 1,
        preSum: 0,
        preSumSquares: 0,
        postSum: 5,
        postSumSquares: 25,
        crossSum: 0,
      },
      {
        variation: 'treat',
        users: 1,
        preSum: 7,
        preSumSquares: 49,
        postSum: 0,
        postSumSquares: 0,
        crossSum: 0,
      },
    ])
    const conversion = goalMetric(people, hits, { property: '' })
    expect(conversion.metric).toMatchObject([{ variation: 'control', users: 1, sum: 1, sumSquares: 1 }])
    expect(conversion.covariates[1]).toMatchObject({ preSum: 1, postSum: 0 })
  })
})
