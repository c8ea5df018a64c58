// Traffic reports from visits (visits.ts): the overview with its time series, and breakdowns by
// one dimension. A visit counts in the period it starts in, with all its page views (a visit
// across midnight belongs to the day it began); visitors are distinct people after identity
// resolution, devices distinct anonymous ids. Pure: the routes pass visits in.
import { type Goal, pageMatches } from '../../sdk/rules/goal-schema.ts'
import { goalFigures, reachedIn } from './goals.ts'
import { bucketOf, type Interval } from './time.ts'
import type { Counts } from './types.ts'
import type { Visit, VisitSummary } from './visits.ts'

export const DIMENSIONS = [
  'page',
  'entry_page',
  'exit_page',
  'referrer',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'os',
  'device',
  'country',
  'region',
] as const

export type Dimension = (typeof DIMENSIONS)[number]

/** A visit's value of a visit-level dimension (every dimension but `page`). */
export type VisitDimension = Exclude<Dimension, 'page'>

const VISIT_VALUE: Record<VisitDimension, (v: VisitSummary) => string | null> = {
  entry_page: (v) => v.entry,
  exit_page: (v) => v.exit,
  referrer: (v) => v.referrer,
  channel: (v) => v.channel,
  utm_source: (v) => v.source,
  utm_medium: (v) => v.medium,
  utm_campaign: (v) => v.campaign,
  utm_term: (v) => v.term,
  utm_content: (v) => v.content,
  browser: (v) => v.browser,
  os: (v) => v.os,
  device: (v) => v.deviceType,
  country: (v) => v.country,
  region: (v) => v.region,
}

/**
 * `dimension` equals `value`; `null` matches visits without one. Pages: `*` is any characters.
 * `goal`: the visit reached the site goal named by `value`. `segment`: the visit's person is in
 * the segment `value` now; `people` are its members, found by the route (no people: no visit).
 */
/**
 * The fewest people a segment filter may name: a segment of one (a rule on a user id or an email
 * trait) would show that person's visits, and reports never show one person.
 */
export const MIN_SEGMENT_PEOPLE = 5

export interface Filter {
  dimension: Dimension | 'goal' | 'segment'
  value: string | null
  people?: ReadonlySet<string>
}

/** Page and goal filters look into a visit's pages and events: a summary cannot answer them. */
export const needsPages = (filters: readonly Filter[]) =>
  filters.some((f) => f.dimension === 'page' || f.dimension === 'goal')

const matches = (v: VisitSummary, f: Filter, goals: Readonly<Record<string, Goal>>) => {
  if (f.dimension === 'page' || f.dimension === 'goal') {
    if (!('pages' in v)) throw new Error(`a ${f.dimension} filter needs whole visits`)
    const visit = v as Visit
    if (f.dimension === 'page') return f.value !== null && visit.pages.some((p) => pageMatches(f.value!, p))
    const goal = f.value === null ? undefined : goals[f.value]
    return goal !== undefined && reachedIn(visit, goal).conversions > 0
  }
  if (f.dimension === 'segment') return f.people?.has(v.person) ?? false
  return VISIT_VALUE[f.dimension](v) === f.value
}

/**
 * The visits every filter keeps (a page filter keeps visits that viewed a matching page, a goal
 * filter those that reached the goal; `goals` are the site's). Summaries take no page or goal
 * filter (`needsPages`).
 */
export const filterVisits = <V extends VisitSummary>(
  visits: readonly V[],
  filters: readonly Filter[],
  goals: Readonly<Record<string, Goal>> = {},
): V[] =>
  filters.length === 0 ? [...visits] : visits.filter((v) => filters.every((f) => matches(v, f, goals)))

/**
 * Whether a hit's visit (the store's reportHits) passes the filters, judged once per visit. Without
 * filters every hit passes; with some, the hits must have been read with their visits, and only
 * filters a summary answers apply (`needsPages`).
 */
export const hitFilter = (filters: readonly Filter[], goals: Readonly<Record<string, Goal>> = {}) => {
  if (filters.length === 0) return (_: { visit?: VisitSummary }) => true
  const kept = new Map<VisitSummary, boolean>()
  return ({ visit }: { visit?: VisitSummary }) => {
    if (!visit) throw new Error('filters need the hits read with their visits')
    let keep = kept.get(visit)
    if (keep === undefined) {
      keep = filterVisits([visit], filters, goals).length > 0
      kept.set(visit, keep)
    }
    return keep
  }
}

export interface Totals {
  visitors: number
  devices: number
  visits: number
  pageviews: number
  viewsPerVisit: number | null
  /** Visits with one page view, of all visits (0-1). */
  bounceRate: number | null
  /** Mean seconds from a visit's first event to its last. */
  visitDuration: number | null
  /** Mean seconds engaged per visit (the page was visible and in use). */
  engagedTime: number | null
  /** Mean scroll depth reached per page view that reported one (0-100). */
  scrollDepth: number | null
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b)
const round = (n: number | null, digits = 4) =>
  n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits

