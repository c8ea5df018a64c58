import type { Context } from 'hono'
import { Hono } from 'hono'
import type { z } from 'zod'
import type { SiteConfig } from '../config/site-config.ts'
import { type CsvValue, csvOf } from '../csv.ts'
import { ApiError } from '../errors.ts'
import { goalFigures } from '../reports/goals.ts'
import { breakdownQuery, goalsQuery, NONE, type Period, periodOf, reportQuery } from '../reports/query.ts'
import { bucketsOf, windowOf } from '../reports/time.ts'
import { breakdownOf, type Filter, filterVisits, seriesOf, totalsOf } from '../reports/traffic.ts'
import { visitsOf } from '../reports/visits.ts'
import type { PeopleRouteDeps } from './deps.ts'

/** "Now" in a report: visitors with a page view or engagement in the last 30 minutes. */
const REALTIME_MS = 30 * 60_000

/** The query string as zod reads it: `filter` may repeat, everything else once. */
const queryOf = (c: Context) => {
  const query: Record<string, unknown> = { ...c.req.query() }
  query.filter = c.req.queries('filter') ?? []
  return query
}

const parse = <T extends z.ZodType>(schema: T, c: Context): z.infer<T> => {
  const parsed = schema.safeParse(queryOf(c))
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.filter((p) => typeof p === 'string').join('.')
  throw new ApiError('invalid_query', `${path}: ${issue.message}`, path)
}

const csv = (c: Context, name: string, columns: readonly string[], rows: CsvValue[][]) =>
  c.body(csvOf(columns, rows), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${name}.csv"`,
  })

/**
 * The admin API of reports: traffic over a period in the site's time zone. Every figure comes
 * from visits (reports/visits.ts) of report rows the store derived from events made with
 * analytics consent, bots left out; no answer names a person or a device.
 */
export const reportRoutes = ({ store, sites, identity, now }: PeopleRouteDeps) => {
  const app = new Hono()
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
  /** Visits that start within the local dates, whole, after the filters. */
  const visitsIn = async (site: SiteConfig, from: string, to: string, filters: readonly Filter[]) => {
    const window = windowOf(from, to, site.timezone)
    const rows = await store.reportSessions(site.id, window)
    const visits = visitsOf(rows).filter((v) => v.start >= window.from && v.start < window.to)
    return filterVisits(visits, filters)
  }
  const goalOf = (site: SiteConfig, key: string) => {
    const goal = site.goals[key]
    if (!goal) throw new ApiError('goal_not_found', `site ${site.id} has no goal ${key}`, 'goal')
    return goal
  }
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

  app.get('/reports/overview', async (c) => {
    const q = parse(reportQuery, c)
    const site = siteOf(q.site)
    const at = now()
    const period = periodFor(q, site, at)
    await upToDate()
    const visits = await visitsIn(site, period.from, period.to, q.filter)
    const buckets = bucketsOf(period.from, period.to, period.interval, site.timezone)
    const series = seriesOf(visits, buckets, period.interval, site.timezone)
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-overview-${period.from}-${period.to}`,
        ['bucket', 'visitors', 'visits', 'pageviews'],
        series.map((p) => [p.bucket, p.visitors, p.visits, p.pageviews]),
      )
    const recentRows = await store.reportSessions(site.id, { from: at - REALTIME_MS, to: at + 1 })
    const recent = filterVisits(visitsOf(recentRows), q.filter).filter((v) => v.end >= at - REALTIME_MS)
    const previous =
      q.compare === 'previous'
        ? {
            from: period.previous.from,
            to: period.previous.to,
            ...totalsOf(await visitsIn(site, period.previous.from, period.previous.to, q.filter)),
          }
        : undefined
    return c.json({
      ...echo(site, period, q.filter),
      ...totalsOf(visits),
      realtime: { visitors: new Set(recent.map((v) => v.person)).size, minutes: REALTIME_MS / 60_000 },
      series,
      ...(previous ? { previous } : {}),
    })
  })

  app.get('/reports/breakdown', async (c) => {
    const q = parse(breakdownQuery, c)
    const site = siteOf(q.site)
    const period = periodFor(q, site, now())
    const goal = q.goal === undefined ? undefined : goalOf(site, q.goal)
    await upToDate()
    const visits = await visitsIn(site, period.from, period.to, q.filter)
    const all = breakdownOf(visits, q.dimension, goal)
    const rows = all.slice(0, q.limit)
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-${q.dimension}-${period.from}-${period.to}`,
        [
          q.dimension,
          'visitors',
          'visits',
          'pageviews',
          'bounce_rate',
          'visit_duration',
          ...(goal ? ['conversions', 'conversion_rate', 'revenue'] : []),
        ],
        rows.map((r) => [
          r.value ?? NONE,
          r.visitors,
          r.visits,
          r.pageviews,
          r.bounceRate,
          r.visitDuration,
          ...(goal ? [r.conversions, r.conversionRate, r.revenue] : []),
        ]),
      )
    let previous: Map<string | null, number> | undefined
    if (q.compare === 'previous') {
      const before = await visitsIn(site, period.previous.from, period.previous.to, q.filter)
      previous = new Map(breakdownOf(before, q.dimension).map((r) => [r.value, r.visitors]))
    }
    return c.json({
      ...echo(site, period, q.filter),
      dimension: q.dimension,
      ...(q.goal ? { goal: q.goal } : {}),
      total: all.length,
      rows: rows.map((r) => (previous ? { ...r, previousVisitors: previous.get(r.value) ?? 0 } : r)),
    })
  })
  app.get('/reports/goals', async (c) => {
    const q = parse(goalsQuery, c)
    const site = siteOf(q.site)
    const period = periodFor(q, site, now())
    if (q.goal !== undefined) goalOf(site, q.goal) // refused before any work when unknown
    const keys = q.goal === undefined ? Object.keys(site.goals) : [q.goal]
    await upToDate()
    const visits = await visitsIn(site, period.from, period.to, q.filter)
    const before =
      q.compare === 'previous'
        ? await visitsIn(site, period.previous.from, period.previous.to, q.filter)
        : undefined
    const goals = keys.map((key) => {
      const goal = site.goals[key]!
      return {
        key,
        name: goal.name ?? key,
        ...goalFigures(visits, goal),
        ...(before ? { previous: goalFigures(before, goal) } : {}),
      }
    })
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-goals-${period.from}-${period.to}`,
        ['goal', 'name', 'conversions', 'visitors', 'conversion_rate', 'revenue', 'average_order_value'],
        goals.map((g) => [
          g.key,
          g.name,
          g.conversions,
          g.visitors,
          g.conversionRate,
          g.revenue,
          g.averageOrderValue,
        ]),
      )
    return c.json({ ...echo(site, period, q.filter), visitors: totalsOf(visits).visitors, goals })
  })
  return app
}
