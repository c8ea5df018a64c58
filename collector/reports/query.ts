// The reports' query string: the site, local dates (inclusive, in the site's time zone), the
// interval of a series, filters and the comparison period. zod, so the OpenAPI document and the
// refusals come from one place.
import { z } from 'zod'
import { addDays, dateOf, daysBetween, type Interval, parseDate } from './time.ts'
import { DIMENSIONS, type Filter } from './traffic.ts'

/** The longest period a report covers, and the most buckets a series has. */
export const MAX_DAYS = 731
const MAX_BUCKETS = 800
/** A filter's value meaning "visits without one" (direct traffic has no referrer). */
export const NONE = '(none)'

/**
 * What a filter may name: a dimension, `goal` (visits that reached that site goal) or `segment`
 * (visits of people in that segment now).
 */
const FILTERS = [...DIMENSIONS, 'goal', 'segment'] as const

const date = z.string().refine((d) => parseDate(d) !== undefined, 'must be a date YYYY-MM-DD')

const filter = z.string().transform((raw, ctx): Filter => {
  const at = raw.indexOf(':')
  const dimension = raw.slice(0, at) as Filter['dimension']
  if (at < 1 || !(FILTERS as readonly string[]).includes(dimension)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be dimension:value, dimension one of ${FILTERS.join(', ')}`,
    })
    return z.NEVER
  }
  const value = raw.slice(at + 1)
  // A page pattern becomes a regular expression: few wildcards keep its matching linear enough.
  if (value.length > 200 || (dimension === 'page' && value.split('*').length > 4)) {
    ctx.addIssue({
      code: 'custom',
      message: 'a value is at most 200 characters, a page pattern has at most 3 "*"',
    })
    return z.NEVER
  }
  return { dimension, value: value === NONE ? null : value }
})

export const reportQuery = z.object({
  site: z.string().min(1, 'is required').max(64),
  /** First local date of the period; default: 29 days before `to`. */
  from: date.optional(),
  /** Last local date of the period (included); default: today in the site's time zone. */
  to: date.optional(),
  /** Default: hours for one day, days up to 92 days, weeks up to a year, then months. */
  interval: z.enum(['hour', 'day', 'week', 'month']).optional(),
  /** `dimension:value`, repeated: a visit must match all. `(none)` matches visits without a value. */
  filter: z.array(filter).max(10).default([]),
  /** `previous`: the same figures for the period of the same length just before. */
  compare: z.enum(['previous']).optional(),
  format: z.enum(['json', 'csv']).default('json'),
})

const goalKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a goal key of the site')

/** Goals: every goal of the site, or the one named. */
export const goalsQuery = reportQuery.extend({ goal: goalKey.optional() })

export const breakdownQuery = reportQuery.extend({
  dimension: z.enum(DIMENSIONS),
  /** Adds each row's conversions, conversion rate and revenue for this goal of the site. */
  goal: goalKey.optional(),
  /** Rows answered, most visitors first. */
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export type ReportQuery = z.infer<typeof reportQuery>

export interface Period {
  from: string
  to: string
  interval: Interval
  /** The period before, of the same number of days. */
  previous: { from: string; to: string }
}

const defaultInterval = (days: number): Interval =>
  days <= 1 ? 'hour' : days <= 92 ? 'day' : days <= 366 ? 'week' : 'month'

/** The period a query names, or the reason it cannot be reported. */
export const periodOf = (q: Pick<ReportQuery, 'from' | 'to' | 'interval'>, zone: string, now: number) => {
  const to = q.to ?? dateOf(now, zone)
  const from = q.from ?? addDays(to, -29)
  const days = daysBetween(from, to) + 1
  if (days < 1) return { problem: 'from: must not be after to', path: 'from' } as const
  if (days > MAX_DAYS) return { problem: `to: a period is at most ${MAX_DAYS} days`, path: 'to' } as const
  const interval = q.interval ?? defaultInterval(days)
  const buckets =
    interval === 'hour' ? days * 24 : interval === 'day' ? days : interval === 'week' ? days / 7 : 0
  if (buckets > MAX_BUCKETS)
    return {
      problem: `interval: ${interval} makes more than ${MAX_BUCKETS} points; choose a longer one`,
      path: 'interval',
    } as const
  const period: Period = {
    from,
    to,
    interval,
    previous: { from: addDays(from, -days), to: addDays(from, -1) },
  }
  return period
}
