import { Hono } from 'hono'
import { type AttributionPerson, attribute } from '../reports/attribution.ts'
import {
  attributionPeople,
  attributionPeopleOf,
  conversionsOf,
  touchCounts,
  type VisitTouch,
} from '../reports/attribution-people.ts'
import {
  attributionQuery,
  csvOfRows,
  HALF_LIFE_DAYS,
  rowsOf,
  totalsOf,
} from '../reports/attribution-query.ts'
import { hitQueryOf } from '../reports/goals.ts'
import { NONE } from '../reports/query.ts'
import { windowOf } from '../reports/time.ts'
import { needsPages } from '../reports/traffic.ts'
import { csv, parse, type ReportKit } from './report-kit.ts'

const DAY = 86_400_000

/**
 * The attribution report: a goal's conversions in the period credited to the visits before them
 * (from any of the person's devices, within the lookback) under each model of attribution.ts, per
 * channel or campaign. Rows name channels and campaigns only, never a person or a device.
 */
export const attributionRoutes = (kit: ReportKit, now: () => number) => {
  const { store, siteOf, rowsIn, hitsIn, periodFor, goalOf, checked, upToDate, echo } = kit
  const app = new Hono()
  app.get('/reports/attribution', async (c) => {
    const q = parse(attributionQuery, c)
    const site = siteOf(q.site)
    const period = periodFor(q, site, now())
    const goal = goalOf(site, q.goal)
    await upToDate()
    const window = windowOf(period.from, period.to, site.timezone)
    const lookback = q.lookback * DAY
    // From the lookback before the period: a conversion on its first day sees its whole lookback.
    const read = { from: window.from - lookback, to: window.to }
    const filters = await checked(site, q.filter)
    // The goal's conversions, then the visits of those who converted; every row of the period
    // only when a filter needs the pages of each visit.
    let people: AttributionPerson<VisitTouch>[]
    if (needsPages(filters))
      people = attributionPeople(await rowsIn(site, read), goal, window, filters, site.goals)
    else {
      const hits = await hitsIn(site, window, hitQueryOf([goal]), filters.length > 0)
      const conversions = conversionsOf(hits, goal, window, filters, site.goals)
      const visits = await store.reportVisitsOf(site.id, [...conversions.keys()], read)
      people = attributionPeopleOf(conversions, visits, filters, site.goals)
    }
    const key = q.by === 'campaign' ? (t: VisitTouch) => t.campaign ?? NONE : (t: VisitTouch) => t.channel
    const result = attribute<VisitTouch>(people, { lookback, halfLife: HALF_LIFE_DAYS * DAY, key })
    const rowsOut = rowsOf(result, touchCounts(people, lookback, key))
    if (q.format === 'csv') {
      const table = csvOfRows(q.by, rowsOut)
      return csv(
        c,
        `${site.id}-attribution-${q.goal}-${q.by}-${period.from}-${period.to}`,
        table.columns,
        table.rows,
      )
    }
    const { interval: _, ...asked } = echo(site, period, q.filter)
    return c.json({
      ...asked,
      goal: q.goal,
      lookback: q.lookback,
      halfLife: HALF_LIFE_DAYS,
      by: q.by,
      ...totalsOf(result),
      rows: rowsOut,
    })
  })
  return app
}
