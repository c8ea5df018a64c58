import { Hono } from 'hono'
import { ApiError } from '../errors.ts'
import { periodOfDate, periodStart } from '../reports/periods.ts'
import {
  RETENTION_CSV_COLUMNS,
  retentionQuery,
  retentionReport,
  retentionReportOfVisits,
  visitStartsFold,
} from '../reports/retention-query.ts'
import { dateOf, windowOf } from '../reports/time.ts'
import { needsPages } from '../reports/traffic.ts'
import type { ReportKit } from './report-kit.ts'
import { csv, parse } from './report-kit.ts'

const DAY = 86_400_000

/**
 * The retention report: people by the day or week of their first visit, and the share of each
 * cohort back in each later period. Definitions: reports/retention-query.ts and retention.ts.
 */
export const retentionRoutes = (kit: ReportKit, now: () => number) => {
  const { store, siteOf, rowsIn, periodFor, checked, upToDate, echo } = kit
  const app = new Hono()
  app.get('/reports/retention', async (c) => {
    const q = parse(retentionQuery, c)
    const site = siteOf(q.site)
    const at = now()
    // Default period: up to today, from the first cohort whose every period (0..periods) is over.
    const to = q.to ?? dateOf(at, site.timezone)
    const from = q.from ?? periodStart(periodOfDate(to, q.by) - q.periods - 1, q.by)
    const period = periodFor({ ...q, from, to }, site, at)
    const goal = q.return === undefined ? undefined : site.goals[q.return]
    if (q.return !== undefined && !goal)
      throw new ApiError('goal_not_found', `site ${site.id} has no goal ${q.return}`, 'return')
    const filters = await checked(site, q.filter)
    await upToDate()
    const window = windowOf(period.from, period.to, site.timezone)
    const end = Math.min(window.to, at)
    // Everything the store holds (events live for the site's retentionDays), so that someone who
    // came before `from` is no new person in it.
    const since = Math.min(window.from, at - (site.retentionDays + 1) * DAY)
    const read = { from: since, to: end }
    const question = {
      filters,
      goals: site.goals,
      by: q.by,
      zone: site.timezone,
      start: window.from,
      end,
      periods: q.periods,
    }
    // Visits alone answer most questions (a row per visit), and their people and starts alone those
    // without filters; a goal or a page filter needs the rows.
    const starts = async () => {
      const fold = visitStartsFold()
      if (end > since) await store.reportVisitStarts(site.id, read, fold.add)
      return fold.report(question)
    }
    const answer =
      goal || needsPages(filters)
        ? retentionReport(end > since ? await rowsIn(site, read) : [], {
            ...question,
            ...(goal ? { goal } : {}),
          })
        : filters.length > 0
          ? retentionReportOfVisits(end > since ? await store.reportVisits(site.id, read) : [], question)
          : await starts()
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-retention-${q.by}-${period.from}-${period.to}`,
        RETENTION_CSV_COLUMNS,
        answer.cohorts.flatMap((cohort) =>
          cohort.periods.map((p) => [cohort.cohort, cohort.people, p.period, p.people, p.rate]),
        ),
      )
    const { interval: _, ...asked } = echo(site, period, filters)
    return c.json({ ...asked, by: q.by, periods: q.periods, return: q.return ?? null, ...answer })
  })
  return app
}
