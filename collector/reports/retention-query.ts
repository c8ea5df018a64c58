// The retention report's question, from report rows to retention()'s people and back to dates.
// Pure: the route reads the rows (every row the store holds for the site, up to the report's end)
// and passes the clock's answer in.
//
// Definitions (docs/api.md#retention):
// - A person is a profile after identity resolution, across all their devices.
// - Their first visit is the earliest visit (a session with a page view) the rows hold; the route
//   reads everything the store keeps (the site's retention period), so someone who came before
//   `from` is not new in the period, however long ago they came.
// - Filters select people by that first visit (how they were acquired: channel, campaign, landing
//   page, device, …); their returns are then counted whatever the later visits were.
// - A return is the start of any visit of theirs (the first visit included, so period 0 is 100 %),
//   or, with a goal, each page view or event in one of their visits that reaches the goal.
import { z } from 'zod'
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { denseIds } from './dense-ids.ts'
import { hitOf, reaches } from './goals.ts'
import { type CohortBy, periodStart, periodsIn } from './periods.ts'
import { reportQuery } from './query.ts'
import {
  type CurvePoint,
  type Retention,
  type RetentionCell,
  type RetentionPerson,
  retention,
  retentionTally,
} from './retention.ts'
import { type Filter, filterVisits } from './traffic.ts'
import type { ReportRow, VisitStart, VisitSummary } from './types.ts'
import { sessionKey, visitsOf } from './visits.ts'

/** The query string: the reports' own (no interval or comparison) and the cohorts'. */
export const retentionQuery = reportQuery.omit({ interval: true, compare: true }).extend({
  /** Cohorts and periods: local days or ISO weeks (Monday first). */
  by: z.enum(['day', 'week']).default('week'),
  /** Periods followed after the first (period 0). */
  periods: z.coerce.number().int().min(1).max(52).default(12),
  /** A site goal: a return is a page view or event reaching it; default: any visit. */
  return: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a goal key of the site')
    .optional(),
})

/** The CSV: one row per cohort and complete period. */
export const RETENTION_CSV_COLUMNS = ['cohort', 'cohort_people', 'period', 'people', 'rate'] as const

export interface RetentionQuestion {
  filters: readonly Filter[]
  /** The site's goals, for `goal:` filters. */
  goals: Readonly<Record<string, Goal>>
  /** Counts returns reaching this goal only; undefined: any visit. */
  goal?: Goal
  by: CohortBy
  zone: string
  /** The report's first instant (inclusive) and its end (exclusive: the end of `to`, or now). */
  start: number
  end: number
  periods: number
}

/** One row of the triangle, named by the local date its period starts. */
export interface CohortRow {
  /** The first local day of the cohort's period (for a week, its Monday). */
  cohort: string
  people: number
  periods: RetentionCell[]
}

export interface RetentionAnswer {
  /** People in all cohorts. */
  people: number
  cohorts: CohortRow[]
  curve: CurvePoint[]
}

/**
 * Each person with their first visit and returns (`hits`: a goal's, by person; else visit starts),
 * when `keep` keeps their first visit.
 */
const peopleOf = <V extends VisitStart>(
  visits: readonly V[],
  keep: (first: V) => boolean,
  hits?: ReadonlyMap<string, number[]>,
): RetentionPerson[] => {
  const byPerson = new Map<string, V[]>()
  for (const visit of visits) {
    const list = byPerson.get(visit.person)
    if (list) list.push(visit)
    else byPerson.set(visit.person, [visit])
  }
  const people: RetentionPerson[] = []
  for (const [person, list] of byPerson) {
    const first = list.reduce((a, b) => (b.start < a.start ? b : a))
    if (!keep(first)) continue
    people.push({
      firstAt: first.start,
      returnAts: hits ? (hits.get(person) ?? []) : list.map((v) => v.start),
    })
  }
  return people
}

/** Whether a person's first visit passes the filters. */
const passes =
  (q: Pick<RetentionQuestion, 'filters' | 'goals'>) =>
  (first: VisitSummary): boolean =>
    filterVisits([first], q.filters, q.goals).length > 0

