import { Hono } from 'hono'
import { z } from 'zod'
import type { Experiment } from '../../sdk/rules/experiment-schema.ts'
import { weightsOf } from '../../sdk/rules/experiments.ts'
import type { LiveConfig } from '../config/live.ts'
import { experiments as experimentItems } from '../config/resources.ts'
import type { SiteConfig } from '../config/site-config.ts'
import { versionTag } from '../config/versions.ts'
import { ApiError } from '../errors.ts'
import { rowGoalOf } from '../experiments/config.ts'
import { resultsCsv } from '../experiments/csv.ts'
import { goalHitsOf, goalMetric } from '../experiments/goal-metrics.ts'
import { experimentPlan } from '../experiments/planning.ts'
import { experimentResults, metricsOf, sourceOf } from '../experiments/results.ts'
import { type ExperimentNeeds, type LateRow, PRE_EXPOSURE_WINDOW_MS } from '../experiments/types.ts'
import type { PeopleRouteDeps } from './deps.ts'

export const listQuery = z.object({ site: z.string().min(1, 'is required').max(64) })
export const resultsQuery = listQuery.extend({
  /** Multiple-comparison adjustment across goals and treatments: Holm (default) or Benjamini–Hochberg. */
  adjust: z.enum(['holm', 'bh']).default('holm'),
  /** Always-valid intervals (default), or the fixed-horizon test read once at the planned size. */
  method: z.enum(['sequential', 'fixed']).default('sequential'),
  /** CUPED: adjust comparisons by each person's value before their first exposure (default on). */
  cuped: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  format: z.enum(['json', 'csv']).default('json'),
})

const parse = <T>(schema: z.ZodType<T>, query: Record<string, string>): T => {
  const parsed = schema.safeParse(query)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = issue.path.join('.')
  throw new ApiError('invalid_query', `${path}: ${issue.message}`, path)
}

/** What the store counts: every metric but those counted from report rows (rowGoalOf). */
const needsOf = (site: SiteConfig): ExperimentNeeds[] =>
  site.experiments.map((x) => ({
    key: x.key,
    bucketVersion: x.bucketVersion,
    metrics: metricsOf(x)
      .filter((m) => rowGoalOf(m, site.goals) === undefined)
      .map(sourceOf),
  }))

/** The latest time a Date can hold: report rows up to any time stamp. */
const END_OF_TIME = 8.64e15

/**
 * Decisions that came late (`Experiment Late`): every configured variation in order, then any
 * other the events name (kept, not hidden), and their total.
 */
const lateOf = (x: Experiment, rows: readonly LateRow[]) => {
  const count = (key: string) => rows.find((r) => r.variation === key)?.late ?? 0
  const keys = x.variations.map((v) => v.key)
  const others = rows.map((r) => r.variation).filter((k) => !keys.includes(k))
  return {
    total: rows.reduce((n, r) => n + r.late, 0),
    variations: [...keys, ...others].map((key) => ({ key, late: count(key) })),
  }
}

/**
 * The admin API of experiments: the site's experiments with their people, and one experiment's
 * results. Mounted behind the admin token. Numbers come from rows derived from events (see
 * store/sqlite/experiments.ts), brought up to date before each answer.
 */
