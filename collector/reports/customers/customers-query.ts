// The customers report's question and its reading of report rows: the site, a goal with a revenue
// property (its events are the orders), the history read (local dates, at most MAX_DAYS, so a
// report reads a bounded number of rows), the CLV horizon and discount. Rows → one history per
// person (across devices, after identity resolution); no person's id leaves in an answer.
import { z } from 'zod'
import type { Goal } from '../../../sdk/rules/goal-schema.ts'
import { reaches } from '../goals.ts'
import { MAX_DAYS } from '../query.ts'
import { addDays, daysBetween, parseDate } from '../time.ts'
import type { ReportRow } from '../types.ts'
import type { CustomerHistory } from './customers-report.ts'

const date = z.string().refine((d) => parseDate(d) !== undefined, 'must be a date YYYY-MM-DD')

export const customersQuery = z.object({
  site: z.string().min(1, 'is required').max(64),
  /** The goal whose events are orders; it must name a revenue property. */
  goal: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a goal key of the site'),
  /** First local date of the history read; default: MAX_DAYS − 1 days before `to`. */
  from: date.optional(),
  /** The report date: last local date read (included); default: today in the site's time zone. */
  to: date.optional(),
  /** Predicted CLV over this many months ahead. */
  horizon: z.coerce.number().int().min(1).max(36).default(12),
  /** Discount rate per month for the predicted CLV. */
  discount: z.coerce.number().min(0).max(0.2).default(0.01),
  /** Which table a CSV holds. */
  table: z.enum(['segments', 'clusters', 'cohorts']).default('segments'),
  format: z.enum(['json', 'csv']).default('json'),
})

export type CustomersQuery = z.infer<typeof customersQuery>

/** The dates read, or the reason they cannot be. `today` is the local date now. */
export const historyOf = (
  q: Pick<CustomersQuery, 'from' | 'to'>,
  today: string,
): { problem: string; path: string } | { from: string; to: string; days: number } => {
  const to = q.to ?? today
  const from = q.from ?? addDays(to, -(MAX_DAYS - 1))
  const days = daysBetween(from, to) + 1
  if (days < 1) return { problem: 'from: must not be after to', path: 'from' }
  if (days > MAX_DAYS) return { problem: `from: the history read is at most ${MAX_DAYS} days`, path: 'from' }
  return { from, to, days }
}

/** Whether a goal can value orders: an event goal with a revenue property. */
export const revenueGoal = (goal: Goal) => goal.event !== undefined && goal.revenue !== undefined

/**
 * One history per person: their orders (events reaching the goal at or after window.from and
 * before window.to, with the revenue `reaches` finds, 0 when missing) and their page views in the
 * window. People without an order are left out: they are not customers. Rows may hold whole
 * sessions crossing the window's edges; only what lies inside counts.
 */
export const historiesOf = (
  rows: readonly ReportRow[],
  goal: Goal,
  window: { from: number; to: number },
): CustomerHistory[] => [...historiesByPerson(rows, goal, window).values()]

/** historiesOf by person: what a test holds a person's segments against. */
export const historiesByPerson = (
  rows: readonly ReportRow[],
  goal: Goal,
  window: { from: number; to: number },
): Map<string, CustomerHistory> => {
  const people = new Map<string, CustomerHistory>()
  const of = (person: string) => {
    let h = people.get(person)
    if (!h) {
      h = { orders: [], pageviews: 0 }
      people.set(person, h)
    }
    return h
  }
  for (const row of rows) {
    if (row.kind !== 'event' || row.name === null || row.at < window.from || row.at >= window.to) continue
    const revenue = reaches(goal, { kind: 'event', name: row.name, props: row.props })
    if (revenue !== null) of(row.person).orders.push({ at: row.at, revenue })
  }
  for (const row of rows) {
    const h = row.kind === 'page' && row.at >= window.from && row.at < window.to && people.get(row.person)
    if (h) h.pageviews += 1
  }
  for (const h of people.values()) h.orders.sort((a, b) => a.at - b.at || a.revenue - b.revenue)
  return people
}
