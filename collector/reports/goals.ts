// Goals in reports: what a visit reached. A goal (sdk/rules/goal-schema.ts) is a track event,
// optionally with a condition on its properties (GrowthBook's syntax, as everywhere) and a revenue
// property, or a page path pattern. Pure: visits in (visits.ts), figures out.
import { evalCondition } from '../../sdk/rules/conditions.ts'
import { type Goal, pageMatches } from '../../sdk/rules/goal-schema.ts'
import type { Visit } from './visits.ts'

export interface Reached {
  /** Matching events (or page views) in the visit. */
  conversions: number
  /** The sum of their revenue property, where it is a finite number. */
  revenue: number
}

const propsOf = (json: string | null): Record<string, unknown> | undefined => {
  if (json === null) return undefined
  try {
    const value = JSON.parse(json)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * What one visit reached of a goal. An event whose properties were over the stored cap matches
 * only a goal without a condition, and brings no revenue.
 */
export const reachedIn = (visit: Visit, goal: Goal): Reached => {
  if (goal.page !== undefined)
    return { conversions: visit.pages.filter((p) => pageMatches(goal.page!, p)).length, revenue: 0 }
  let conversions = 0
  let revenue = 0
  for (const e of visit.events) {
    if (e.name !== goal.event) continue
    const props = goal.where !== undefined || goal.revenue !== undefined ? propsOf(e.props) : undefined
    if (goal.where !== undefined && (props === undefined || !evalCondition(props, goal.where))) continue
    conversions++
    const value = goal.revenue === undefined ? undefined : props?.[goal.revenue]
    if (typeof value === 'number' && Number.isFinite(value)) revenue += value
  }
  return { conversions, revenue }
}

export interface GoalFigures {
  /** Events (or page views) that reached the goal. */
  conversions: number
  /** People with at least one conversion. */
  visitors: number
  /** Of all people with a visit: the share who converted (0-1); null without visitors. */
  conversionRate: number | null
  revenue: number
  /** Revenue per conversion; null without conversions. */
  averageOrderValue: number | null
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/** A goal's figures over visits. */
export const goalFigures = (visits: readonly Visit[], goal: Goal): GoalFigures => {
  const everyone = new Set<string>()
  const converted = new Set<string>()
  let conversions = 0
  let revenue = 0
  for (const v of visits) {
    everyone.add(v.person)
    const reached = reachedIn(v, goal)
    if (reached.conversions > 0) converted.add(v.person)
    conversions += reached.conversions
    revenue += reached.revenue
  }
  return {
    conversions,
    visitors: converted.size,
    conversionRate: everyone.size === 0 ? null : round(converted.size / everyone.size, 4),
    revenue: round(revenue, 2),
    averageOrderValue: conversions === 0 ? null : round(revenue / conversions, 2),
  }
}
