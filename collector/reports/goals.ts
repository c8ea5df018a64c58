// Goals in reports: what a visit reached. A goal (sdk/rules/goal-schema.ts) is a track event,
// optionally with a condition on its properties (GrowthBook's syntax, as everywhere) and a revenue
// property, or a page path pattern. Pure: visits in (visits.ts), figures out.
import { evalCondition } from '../../sdk/rules/conditions.ts'
import { type Goal, pageMatches } from '../../sdk/rules/goal-schema.ts'
import type { HitQuery, ReportRow } from './types.ts'
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

/** A page view or a track event, as a goal (or a funnel step) looks at it. */
export type Hit = { kind: 'page'; path: string } | { kind: 'event'; name: string; props: string | null }

/** A report row as a hit: page views and named track events; engagement figures are none. */
export const hitOf = (row: Pick<ReportRow, 'kind' | 'path' | 'name' | 'props'>): Hit | undefined =>
  row.kind === 'page'
    ? { kind: 'page', path: row.path ?? '/' }
    : row.kind === 'event' && row.name !== null
      ? { kind: 'event', name: row.name, props: row.props }
      : undefined

/** The rows a store's `reportHits` reads for these goals (or funnel steps): their pages and events. */
export const hitQueryOf = (goals: readonly Pick<Goal, 'event' | 'page'>[]): HitQuery => ({
  pages: [...new Set(goals.flatMap((g) => (g.page === undefined ? [] : [g.page])))],
  events: [...new Set(goals.flatMap((g) => (g.event === undefined ? [] : [g.event])))],
})

/**
 * Whether one page view or event reaches a goal: null when it does not, else the revenue it brings
 * (0 without a revenue property or when it is not a finite number). An event whose properties
 * were over the stored cap matches only a goal without a condition, and brings no revenue.
 */
export const reaches = (goal: Goal, hit: Hit): number | null => {
  if (goal.page !== undefined) return hit.kind === 'page' && pageMatches(goal.page, hit.path) ? 0 : null
  if (hit.kind !== 'event' || hit.name !== goal.event) return null
  const props = goal.where !== undefined || goal.revenue !== undefined ? propsOf(hit.props) : undefined
  if (goal.where !== undefined && (props === undefined || !evalCondition(props, goal.where))) return null
  const value = goal.revenue === undefined ? undefined : props?.[goal.revenue]
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/** What one visit reached of a goal. */
export const reachedIn = (visit: Visit, goal: Goal): Reached => {
  let conversions = 0
  let revenue = 0
  const hits: Hit[] =
    goal.page !== undefined
      ? visit.pages.map((path) => ({ kind: 'page', path }))
      : visit.events.map((e) => ({ kind: 'event', name: e.name, props: e.props }))
  for (const hit of hits) {
    const value = reaches(goal, hit)
    if (value === null) continue
    conversions++
    revenue += value
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
