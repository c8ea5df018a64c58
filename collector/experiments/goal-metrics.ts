// Experiment metrics that count a site goal the stores' SQL cannot: a page goal (a path pattern) or
// an event goal with `where` (a condition on its properties). Pure: the experiment's people (by
// their first exposure) and the report rows of their period in, the same MetricRow and CovariateRow
// the stores' SQL gives for an event metric out, so results, CUPED and capping treat both alike.
// What counts is what the reports count (reports/goals.ts `reaches`): browser events that are not
// bots, each by its device's person.
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { hitOf, reaches } from '../reports/goals.ts'
import type { ReportRow } from '../reports/types.ts'
import { addPerson, NO_SUMS } from './cuped.ts'
import {
  type CovariateRow,
  type ExposedPerson,
  type MetricRow,
  type MetricSource,
  PRE_EXPOSURE_WINDOW_MS,
} from './types.ts'

const HOUR = 3_600_000

/** A page view or event reaching a goal: whose, when, and its value (revenue, else 0). */
export interface GoalHit {
  person: string
  at: number
  value: number
}

/** The rows that reach `goal`, as hits. */
export const goalHitsOf = (rows: readonly ReportRow[], goal: Goal): GoalHit[] => {
  const hits: GoalHit[] = []
  for (const row of rows) {
    const hit = hitOf(row)
    const value = hit && reaches(goal, hit)
    if (value !== undefined && value !== null) hits.push({ person: row.person, at: row.at, value })
  }
  return hits
}

/**
 * The nearest-rank cap at `percentile` of the values > 0 (the ⌈p · n⌉-th smallest, as the stores'
 * reads), null when none is > 0.
 */
export const capOf = (values: Iterable<number>, percentile: number): number | null => {
  const positive = [...values].filter((v) => v > 0).sort((a, b) => a - b)
  return positive.length === 0 ? null : positive[Math.ceil(percentile * positive.length) - 1]!
}

/** Byte order for the keys variations have (ASCII), as the stores sort them. */
const byVariation = (a: { variation: string }, b: { variation: string }) =>
  a.variation < b.variation ? -1 : a.variation > b.variation ? 1 : 0

interface Person {
  variation: string
  firstAt: number
  /** Hour of the first hit after the first exposure; null without one. */
  hour: number | null
  post: number
  /** Whether a hit fell in the window before the first exposure, and the value of those. */
  hasPre: boolean
  pre: number
}

/**
 * A goal metric's rows (experimentMetric's) and CUPED's sums (experimentCovariates'), from the
 * people of the experiment and the hits of its goal. A person's value is 1 for a conversion
 * (`property` ''), else the sum of their hits' values; hits count strictly after the first
 * exposure, and in the PRE_EXPOSURE_WINDOW_MS before it for the pre value.
 */
export const goalMetric = (
  people: readonly ExposedPerson[],
  hits: readonly GoalHit[],
  source: Pick<MetricSource, 'property' | 'cap'>,
): { metric: MetricRow[]; covariates: CovariateRow[] } => {
  const conversion = source.property === ''
  const byPerson = new Map<string, Person>()
  for (const p of people) byPerson.set(p.person, { ...p, hour: null, post: 0, hasPre: false, pre: 0 })
  for (const hit of hits) {
    const p = byPerson.get(hit.person)
    if (!p) continue
    if (hit.at > p.firstAt) {
      const hour = Math.floor(hit.at / HOUR)
      p.hour = p.hour === null ? hour : Math.min(p.hour, hour)
      p.post += hit.value
    } else if (hit.at < p.firstAt && hit.at >= p.firstAt - PRE_EXPOSURE_WINDOW_MS) {
      p.hasPre = true
      p.pre += hit.value
    }
  }
  const all = [...byPerson.values()]
  const post = (p: Person) => (p.hour === null ? 0 : conversion ? 1 : p.post)
  const pre = (p: Person) => (!p.hasPre ? 0 : conversion ? 1 : p.pre)
  const capped = source.cap !== undefined && !conversion
  const cap = capped ? capOf(all.filter((p) => p.hour !== null).map(post), source.cap!) : null
  const limit = (v: number) => (cap === null ? v : Math.min(v, cap))

  const metric = new Map<string, MetricRow>()
  const covariates = new Map<string, CovariateRow>()
  for (const p of all) {
    const y = limit(post(p))
    const x = limit(pre(p))
    const c = covariates.get(p.variation) ?? { variation: p.variation, ...NO_SUMS }
    addPerson(c, x, y)
    covariates.set(p.variation, c)
    if (p.hour === null) continue
    const key = `${p.variation}\n${p.hour}`
    const m = metric.get(key) ?? {
      variation: p.variation,
      day: Math.floor(p.hour / 24),
      hour: p.hour,
      users: 0,
      sum: 0,
      sumSquares: 0,
      ...(capped ? { cap } : {}),
    }
    m.users++
    m.sum += y
    m.sumSquares += y * y
    metric.set(key, m)
  }
  return {
    metric: [...metric.values()].sort((a, b) => byVariation(a, b) || a.hour - b.hour),
    covariates: [...covariates.values()].sort(byVariation),
  }
}
