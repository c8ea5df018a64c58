// What every report route shares: the query string read by zod (`filter` may repeat), CSV answers,
// the site, the period in its time zone, visits read whole after the filters, and the echo of
// what was asked. One home, so each report's route file holds only its own question.
import type { Context } from 'hono'
import type { z } from 'zod'
import type { SiteConfig } from '../config/site-config.ts'
import { type CsvValue, csvOf } from '../csv.ts'
import { ApiError } from '../errors.ts'
import { segmentMembers } from '../personalization/evaluate.ts'
import { alignedToHours, seriesOfHours, totalsOfHours } from '../reports/hours.ts'
import { NONE, type Period, periodOf, type reportQuery } from '../reports/query.ts'
import { bucketsOf, type Interval, windowOf } from '../reports/time.ts'
import {
  type Filter,
  filterVisits,
  MIN_SEGMENT_PEOPLE,
  needsPages,
  type SeriesPoint,
  seriesOf,
  type Totals,
  totalsOf,
} from '../reports/traffic.ts'
import type { HitQuery } from '../reports/types.ts'
import { visitsOf } from '../reports/visits.ts'
import type { PeopleRouteDeps } from './deps.ts'

/** The query string as zod reads it: `filter` may repeat, everything else once. */
const queryOf = (c: Context) => {
  const query: Record<string, unknown> = { ...c.req.query() }
  query.filter = c.req.queries('filter') ?? []
  return query
}

/** Parses the query string (or, given, a body) with `schema`; refuses with `invalid_query`. */
export const parse = <T extends z.ZodType>(
  schema: T,
  c: Context,
  input: unknown = queryOf(c),
): z.infer<T> => {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.filter((p) => typeof p === 'string').join('.')
  throw new ApiError('invalid_query', `${path}: ${issue.message}`, path)
}

/** A CSV attachment named `<name>.csv`. */
export const csv = (c: Context, name: string, columns: readonly string[], rows: CsvValue[][]) =>
  c.body(csvOf(columns, rows), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${name}.csv"`,
  })

export interface ReportDeps extends PeopleRouteDeps {
  /** The most visits an unfiltered overview counts one by one (hours.ts, EXACT_VISITS). */
  exactVisits: number
  /** The most report rows a report reads at once (types.ts, REPORTS_MAX_ROWS). */
  maxRows: number
}

