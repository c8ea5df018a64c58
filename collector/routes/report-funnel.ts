import { Hono } from 'hono'
import {
  CSV_COLUMNS,
  candidatesOfHits,
  candidatesOfRows,
  FUNNEL_BODY_BYTES,
  funnelAnswer,
  funnelBody,
  funnelCsvRows,
  funnelPeople,
  funnelQuery,
  windowMs,
} from '../reports/funnel-query.ts'
import { hitQueryOf } from '../reports/goals.ts'
import { windowOf } from '../reports/time.ts'
import { needsPages } from '../reports/traffic.ts'
import type { ReportKit } from './report-kit.ts'
import { csv, parse } from './report-kit.ts'
import { limitBody, readJson } from './request.ts'

/**
 * The funnel report: how many people reach each step of a sequence of page views and events, one
 * count per person across their devices. A POST because the steps are a body; it changes nothing.
 * Which rows count: reports/funnel-query.ts; how attempts are counted: reports/funnel.ts.
 */
export const funnelRoutes = (kit: ReportKit, now: () => number) => {
  const { siteOf, rowsIn, hitsIn, periodFor, checked, upToDate, echo } = kit
  const app = new Hono()
  app.post('/reports/funnel', limitBody(FUNNEL_BODY_BYTES), async (c) => {
    const q = parse(funnelQuery, c)
    const body = parse(funnelBody, c, await readJson(c))
    const site = siteOf(q.site)
    const period = periodFor({ ...q, from: body.from, to: body.to, filter: body.filter }, site, now())
    const window = windowMs(body.window)!
    await upToDate()
    const dates = windowOf(period.from, period.to, site.timezone)
    // Later steps may fall after `to`, up to the window after the last start.
    const read = { from: dates.from, to: dates.to + window }
    const filters = await checked(site, body.filter)
    // Only the steps' page views and events, unless a filter needs every page of a visit.
    const candidates = needsPages(filters)
      ? candidatesOfRows(await rowsIn(site, read), filters, site.goals)
      : candidatesOfHits(
          await hitsIn(
            site,
            read,
            hitQueryOf(body.steps),
            filters.length > 0 || body.breakdown !== undefined,
          ),
          filters,
          site.goals,
        )
    const people = funnelPeople(candidates, {
      steps: body.steps,
      start: dates.from,
      end: dates.to,
      ...(body.breakdown ? { breakdown: body.breakdown } : {}),
    })
    const answer = funnelAnswer(people, body.steps, {
      window,
      order: body.order,
      breakdown: body.breakdown !== undefined,
    })
    if (q.format === 'csv')
      return csv(
        c,
        `${site.id}-funnel-${period.from}-${period.to}`,
        body.breakdown ? CSV_COLUMNS : CSV_COLUMNS.slice(1),
        funnelCsvRows(answer).map((r) => (body.breakdown ? r : r.slice(1))),
      )
    const { interval: _, ...asked } = echo(site, period, body.filter)
    return c.json({
      ...asked,
      window: body.window,
      order: body.order,
      ...(body.breakdown ? { breakdown: body.breakdown } : {}),
      ...answer,
    })
  })
  return app
}
