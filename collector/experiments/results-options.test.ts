// Results' options beside the statistics: capping (winsorizing) and the lift series by the hour.
import { describe, expect, it } from 'vitest'
import { CONVERSIONS, D, experiment, PEOPLE, REVENUE } from '../../test/support/experiment-results.ts'
import { experimentResults } from './results.ts'
import type { MetricRow, PeopleRow } from './types.ts'

describe('experiment results: caps and hours', () => {
  const results = experimentResults({
    experiment: experiment(),
    people: PEOPLE,
    metrics: [CONVERSIONS, REVENUE],
    adjustment: 'holm',
    now: Date.parse('2026-11-23T12:00:00.000Z'),
  })

  it('compares capped sums and reports the cap (winsorizing), null without one', () => {
    expect(results.metrics.map((m) => m.cap)).toEqual([null, null])
    const capped = experimentResults({
      experiment: experiment({
        guardrails: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.9 } }],
      }),
      people: PEOPLE,
      // Capped at 30: treat's 40 counts 30.
      metrics: [
        CONVERSIONS,
        REVENUE.map((r) => (r.sum === 45 ? { ...r, sum: 35, sumSquares: 925 } : r)).map((r) => ({
          ...r,
          cap: 30,
        })),
      ],
      adjustment: 'holm',
    })
    const revenue = capped.metrics[1]!
    expect(revenue.cap).toEqual({ percentile: 0.9, value: 30 })
    expect(revenue.variations[1]!.mean).toBe((20 + 35) / 4)
    // No one with a value: the percentile, no value.
    const empty = experimentResults({
      experiment: experiment({
        guardrails: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.9 } }],
      }),
      people: PEOPLE,
      metrics: [CONVERSIONS, []],
      adjustment: 'holm',
    })
    expect(empty.metrics[1]!.cap).toEqual({ percentile: 0.9, value: null })
  })

  it('charts by the hour while the experiment has run on fewer than 3 UTC days', () => {
    const H = D * 24
    const people: PeopleRow[] = [
      { variation: 'control', day: D, hour: H + 10, users: 2 },
      { variation: 'treat', day: D, hour: H + 10, users: 2 },
      { variation: 'treat', day: D, hour: H + 12, users: 1 },
    ]
    const conversions: MetricRow[] = [
      { variation: 'control', day: D, hour: H + 11, users: 1, sum: 1, sumSquares: 1 },
      { variation: 'treat', day: D, hour: H + 12, users: 2, sum: 2, sumSquares: 2 },
    ]
    const young = (now?: number) =>
      experimentResults({
        experiment: experiment(),
        people,
        metrics: [conversions, []],
        adjustment: 'holm',
        now,
      })
    // Nov 21 and 22: two days, hourly; by Nov 23 (a third day), daily.
    const hourly = young(Date.parse('2026-11-22T23:59:00.000Z'))
    expect(hourly.granularity).toBe('hour')
    expect(hourly.daily.map((p) => [p.date, p.variations.map((v) => [v.users, v.conversions])])).toEqual([
      [
        '2026-11-21T10:00Z',
        [
          [2, 0],
          [2, 0],
        ],
      ],
      [
        '2026-11-21T11:00Z',
        [
          [2, 1],
          [2, 0],
        ],
      ],
      [
        '2026-11-21T12:00Z',
        [
          [2, 1],
          [3, 2],
        ],
      ],
    ])
    expect(young().granularity).toBe('hour') // without now: the rows' own days
    const daily = young(Date.parse('2026-11-23T00:00:00.000Z'))
    expect(daily.granularity).toBe('day')
    expect(daily.daily.map((p) => p.date)).toEqual(['2026-11-21'])
    expect(results.granularity).toBe('day')
  })
})
