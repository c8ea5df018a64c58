// Experiment results' fixture, shared by collector/experiments/results*.test.ts: two days of a
// checkout experiment, small enough to check by hand.

import type { MetricRow, PeopleRow } from '../../collector/experiments/types.ts'
import { type Experiment, experimentSchema } from '../../sdk/rules/experiment-schema.ts'

export const D = Math.floor(Date.parse('2026-11-21T00:00:00.000Z') / 86_400_000)

export const experiment = (fields: Partial<Experiment> = {}): Experiment =>
  experimentSchema.parse({
    key: 'checkout',
    status: 'running',
    variations: [{ key: 'control' }, { key: 'treat', name: 'One page' }],
    goals: [{ event: 'Order Completed' }],
    guardrails: [{ event: 'Order Completed', property: 'revenue' }],
    ...fields,
  })

/**
 * Control: c1 orders 10 (day 0), c2 and c3 nothing, c4 orders 30 (day 1).
 * Treat: t1 orders 20 (day 0), t2 orders 40 (day 1), t3 orders 5 (day 1), t4 nothing.
 * Exposed: c1, c2, t1, t2 on day 0; c3, c4, t3, t4 on day 1.
 */
export const PEOPLE: PeopleRow[] = [
  { variation: 'control', day: D, hour: D * 24, users: 2 },
  { variation: 'control', day: D + 1, hour: (D + 1) * 24, users: 2 },
  { variation: 'treat', day: D, hour: D * 24, users: 2 },
  { variation: 'treat', day: D + 1, hour: (D + 1) * 24, users: 2 },
  { variation: 'retired', day: D, hour: D * 24, users: 7 }, // a variation no longer configured: left out
]
export const CONVERSIONS: MetricRow[] = [
  { variation: 'control', day: D, hour: D * 24, users: 1, sum: 1, sumSquares: 1 },
  { variation: 'control', day: D + 1, hour: (D + 1) * 24, users: 1, sum: 1, sumSquares: 1 },
  { variation: 'treat', day: D, hour: D * 24, users: 1, sum: 1, sumSquares: 1 },
  { variation: 'treat', day: D + 1, hour: (D + 1) * 24, users: 2, sum: 2, sumSquares: 2 },
]
export const REVENUE: MetricRow[] = [
  { variation: 'control', day: D, hour: D * 24, users: 1, sum: 10, sumSquares: 100 },
  { variation: 'control', day: D + 1, hour: (D + 1) * 24, users: 1, sum: 30, sumSquares: 900 },
  { variation: 'treat', day: D, hour: D * 24, users: 1, sum: 20, sumSquares: 400 },
  { variation: 'treat', day: D + 1, hour: (D + 1) * 24, users: 2, sum: 45, sumSquares: 1625 },
]
