// Integer periods for cohort reports (retention.ts): local days and ISO weeks (Monday first) in a
// site's time zone, numbered from 1970, and back to the date a period starts. Built on time.ts's
// local dates, so a DST day (23 or 25 hours) is one day and its week one week.
import { addDays, dateOf, daysBetween } from './time.ts'

export type CohortBy = 'day' | 'week'

/** Day 0 (a Thursday) and the first Monday after it, where week 0 starts. */
const EPOCH = '1970-01-01'
const FIRST_MONDAY = '1970-01-05'

/** The period holding local date `date` (YYYY-MM-DD). */
export const periodOfDate = (date: string, by: CohortBy) =>
  by === 'day' ? daysBetween(EPOCH, date) : Math.floor(daysBetween(FIRST_MONDAY, date) / 7)

/** The local date a period starts on: the day itself, or the week's Monday. */
export const periodStart = (period: number, by: CohortBy) =>
  by === 'day' ? addDays(EPOCH, period) : addDays(FIRST_MONDAY, period * 7)

/** 15 minutes: every UTC offset in use is a multiple, so a local date changes only on such a boundary. */
const SLICE = 15 * 60_000

/**
 * `periodOf` for retention(): the period of an instant in `zone`. Intl is slow per call, so the
 * date of each 15-minute slice of time is remembered (offsets and their changes fall on slices).
 */
export const periodsIn = (zone: string, by: CohortBy) => {
  const dates = new Map<number, number>()
  return (at: number) => {
    const slice = Math.floor(at / SLICE)
    let period = dates.get(slice)
    if (period === undefined) {
      period = periodOfDate(dateOf(slice * SLICE, zone), by)
      dates.set(slice, period)
    }
    return period
  }
}