export const totalsFrom = (c: Counts): Totals => ({
  visitors: c.visitors,
  devices: c.devices,
  visits: c.visits,
  pageviews: c.pageviews,
  viewsPerVisit: round(ratio(c.pageviews, c.visits)),
  bounceRate: round(ratio(c.bounces, c.visits)),
  visitDuration: round(ratio(c.duration, c.visits), 1),
  engagedTime: round(ratio(c.engaged, c.visits), 1),
  scrollDepth: round(ratio(c.scrollSum, c.scrollCount), 1),
})

/** The sums of the visits (the distinct counts are the caller's). */
export const sumsOf = (visits: readonly VisitSummary[]): Omit<Counts, 'visitors' | 'devices'> => {
  const sums = {
    visits: visits.length,
    pageviews: 0,
    bounces: 0,
    duration: 0,
    engaged: 0,
    scrollSum: 0,
    scrollCount: 0,
  }
  for (const v of visits) {
    sums.pageviews += v.pageviews
    if (v.pageviews === 1) sums.bounces++
    sums.duration += (v.end - v.start) / 1000
    sums.engaged += v.engaged
    sums.scrollSum += v.scrollSum
    sums.scrollCount += v.scrollCount
  }
  return sums
}

export const totalsOf = (visits: readonly VisitSummary[]): Totals =>
  totalsFrom({
    ...sumsOf(visits),
    visitors: new Set(visits.map((v) => v.person)).size,
    devices: new Set(visits.map((v) => v.device)).size,
  })

export interface SeriesPoint {
  /** The bucket's label in the site's time zone: 2026-03-29T14:00, 2026-03-29, 2026-03 (weeks: their Monday). */
  bucket: string
  visitors: number
  visits: number
  pageviews: number
}

/**
 * One point per bucket label, in order, zeros included, so a chart's axis is the period's: the
 * items (visits, or hours of them) grouped by the bucket they start in, each group counted.
 */
export const seriesBy = <T>(
  items: readonly T[],
  startOf: (item: T) => number,
  count: (group: T[]) => Pick<Counts, 'visitors' | 'visits' | 'pageviews'>,
  buckets: readonly string[],
  interval: Interval,
  zone: string,
): SeriesPoint[] => {
  const groups = new Map<string, T[]>(buckets.map((b) => [b, []]))
  for (const item of items) groups.get(bucketOf(startOf(item), interval, zone))?.push(item)
  return buckets.map((bucket) => {
    const { visitors, visits, pageviews } = count(groups.get(bucket)!)
    return { bucket, visitors, visits, pageviews }
  })
}

export const seriesOf = (
  visits: readonly VisitSummary[],
  buckets: readonly string[],
  interval: Interval,
  zone: string,
): SeriesPoint[] => seriesBy(visits, (v) => v.start, totalsOf, buckets, interval, zone)

export interface BreakdownRow {
  /** The dimension's value; null: visits without one (direct traffic has no referrer). */
  value: string | null
  visitors: number
  visits: number
  pageviews: number
  bounceRate: number | null
  visitDuration: number | null
  /** With a goal: its conversions, the share of the row's visitors who converted, and revenue. */
  conversions?: number
  conversionRate?: number | null
  revenue?: number
}

/**
 * Rows by visitors, then visits, then value. `page`: each path's visitors and visits are those
 * that viewed it, its page views those of that path. A visit-level dimension without a goal takes
 * summaries; `page` and a goal need whole visits.
 */
export function breakdownOf(visits: readonly VisitSummary[], dimension: VisitDimension): BreakdownRow[]
export function breakdownOf(visits: readonly Visit[], dimension: Dimension, goal?: Goal): BreakdownRow[]
export function breakdownOf(
  visits: readonly (Visit | VisitSummary)[],
  dimension: Dimension,
  goal?: Goal,
): BreakdownRow[] {
  const groups = new Map<string | null, (Visit | VisitSummary)[]>()
  const views = new Map<string | null, number>()
  const add = (value: string | null, v: Visit | VisitSummary, n: number) => {
    const list = groups.get(value)
    if (!list) groups.set(value, [v])
    else if (list[list.length - 1] !== v) list.push(v)
    views.set(value, (views.get(value) ?? 0) + n)
  }
  for (const v of visits) {
    if (dimension === 'page') for (const p of (v as Visit).pages) add(p, v, 1)
    else add(VISIT_VALUE[dimension](v), v, v.pageviews)
  }
  return [...groups]
    .map(([value, list]) => {
      const t = totalsOf(list)
      const row: BreakdownRow = {
        value,
        visitors: t.visitors,
        visits: t.visits,
        pageviews: views.get(value)!,
        bounceRate: t.bounceRate,
        visitDuration: t.visitDuration,
      }
      if (!goal) return row
      const g = goalFigures(list as Visit[], goal)
      return { ...row, conversions: g.conversions, conversionRate: g.conversionRate, revenue: g.revenue }
    })
    .sort(
      (a, b) =>
        b.visitors - a.visitors ||
        b.visits - a.visits ||
        String(a.value ?? '').localeCompare(String(b.value ?? '')),
    )
}
