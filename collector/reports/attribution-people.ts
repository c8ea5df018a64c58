// Report rows → attribution's people (attribution.ts): each person's touches are their visits
// (visits.ts) from every device, and their conversions the goal's events or page views (goals.ts
// `reaches`) inside the period. Pure: the route reads the rows, from the lookback before the
// period's start to its end, so every conversion sees its whole lookback.
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import type { AttributionPerson, Conversion, Touch } from './attribution.ts'
import { hitOf, reaches } from './goals.ts'
import { type Filter, filterVisits } from './traffic.ts'
import type { ReportRow } from './types.ts'
import { sessionsOf, visitsOf } from './visits.ts'

/** A visit as a touch: its landing page's channel, campaign, source and ad click id. */
export interface VisitTouch extends Touch {
  /** The landing URL carried an ad click id (gclid, fbclid, …): a paid click. */
  clickId: boolean
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
    const landing = list.filter((r) => r.kind === 'page').reduce((a, b) => (b.at < a.at ? b : a))
    const person = people.get(visit.person) ?? { touches: [], conversions: [] }
    people.set(visit.person, person)
    person.touches.push({
      at: visit.start,
      channel: visit.channel,
      campaign: visit.campaign,
      source: visit.source,
      clickId: landing.clickId,
    })
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
