// KPIs and ad spend. Spend is imported per campaign per local day (JSON rows, or CSV text from the
// dashboard's upload) and read back; the KPI report joins it with the period's visits and a revenue
// goal's conversions (reports/kpis.ts). For a revenue goal's CLV it reads the sessions of the
// MAX_DAYS (731) local dates up to the end of the period, not the period's alone: who converted
// before, and what they spent.
// Roles: GET reports.read, POST /spend config.write.
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import type { SiteConfig } from '../config/site-config.ts'
import { ApiError } from '../errors.ts'
import {
  filterSpend,
  KPI_BY,
  type KpiFigures,
  kpisOf,
  revenueGoalKey,
  valuesRevenue,
} from '../reports/kpis.ts'
import { MAX_DAYS, NONE, type Period, reportQuery } from '../reports/query.ts'
import {
  problemPath,
  problemText,
  SPEND_COLUMNS,
  type SpendProblem,
  type SpendRow,
  spendCsv,
  spendImport,
} from '../reports/spend.ts'
import { addDays, windowOf } from '../reports/time.ts'
import { type Filter, filterVisits } from '../reports/traffic.ts'
import { type Visit, visitsOf } from '../reports/visits.ts'
import { csv, parse, type ReportKit } from './report-kit.ts'
import { readJson } from './request.ts'

const goalKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a goal key of the site')

