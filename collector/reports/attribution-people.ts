// Report rows → attribution's people (attribution.ts): each person's touches are their visits
// (visits.ts) from every device, and their conversions the goal's events or page views (goals.ts
// `reaches`) inside the period. Pure: the route reads the rows, from the lookback before the
// period's start to its end, so every conversion sees its whole lookback; or, when no filter needs
// a visit's pages, the goal's hits and then only the converters' visits (attributionPeopleOf).
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import type { AttributionPerson, Conversion, Touch } from './attribution.ts'
import { hitOf, reaches } from './goals.ts'
import { type Filter, filterVisits, hitFilter } from './traffic.ts'
import type { HitRow, ReportRow, VisitSummary } from './types.ts'
import { sessionsOf, visitsOf } from './visits.ts'

/** A visit as a touch: its landing page's channel, campaign, source and ad click id. */
export interface VisitTouch extends Touch {
  /** The landing URL carried an ad click id (gclid, fbclid, …): a paid click. */
  clickId: boolean
}

const touchOf = (visit: VisitSummary): VisitTouch => ({
  at: visit.start,
  channel: visit.channel,
  campaign: visit.campaign,
  source: visit.source,
  clickId: visit.clickId,
})

/**
 * The goal's conversions in the window per person, from the store's hits of the goal
 * (reportHits), in visits the filters keep: only filters a summary answers (traffic.ts
 * `needsPages`), and with some the hits must come with their visits. Their people's visits are
 * what attributionPeopleOf needs next.
 */
export const conversionsOf = (
  hits: readonly HitRow[],
  goal: Goal,
  window: { from: number; to: number },
  filters: readonly Filter[] = [],
  goals: Readonly<Record<string, Goal>> = {},
): Map<string, Conversion[]> => {
  const keep = hitFilter(filters, goals)
  const conversions = new Map<string, Conversion[]>()
  for (const row of hits) {
    if (row.at < window.from || row.at >= window.to) continue
    const hit = hitOf(row)
    const value = hit === undefined ? null : reaches(goal, hit)
    if (value === null || !keep(row)) continue
    const mine = conversions.get(row.person)
    if (mine) mine.push({ at: row.at, value })
    else conversions.set(row.person, [{ at: row.at, value }])
  }
  return conversions
}

/**
 * The people who converted (conversionsOf) with their visits (the store's reportVisitsOf over the
 * lookback before the window to its end) the filters keep as touches. Those who never converted
 * are left out: attribute() credits them nothing and touchCounts counts no touch of theirs.
 */
export const attributionPeopleOf = (
  conversions: ReadonlyMap<string, Conversion[]>,
  visits: readonly VisitSummary[],
  filters: readonly Filter[] = [],
  goals: Readonly<Record<string, Goal>> = {},
): AttributionPerson<VisitTouch>[] => {
  const touches = new Map<string, VisitTouch[]>()
  for (const visit of filterVisits(visits, filters, goals)) {
    const mine = touches.get(visit.person)
    if (mine) mine.push(touchOf(visit))
    else touches.set(visit.person, [touchOf(visit)])
  }
  return [...conversions].map(([person, list]) => ({ touches: touches.get(person) ?? [], conversions: list }))
}

/**
 * Each person's touches and conversions. A visit the filters leave out is neither a touch nor a
 * place of conversions; conversions count where `window.from <= at < window.to`, touches at any
 * time (attribute() keeps those within each conversion's lookback). Sessions without a page view
 * are no visits, so their events convert nothing, as in the goals report.
 */
export const attributionPeople = (
  rows: readonly ReportRow[],
  goal: Goal,
  window: { from: number; to: number },
  filters: readonly Filter[] = [],
  /** The site's goals, for `goal:` filters. */
  goals: Readonly<Record<string, Goal>> = {},
): AttributionPerson<VisitTouch>[] => {
  const people = new Map<string, { touches: VisitTouch[]; conversions: Conversion[] }>()
  for (const list of sessionsOf(rows)) {
    const [visit] = filterVisits(visitsOf(list), filters, goals)
    if (!visit) continue
    const person = people.get(visit.person) ?? { touches: [], conversions: [] }
    people.set(visit.person, person)
    person.touches.push(touchOf(visit))
    for (const row of list) {
      if (row.at < window.from || row.at >= window.to) continue
      const hit = hitOf(row)
      const value = hit === undefined ? null : reaches(goal, hit)
      if (value !== null) person.conversions.push({ at: row.at, value })
    }
  }
  return [...people.values()]
}

/** Per key: the visits in some conversion's lookback, and how many of them were paid clicks. */
export interface TouchCount {
  touches: number
  clicks: number
}

/**
 * Counts each touch once per key when it lies in the lookback of at least one of its person's
 * conversions (conversion.at - lookback <= at <= conversion.at, as attribute() reads it): the
 * visits the models shared the credit among.
 */
export const touchCounts = (
  people: readonly AttributionPerson<VisitTouch>[],
  lookback: number,
  key: (touch: VisitTouch) => string,
): Map<string, TouchCount> => {
  const counts = new Map<string, TouchCount>()
  for (const person of people) {
    const times = person.conversions.map((c) => c.at).sort((x, y) => x - y)
    for (const touch of person.touches) {
      // The first conversion at or after the touch is the one whose lookback can reach it.
      let lo = 0
      let hi = times.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (times[mid]! < touch.at) lo = mid + 1
        else hi = mid
      }
      if (lo === times.length || times[lo]! - lookback > touch.at) continue
      const k = key(touch)
      const count = counts.get(k) ?? { touches: 0, clicks: 0 }
      count.touches++
      if (touch.clickId) count.clicks++
      counts.set(k, count)
    }
  }
  return counts
}
