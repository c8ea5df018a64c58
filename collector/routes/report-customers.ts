import { Hono } from 'hono'
import { ApiError } from '../errors.ts'
import { customersQuery, historiesOf, historyOf, revenueGoal } from '../reports/customers/customers-query.ts'
import { customersReport } from '../reports/customers/customers-report.ts'
import { orderBasisOf, ruleBasisOf } from '../reports/customers/rfm-rule.ts'
import { dateOf, windowOf } from '../reports/time.ts'
import { csv, parse, type ReportKit } from './report-kit.ts'

/**
 * The customers report: the people who reached a revenue goal over the history read (at most
 * MAX_DAYS local dates up to `to`), as RFM segments (each with the segment rule that selects it as
 * of `to`), clusters and CLV. Only groups, counts, means and thresholds leave; never a person, a
 * device or an id.
 */
export const customersRoutes = (kit: ReportKit, now: () => number) => {
  const { siteOf, rowsIn, goalOf, upToDate } = kit
  const app = new Hono()
  app.get('/reports/customers', async (c) => {
    const q = parse(customersQuery, c)
    const site = siteOf(q.site)
    const goal = goalOf(site, q.goal)
    if (!revenueGoal(goal))
      throw new ApiError(
        'invalid_query',
        `goal: ${q.goal} has no revenue property to value orders with`,
        'goal',
      )
    const history = historyOf(q, dateOf(now(), site.timezone))
    if ('problem' in history) throw new ApiError('invalid_query', history.problem, history.path)
    await upToDate()
    const window = windowOf(history.from, history.to, site.timezone)
    const rows = await rowsIn(site, window)
    const report = customersReport(historiesOf(rows, goal, window), {
      at: window.to,
      zone: site.timezone,
      horizonMonths: q.horizon,
      discountRate: q.discount,
      rules: ruleBasisOf(goal, site.personalization, { ...history, zone: site.timezone }),
      cohortRules: orderBasisOf(goal, site.personalization, { ...history, zone: site.timezone }),
    })
    if (q.format === 'csv') {
      const name = `${site.id}-customers-${q.table}-${history.from}-${history.to}`
      if (q.table === 'clusters')
        return csv(
          c,
          name,
          [
            'cluster',
            'description',
            'customers',
            'recency_days',
            'orders',
            'revenue',
            'page_views',
            'predicted_clv',
          ],
          report.clusters.clusters.map((k) => [
            k.cluster,
            k.description,
            k.customers,
            k.centroid.recencyDays,
            k.centroid.frequency,
            k.centroid.monetary,
            k.centroid.pageviews,
            report.predicted?.byCluster[k.cluster]?.meanClv ?? null,
          ]),
        )
      if (q.table === 'cohorts')
        return csv(
          c,
          name,
          ['cohort', 'customers', 'revenue', 'mean_revenue'],
          report.cohorts.map((k) => [k.cohort, k.customers, k.revenue, k.meanRevenue]),
        )
      const predicted = new Map(report.predicted?.bySegment.map((s) => [s.segment, s.meanClv]))
      return csv(
        c,
        name,
        [
          'segment',
          'name',
          'customers',
          'share',
          'revenue',
          'mean_recency_days',
          'mean_orders',
          'mean_revenue',
          'predicted_clv',
        ],
        report.segments.map((s) => [
          s.segment,
          s.name,
          s.customers,
          s.share,
          s.revenue,
          s.meanRecencyDays,
          s.meanOrders,
          s.meanRevenue,
          predicted.get(s.segment) ?? null,
        ]),
      )
    }
    return c.json({
      site: site.id,
      timezone: site.timezone,
      goal: q.goal,
      from: history.from,
      to: history.to,
      ...report,
    })
  })
  return app
}