export const kpisQuery = reportQuery.omit({ interval: true, compare: true }).extend({
  /** The revenue goal; default: the site's first goal with a revenue property. */
  goal: goalKey.optional(),
  by: z.enum(KPI_BY).default('campaign'),
  /** Rows answered (most spend first). */
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const spendQuery = reportQuery.pick({ site: true, from: true, to: true, format: true })

const siteParam = z.object({ site: z.string().min(1, 'is required').max(64) })

/** JSON: `{ rows: [...] }`, or `{ csv: "<text>" }` (the dashboard's upload). */
export const spendBody = z.union([
  z.object({ rows: z.array(z.unknown()) }).strict(),
  z.object({ csv: z.string().max(600_000) }).strict(),
])

const refuse = (p: SpendProblem): never => {
  throw new ApiError('invalid_body', problemText(p), problemPath(p))
}

/** The rows of an import body: text/csv, or JSON; refusals name the row and column. */
const importedRows = async (c: Context): Promise<SpendRow[]> => {
  const type = c.req.header('content-type') ?? ''
  let parsed: ReturnType<typeof spendCsv>
  if (/^text\/csv(;|$)/i.test(type)) {
    const text = await c.req.text()
    // PostgreSQL stores no NUL; nothing legitimate in a CSV holds one.
    if (text.includes('\u0000')) throw new ApiError('invalid_body', 'the CSV holds a NUL character')
    parsed = spendCsv(text)
  } else {
    const body = spendBody.safeParse(await readJson(c))
    if (!body.success)
      throw new ApiError('invalid_body', 'send { "rows": [...] }, { "csv": "..." } or text/csv', 'rows')
    parsed = 'rows' in body.data ? spendImport(body.data.rows) : spendCsv(body.data.csv)
  }
  return 'problem' in parsed ? refuse(parsed.problem) : parsed.rows
}

const FIGURES = [
  ['visitors', 'visitors'],
  ['visits', 'visits'],
  ['conversions', 'conversions'],
  ['customers', 'customers'],
  ['conversion_rate', 'conversionRate'],
  ['revenue', 'revenue'],
  ['aov', 'aov'],
  ['revenue_per_customer', 'revenuePerCustomer'],
  ['spend', 'spend'],
  ['cpc', 'cpc'],
  ['cac', 'cac'],
  ['roas', 'roas'],
  ['roi', 'roi'],
  ['acquired', 'acquired'],
  ['clv', 'clv'],
  ['clv_to_cac', 'clvToCac'],
] as const satisfies readonly (readonly [string, keyof KpiFigures])[]

/** The KPI report and ad spend, mounted under /admin/api by reports.ts. */
export const kpisRoutes = (kit: ReportKit, now: () => number) => {
  const { store, siteOf, rowsIn, periodFor, visitsIn, goalOf, checked, upToDate, echo } = kit
  const app = new Hono()

  /**
   * The period's visits after the filters (as `visitsIn` reads them) and, for a revenue goal, every
   * visit of the MAX_DAYS local dates up to the period's end, whole and unfiltered, from one read:
   * the period's visits are the same objects in both, as kpisOf asks.
   */
  const visitsWithHistory = async (
    site: SiteConfig,
    period: Period,
    filters: readonly Filter[],
    goal: Goal | undefined,
  ): Promise<{ visits: Visit[]; history?: { visits: Visit[]; before: number } }> => {
    if (!valuesRevenue(goal)) return { visits: await visitsIn(site, period.from, period.to, filters) }
    const window = windowOf(period.from, period.to, site.timezone)
    // As the customers report: at most MAX_DAYS local dates up to `to`, so the cost is bounded.
    const first = windowOf(addDays(period.to, -(MAX_DAYS - 1)), period.to, site.timezone).from
    const history = visitsOf(await rowsIn(site, { from: first, to: window.to }))
    const inPeriod = history.filter((v) => v.start >= window.from && v.start < window.to)
    return {
      visits: filterVisits(inPeriod, await checked(site, filters), site.goals),
      history: { visits: history, before: window.to },
    }
  }

  app.post('/spend', async (c) => {
    const { site: id } = parse(siteParam, c, { site: c.req.query('site') })
    const site = siteOf(id)
    const rows = await importedRows(c)
    const result = await store.importSpend(site.id, rows)
    if (!result.ok)
      throw new ApiError(
        'invalid_body',
        `row 1, column currency: the site's spend is in ${result.currency}; import in it, or replace every day`,
        'rows.0.currency',
      )
    const dates = rows.map((r) => r.date).sort()
    return c.json({
      site: site.id,
      rows: result.rows,
      days: result.days,
      replaced: result.replaced,
      from: dates[0],
      to: dates[dates.length - 1],
    })
  })

  app.get('/spend', async (c) => {
    const q = parse(spendQuery, c)
    const site = siteOf(q.site)
    const period = periodFor({ ...q, filter: [] }, site, now())
    const rows = await store.spendRows(site.id, { from: period.from, to: period.to })
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-spend-${period.from}-${period.to}`,
        SPEND_COLUMNS,
        rows.map((r) => [r.date, r.campaign, r.source, r.medium, r.channel, r.cost.toFixed(2), r.currency]),
      )
    return c.json({
      site: site.id,
      timezone: site.timezone,
      from: period.from,
      to: period.to,
      currency: rows[0]?.currency ?? null,
      total: rows.reduce((cents, r) => cents + Math.round(r.cost * 100), 0) / 100,
      rows,
    })
  })

  app.get('/reports/kpis', async (c) => {
    const q = parse(kpisQuery, c)
    const site = siteOf(q.site)
    const period = periodFor(q, site, now())
    const key = revenueGoalKey(site.goals, q.goal)
    const goal = key === undefined ? undefined : goalOf(site, key)
    await upToDate()
    const { visits, history } = await visitsWithHistory(site, period, q.filter, goal)
    const stored = await store.spendRows(site.id, { from: period.from, to: period.to })
    const spend = filterSpend(stored, q.filter)
    const kpis = kpisOf(visits, spend.rows, q.by, goal, history)
    const rows = kpis.rows.slice(0, q.limit)
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-kpis-${q.by}-${period.from}-${period.to}`,
        [q.by, ...FIGURES.map(([column]) => column)],
        rows.map((r) => [r.value ?? NONE, ...FIGURES.map(([, field]) => r[field])]),
      )
    return c.json({
      ...echo(site, period, q.filter),
      by: q.by,
      goal: key ?? null,
      currency: stored[0]?.currency ?? null,
      /** Filters spend cannot follow (it knows campaign, source, medium, channel): spend is whole. */
      spendIgnoresFilters: spend.ignored,
      total: kpis.rows.length,
      totals: kpis.totals,
      slots: kpis.slots,
      campaigns: kpis.campaigns,
      rows,
    })
  })
  return app
}