/** A goal's hits in sessions that are visits (as in the goals report), by person. */
const goalHits = (rows: readonly ReportRow[], goal: Goal) => {
  const hits = new Map<string, number[]>()
  const inVisit = new Set(rows.filter((r) => r.kind === 'page').map(sessionKey))
  for (const row of rows) {
    const hit = hitOf(row)
    if (!hit || !inVisit.has(sessionKey(row)) || reaches(goal, hit) === null) continue
    const list = hits.get(row.person)
    if (list) list.push(row.at)
    else hits.set(row.person, [row.at])
  }
  return hits
}

/** Each person with their first visit and returns, kept when that first visit passes the filters. */
export const retentionPeople = (
  rows: readonly ReportRow[],
  q: Pick<RetentionQuestion, 'filters' | 'goals' | 'goal'>,
): RetentionPerson[] => peopleOf(visitsOf(rows), passes(q), q.goal && goalHits(rows, q.goal))

const optionsOf = (q: Pick<RetentionQuestion, 'zone' | 'by' | 'start' | 'end' | 'periods'>) => ({
  periodOf: periodsIn(q.zone, q.by),
  start: q.start,
  end: q.end,
  periods: q.periods,
})

const answerOf = (report: Retention, by: CohortBy): RetentionAnswer => ({
  people: report.cohorts.reduce((n, c) => n + c.people, 0),
  cohorts: report.cohorts.map((c) => ({ ...c, cohort: periodStart(c.cohort, by) })),
  curve: report.curve,
})

const reportOf = (people: RetentionPerson[], q: RetentionQuestion): RetentionAnswer =>
  answerOf(retention(people, optionsOf(q)), q.by)

/** The triangle and the curve, cohorts named by their first local day. */
export const retentionReport = (rows: readonly ReportRow[], q: RetentionQuestion): RetentionAnswer =>
  reportOf(retentionPeople(rows, q), q)

/**
 * The same from visit summaries (a row per visit, not every row): for a question without a goal
 * and without page or goal filters (`needsPages`), which is all such a question reads.
 */
export const retentionReportOfVisits = (
  visits: readonly VisitSummary[],
  q: Omit<RetentionQuestion, 'goal'>,
): RetentionAnswer => reportOf(peopleOf(visits, passes(q)), q)

/**
 * Visits' people and starts, folded as the store reads them (`reportVisitStarts`) for a question
 * without filters: a person's index, their first start and every start in typed arrays, so the
 * millions of visits of a busy site make no object each (at 10,000,000 events the objects and
 * their garbage cost more than reading the visits).
 */
export const visitStartsFold = () => {
  const index = denseIds()
  let owners = new Int32Array(1 << 12)
  let starts = new Float64Array(1 << 12)
  let firsts = new Float64Array(1 << 12)
  let visits = 0
  const grown = <A extends Int32Array | Float64Array>(array: A, length: number): A => {
    if (length <= array.length) return array
    const bigger = new (array.constructor as new (n: number) => A)(array.length * 2)
    bigger.set(array)
    return bigger
  }
  // SQLite reads a device's visits together: its person is looked up once, not once a visit.
  let lastPerson: string | undefined
  let last = -1
  const add = (person: string, start: number) => {
    const known = index.size
    const p = person === lastPerson ? last : index.numberOf(person)
    if (p === known) {
      firsts = grown(firsts, p + 1)
      firsts[p] = start
    } else if (start < firsts[p]!) firsts[p] = start
    lastPerson = person
    last = p
    owners = grown(owners, visits + 1)
    starts = grown(starts, visits + 1)
    owners[visits] = p
    starts[visits++] = start
  }
  /** The triangle and the curve of everyone added (filters do not apply: there are none). */
  const report = (q: Omit<RetentionQuestion, 'goal' | 'filters' | 'goals'>): RetentionAnswer => {
    const people = index.size
    // Each person's starts side by side (a counting sort by person): person p's are [at[p], at[p+1]).
    const at = new Int32Array(people + 1)
    for (let v = 0; v < visits; v++) at[owners[v]! + 1]!++
    for (let p = 0; p < people; p++) at[p + 1]! += at[p]!
    const next = at.slice(0, people)
    const byPerson = new Float64Array(visits)
    for (let v = 0; v < visits; v++) byPerson[next[owners[v]!]!++] = starts[v]!
    const tally = retentionTally(optionsOf(q))
    for (let p = 0; p < people; p++) tally.add(firsts[p]!, byPerson, at[p]!, at[p + 1]!)
    return answerOf(tally.result(), q.by)
  }
  return { add, report }
}