/** The shared steps of a report, bound to the collector's store, sites and identity resolver. */
export const reportKit = ({ store, sites, identity, now, exactVisits, maxRows }: ReportDeps) => {
  const siteOf = (id: string) => {
    const site = sites.byId(id)
    if (!site) throw new ApiError('site_not_found', `no site with id ${id}`)
    return site
  }
  const periodFor = (q: z.infer<typeof reportQuery>, site: SiteConfig, at: number): Period => {
    const period = periodOf(q, site.timezone, at)
    if ('problem' in period) throw new ApiError('invalid_query', period.problem, period.path)
    return period
  }
  /**
   * The rows of the sessions with a row in `window` (store.reportSessions), unless the window
   * holds more than `maxRows`: then `report_too_large`, before anything is read into memory.
   */
  const rowsIn = async (site: SiteConfig, window: { from: number; to: number }) => {
    if ((await store.reportRowsUpTo(site.id, window, maxRows + 1)) > maxRows)
      throw tooLarge(site, window, 'every event of its period')
    return store.reportSessions(site.id, window)
  }
  /**
   * The page views and events `hits` names in `window`, with their visits if asked for
   * (store.reportHits), unless there are more than `maxRows`: then `report_too_large`.
   */
  const hitsIn = async (
    site: SiteConfig,
    window: { from: number; to: number },
    hits: HitQuery,
    visits: boolean,
  ) => {
    const found = await store.reportHits(site.id, window, hits, { limit: maxRows + 1, visits })
    if (found.length > maxRows) throw tooLarge(site, window, 'the page views and events it names')
    return found
  }
  const tooLarge = (site: SiteConfig, window: { from: number; to: number }, what: string) =>
    new ApiError(
      'report_too_large',
      `this report reads ${what}, and site ${site.id} has more than ${maxRows.toLocaleString('en-US')} from ${new Date(window.from).toISOString()} to ${new Date(window.to).toISOString()}: choose a shorter period (PRECIS_REPORTS_MAX_ROWS sets the limit)`,
      'from',
    )
  /** Visits that start within the local dates, whole, after the filters. */
  const visitsIn = async (site: SiteConfig, from: string, to: string, filters: readonly Filter[]) => {
    const window = windowOf(from, to, site.timezone)
    const rows = await rowsIn(site, window)
    const visits = visitsOf(rows).filter((v) => v.start >= window.from && v.start < window.to)
    return filterVisits(visits, await checked(site, filters), site.goals)
  }
  /**
   * Summaries of the visits that start within the local dates, after the filters: a row per visit
   * from the store, unless a page or goal filter needs the visits' pages and events.
   */
  const summariesIn = async (site: SiteConfig, from: string, to: string, filters: readonly Filter[]) => {
    if (needsPages(filters)) return visitsIn(site, from, to, filters)
    const summaries = await store.reportVisits(site.id, windowOf(from, to, site.timezone))
    return filterVisits(summaries, await checked(site, filters), site.goals)
  }
  /**
   * The overview's totals and, given an interval, its series. A big period without filters adds
   * up the store's hours (visitors and devices then estimated: `estimated`); every other is
   * counted visit by visit. A zone whose offset is not whole hours always is.
   */
  const trafficIn = async (
    site: SiteConfig,
    from: string,
    to: string,
    filters: readonly Filter[],
    interval?: Interval,
  ): Promise<{ totals: Totals; series?: SeriesPoint[]; estimated: boolean }> => {
    const zone = site.timezone
    const buckets = interval && bucketsOf(from, to, interval, zone)
    const window = windowOf(from, to, zone)
    if (filters.length === 0 && alignedToHours(window)) {
      const hours = await store.reportHours(site.id, window)
      if (hours.reduce((n, h) => n + h.visits, 0) > exactVisits)
        return {
          totals: totalsOfHours(hours),
          ...(interval && buckets ? { series: seriesOfHours(hours, buckets, interval, zone) } : {}),
          estimated: true,
        }
    }
    const visits = await summariesIn(site, from, to, filters)
    return {
      totals: totalsOf(visits),
      ...(interval && buckets ? { series: seriesOf(visits, buckets, interval, zone) } : {}),
      estimated: false,
    }
  }
  const goalOf = (site: SiteConfig, key: string) => {
    const goal = site.goals[key]
    if (!goal) throw new ApiError('goal_not_found', `site ${site.id} has no goal ${key}`, 'goal')
    return goal
  }
  /**
   * The filters, once every goal and segment they name is known to be the site's; a segment
   * filter carries the people in the segment now. Finding them is a scan of every profile
   * (personalization/evaluate.ts), so it happens once per filter list: a report that reads two
   * periods with the same list reuses it.
   */
  const checked = (site: SiteConfig, filters: readonly Filter[]) => {
    let done = resolved.get(filters)
    if (!done) {
      done = resolve(site, filters)
      resolved.set(filters, done)
    }
    return done
  }
  const resolved = new WeakMap<readonly Filter[], Promise<readonly Filter[]>>()
  const resolve = async (site: SiteConfig, filters: readonly Filter[]): Promise<readonly Filter[]> => {
    for (const f of filters) {
      if (f.dimension === 'goal') goalOf(site, f.value ?? NONE)
      if (f.dimension === 'segment' && !site.personalization.segments[f.value ?? NONE])
        throw new ApiError('segment_not_found', `site ${site.id} has no segment ${f.value}`, 'filter')
    }
    if (!filters.some((f) => f.dimension === 'segment')) return filters
    await identity.catchUp()
    const at = now()
    const open = (traits: Record<string, unknown>) => store.revealTraits(site.id, traits, identity.rules)
    return Promise.all(
      filters.map(async (f) => {
        if (f.dimension !== 'segment') return f
        const people = await segmentMembers(store, site.id, site.personalization, f.value!, at, { open })
        if (people.size < MIN_SEGMENT_PEOPLE)
          throw new ApiError(
            'segment_too_small',
            `segment ${f.value} has fewer than ${MIN_SEGMENT_PEOPLE} people now: reports never show one person's visits`,
            'filter',
          )
        return { ...f, people }
      }),
    )
  }
  /** Identity resolution and report rows caught up with everything stored so far. */
  const upToDate = async () => {
    await identity.catchUp()
    await store.syncReports()
  }
  const echo = (site: SiteConfig, period: Period, filters: readonly Filter[]) => ({
    site: site.id,
    timezone: site.timezone,
    from: period.from,
    to: period.to,
    interval: period.interval,
    filter: filters.map((f) => `${f.dimension}:${f.value ?? NONE}`),
  })
  return {
    store,
    siteOf,
    periodFor,
    rowsIn,
    hitsIn,
    visitsIn,
    summariesIn,
    trafficIn,
    goalOf,
    checked,
    upToDate,
    echo,
  }
}

export type ReportKit = ReturnType<typeof reportKit>
