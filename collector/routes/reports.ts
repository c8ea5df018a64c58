import { Hono } from 'hono'
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { goalFigures } from '../reports/goals.ts'
import { breakdownQuery, goalsQuery, NONE, reportQuery } from '../reports/query.ts'
import { breakdownOf, filterVisits, totalsOf } from '../reports/traffic.ts'
import { type Visit, visitsOf } from '../reports/visits.ts'
import { attributionRoutes } from './report-attribution.ts'
import { customersRoutes } from './report-customers.ts'
import { funnelRoutes } from './report-funnel.ts'
import { csv, parse, type ReportDeps, reportKit } from './report-kit.ts'
import { kpisRoutes } from './report-kpis.ts'
import { retentionRoutes } from './report-retention.ts'

/** "Now" in a report: visitors with a page view or engagement in the last 30 minutes. */
const REALTIME_MS = 30 * 60_000

/**
 * The admin API of reports: traffic over a period in the site's time zone. Every figure comes
 * from visits (reports/visits.ts) of report rows the store derived from events made with
 * analytics consent, bots left out; no answer names a person or a device.
 */
export const reportRoutes = (deps: ReportDeps) => {
  const { store, now } = deps
  const kit = reportKit(deps)
  const { siteOf, periodFor, visitsIn, summariesIn, trafficIn, goalOf, checked, upToDate, echo } = kit
  const app = new Hono()
  app.get('/reports/overview', async (c) => {
    const q = parse(reportQuery, c)
    const site = siteOf(q.site)
    const at = now()
    const period = periodFor(q, site, at)
    await upToDate()
    const {
      totals,
      series = [],
      estimated,
    } = await trafficIn(site, period.from, period.to, q.filter, period.interval)
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-overview-${period.from}-${period.to}`,
        ['bucket', 'visitors', 'visits', 'pageviews'],
        series.map((p) => [p.bucket, p.visitors, p.visits, p.pageviews]),
      )
    // Half an hour of rows, read whatever the row limit: the limit guards periods, and an overview
    // refused for its last 30 minutes would hide the period's figures too.
    const recentRows = await store.reportSessions(site.id, { from: at - REALTIME_MS, to: at + 1 })
    const recent = filterVisits(visitsOf(recentRows), await checked(site, q.filter), site.goals).filter(
      (v) => v.end >= at - REALTIME_MS,
    )
    const before =
      q.compare === 'previous'
        ? await trafficIn(site, period.previous.from, period.previous.to, q.filter)
        : undefined
    return c.json({
      ...echo(site, period, q.filter),
      ...totals,
      estimated,
      realtime: { visitors: new Set(recent.map((v) => v.person)).size, minutes: REALTIME_MS / 60_000 },
      series,
      ...(before
        ? {
            previous: {
              from: period.previous.from,
              to: period.previous.to,
              ...before.totals,
              estimated: before.estimated,
            },
          }
        : {}),
    })
  })

  app.get('/reports/breakdown', async (c) => {
    const q = parse(breakdownQuery, c)
    const site = siteOf(q.site)
    const period = periodFor(q, site, now())
    const goal = q.goal === undefined ? undefined : goalOf(site, q.goal)
    await upToDate()
    // Whole visits only where pages or a goal are counted: the rest reads a row per visit.
    const { dimension } = q
    const whole = dimension === 'page' || goal !== undefined
    const read = whole ? visitsIn : summariesIn
    const breakdown = async (from: string, to: string, g?: Goal) => {
      const visits = await read(site, from, to, q.filter)
      return whole ? breakdownOf(visits as Visit[], dimension, g) : breakdownOf(visits, dimension)
    }
    const all = await breakdown(period.from, period.to, goal)
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
      const before = await breakdown(period.previous.from, period.previous.to)
      previous = new Map(before.map((r) => [r.value, r.visitors]))
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
  app.route('/', funnelRoutes(kit, now))
  app.route('/', retentionRoutes(kit, now))
  app.route('/', attributionRoutes(kit, now))
  app.route('/', customersRoutes(kit, now))
  app.route('/', kpisRoutes(kit, now))
  return app
}