export const experimentRoutes = ({
  store,
  sites,
  identity,
  now,
  live,
  maxRows,
}: PeopleRouteDeps & {
  live: Pick<LiveConfig, 'version' | 'written'>
  /** The most report rows read for metrics counted from them (REPORTS_MAX_ROWS). */
  maxRows: number
}) => {
  const app = new Hono()
  /**
   * Metrics are registered once per version of a site's config and process: a saved change is a new
   * SiteConfig object (config/live.ts), whose new goals are registered at its first read.
   */
  const prepared = new WeakMap<SiteConfig, Promise<void>>()
  const prepare = (site: SiteConfig) => {
    let ready = prepared.get(site)
    if (!ready) {
      ready = store.prepareExperiments(site.id, needsOf(site))
      ready.catch(() => prepared.delete(site))
      prepared.set(site, ready)
    }
    return ready
  }
  const siteOf = (id: string) => {
    const site = sites.byId(id)
    if (!site) throw new ApiError('site_not_found', `no site with id ${id}`)
    return site
  }
  const upToDate = async (site: SiteConfig) => {
    await prepare(site)
    await identity.catchUp()
    await store.syncExperiments()
  }

  /**
   * The metrics counted from report rows (a page goal, a goal with `where`; undefined for the
   * others): the experiment's people and the rows from the earliest first exposure's CUPED window
   * on, refused with report_too_large beyond `maxRows` before they are read.
   */
  const rowMetrics = async (site: SiteConfig, experiment: Experiment) => {
    const metrics = metricsOf(experiment)
    const goals = metrics.map((m) => rowGoalOf(m, site.goals))
    if (goals.every((g) => g === undefined)) return goals.map(() => undefined)
    await store.syncReports()
    const people = await store.experimentExposed(site.id, experiment.key, experiment.bucketVersion)
    const first = people.reduce((t, p) => Math.min(t, p.firstAt), END_OF_TIME)
    const window = { from: first - PRE_EXPOSURE_WINDOW_MS, to: END_OF_TIME }
    if (people.length > 0 && (await store.reportRowsUpTo(site.id, window, maxRows + 1)) > maxRows)
      throw new ApiError(
        'report_too_large',
        `experiment ${experiment.key} counts a page goal or a goal with where from every event since ${new Date(window.from).toISOString()}, and site ${site.id} has more than ${maxRows.toLocaleString('en-US')}: count an event metric instead (PRECIS_REPORTS_MAX_ROWS sets the limit)`,
      )
    const rows = people.length > 0 ? await store.reportSessions(site.id, window) : []
    return goals.map((g, i) => g && goalMetric(people, goalHitsOf(rows, g), sourceOf(metrics[i]!)))
  }

  app.get('/experiments', async (c) => {
    const site = siteOf(parse(listQuery, c.req.query()).site)
    await upToDate(site)
    const sizes = await store.experimentSizes(site.id)
    const usersOf = (x: Experiment) =>
      sizes
        .filter(
          (r) =>
            r.experiment === x.key &&
            r.bucketVersion === x.bucketVersion &&
            x.variations.some((v) => v.key === r.variation),
        )
        .reduce((n, r) => n + r.users, 0)
    // Each with its config as written (what an edit starts from) and the version they are of.
    const version = live.version(site.id)
    const written = experimentItems.list(live.written(site.id)?.config ?? {})
    c.header('ETag', versionTag(site.id, version))
    return c.json({
      site: site.id,
      version,
      experiments: site.experiments.map((x) => {
        const weights = weightsOf(x)
        return {
          key: x.key,
          name: x.name ?? x.key,
          status: x.status,
          variations: x.variations.map((v, i) => ({ key: v.key, weight: weights[i]! })),
          users: usersOf(x),
          config: written.find((w) => w.key === x.key)?.config ?? x,
        }
      }),
    })
  })

  app.get('/experiments/:key/results', async (c) => {
    const query = parse(resultsQuery, c.req.query())
    const site = siteOf(query.site)
    const key = c.req.param('key')
    const experiment = site.experiments.find((x) => x.key === key)
    if (!experiment) throw new ApiError('experiment_not_found', `site ${site.id} has no experiment ${key}`)
    await upToDate(site)
    const { key: k, bucketVersion: v } = experiment
    const sources = metricsOf(experiment).map(sourceOf)
    const fromRows = await rowMetrics(site, experiment)
    const [people, metrics, covariates, late] = await Promise.all([
      store.experimentPeople(site.id, k, v),
      Promise.all(sources.map((m, i) => fromRows[i]?.metric ?? store.experimentMetric(site.id, k, v, m))),
      query.cuped
        ? Promise.all(
            sources.map((m, i) => fromRows[i]?.covariates ?? store.experimentCovariates(site.id, k, v, m)),
          )
        : [],
      store.experimentLate(site.id, k, v),
    ])
    const results = experimentResults({
      experiment,
      people,
      metrics,
      covariates,
      cuped: query.cuped,
      adjustment: query.adjust,
      method: query.method,
      now: now(),
      goals: site.goals,
    })
    if (query.format === 'csv') {
      c.header('Content-Disposition', `attachment; filename="${site.id}-${k}-results.csv"`)
      return c.body(resultsCsv(results), 200, { 'Content-Type': 'text/csv; charset=utf-8' })
    }
    return c.json({
      site: site.id,
      ...results,
      late: lateOf(experiment, late),
      plan: experimentPlan(experiment, results, now()),
      evaluatedAt: new Date(now()).toISOString(),
    })
  })
  return app
}
