// A journey measured against its holdout, with the experiments' statistics: entries are assigned
// to a group when they enter (intent to treat: an entry that ended early still counts in its group),
// and the goal's conversions and revenue per entry are compared, sequentially by default so the
// page may be looked at every day. Pure.

import { meanInterval, wilson } from '../experiments/intervals.ts'
import { type Comparison, compare, summarize } from '../experiments/stats.ts'
import type { JourneyCounts, JourneyGroup } from './types.ts'

export interface GroupResult extends Omit<JourneyCounts, 'revenueSquares'> {
  conversionRate: number | null
  conversionCi: [number, number] | null
  revenuePerEntry: number | null
  revenueCi: [number, number] | null
}

export interface JourneyResults {
  groups: Record<JourneyGroup, GroupResult>
  /** Reached against held out; null without a goal. */
  conversion: Comparison | null
  revenue: Comparison | null
  method: 'sequential' | 'fixed'
  /** Whether the conversion comparison may be acted on now (its always-valid interval excludes 0). */
  decided: boolean
}

const empty = (group: JourneyGroup): JourneyCounts => ({
  group,
  entered: 0,
  waiting: 0,
  sent: 0,
  held: 0,
  exited: 0,
  skipped: 0,
  converted: 0,
  revenue: 0,
  revenueSquares: 0,
})

const groupResult = ({ revenueSquares, ...c }: JourneyCounts): GroupResult => {
  const revenue = summarize({ users: c.entered, sum: c.revenue, sumSquares: revenueSquares })
  return {
    ...c,
    conversionRate: c.entered > 0 ? c.converted / c.entered : null,
    conversionCi: wilson(c.converted, c.entered),
    revenuePerEntry: revenue.mean,
    revenueCi: meanInterval(revenue),
  }
}

export const journeyResults = (
  counts: readonly JourneyCounts[],
  options: { goal: boolean; method?: 'sequential' | 'fixed' },
): JourneyResults => {
  const method = options.method ?? 'sequential'
  const of = (g: JourneyGroup) => counts.find((c) => c.group === g) ?? empty(g)
  const reached = of('reached')
  const holdout = of('holdout')
  const sample = (c: JourneyCounts, kind: 'conversion' | 'revenue') =>
    kind === 'conversion'
      ? { users: c.entered, sum: c.converted, sumSquares: c.converted }
      : { users: c.entered, sum: c.revenue, sumSquares: c.revenueSquares }
  const conversion = options.goal
    ? compare(sample(holdout, 'conversion'), sample(reached, 'conversion'), { method })
    : null
  const revenue = options.goal
    ? compare(sample(holdout, 'revenue'), sample(reached, 'revenue'), { method })
    : null
  const ci = conversion?.absolute.ci
  return {
    groups: { reached: groupResult(reached), holdout: groupResult(holdout) },
    conversion,
    revenue,
    method,
    decided: method === 'sequential' && ci !== null && ci !== undefined && (ci[0] > 0 || ci[1] < 0),
  }
}
