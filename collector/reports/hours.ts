// Visits by the UTC hour they start in: the sums of traffic.ts's totals and two sketches (sketch.ts)
// of the hour's devices and people. Stores keep one per hour with visits, made again once a visit
// of the hour or the person of one of its devices changed, so an overview of a month of heavy
// traffic reads 720 small rows instead of every visit. Pure.
import { addToSketch, decodeSketch, estimate, mergeInto, newSketch } from './sketch.ts'
import type { Interval } from './time.ts'
import { type SeriesPoint, seriesBy, sumsOf, type Totals, totalsFrom } from './traffic.ts'
import type { Counts, HourAggregate, VisitSummary } from './types.ts'

export const HOUR = 3_600_000

/**
 * Below this many visits in a period, the overview counts its visits one by one (exact, and fast
 * enough: about 5 µs a visit); above, it adds hours up and estimates visitors and devices.
 */
export const EXACT_VISITS = 50_000

/** The hour a visit counts in. */
export const hourOf = (at: number) => at - (at % HOUR)

/** The aggregate of one hour's visits (all of them starting in it). */
export const hourAggregateOf = (hour: number, visits: readonly VisitSummary[]): HourAggregate => {
  const devices = newSketch()
  const people = newSketch()
  for (const v of visits) {
    addToSketch(devices, v.device)
    addToSketch(people, v.person)
  }
  return { hour, ...sumsOf(visits), devices, people }
}

/** Whole UTC hours: a period in a zone whose offset is a whole number of hours. */
export const alignedToHours = (window: { from: number; to: number }) =>
  window.from % HOUR === 0 && window.to % HOUR === 0

/** Hours added up; visitors and devices estimated from the union of their sketches. */
const countsOf = (hours: readonly HourAggregate[]): Counts => {
  const people = newSketch()
  const devices = newSketch()
  const counts: Counts = {
    visitors: 0,
    devices: 0,
    visits: 0,
    pageviews: 0,
    bounces: 0,
    duration: 0,
    engaged: 0,
    scrollSum: 0,
    scrollCount: 0,
  }
  for (const h of hours) {
    counts.visits += h.visits
    counts.pageviews += h.pageviews
    counts.bounces += h.bounces
    counts.duration += h.duration
    counts.engaged += h.engaged
    counts.scrollSum += h.scrollSum
    counts.scrollCount += h.scrollCount
    mergeInto(people, h.people)
    mergeInto(devices, h.devices)
  }
  counts.visitors = estimate(people)
  counts.devices = estimate(devices)
  return counts
}

export const totalsOfHours = (hours: readonly HourAggregate[]): Totals => totalsFrom(countsOf(hours))

/** seriesOf (traffic.ts) from hours: each bucket the union of its hours, zeros included. */
export const seriesOfHours = (
  hours: readonly HourAggregate[],
  buckets: readonly string[],
  interval: Interval,
  zone: string,
): SeriesPoint[] => seriesBy(hours, (h) => h.hour, countsOf, buckets, interval, zone)

/** An hour as both stores keep it: the sums in snake case, the sketches deflated. */
export interface StoredHour {
  hour: number | string
  visits: number
  pageviews: number
  bounces: number
  duration: number
  engaged: number
  scroll_sum: number
  scroll_count: number
  devices: Uint8Array
  people: Uint8Array
}

/** A stored hour back (a bigint hour may come as text). */
export const hourFromStored = (h: StoredHour): HourAggregate => ({
  hour: Number(h.hour),
  visits: h.visits,
  pageviews: h.pageviews,
  bounces: h.bounces,
  duration: h.duration,
  engaged: h.engaged,
  scrollSum: h.scroll_sum,
  scrollCount: h.scroll_count,
  devices: decodeSketch(h.devices),
  people: decodeSketch(h.people),
})
