// Retention: cohorts of people by the period of their first visit, and the share of each cohort
// that came back in each later period. Pure and time-zone free: the caller maps an instant to an
// integer period (a day or ISO week number in the site's zone, see time.ts), so DST stays there.
//
// Exact definitions:
// - A person's cohort is periodOf(firstAt); period k of a cohort c is the period c + k.
// - A person counts in period k when one of their returns falls in it; several returns in one
//   period count once. Returns before firstAt are ignored (nobody returns before arriving).
// - Period 0 counts returns in the first period itself: pass the first visit among the returns to
//   make it 100 % ("any event" retention), or only a chosen event to measure it.
// - The report covers [start, end): cohorts periodOf(start)..periodOf(end - 1), each listed even
//   when empty. A period is complete when it ends by `end`, i.e. it is before periodOf(end); an
//   incomplete period is absent from a cohort's row (not zero) and from the curve's average.

/** A person (a profile across devices): their first visit and the instants they came back. */
export interface RetentionPerson {
  firstAt: number
  /** Any order; the first visit may be among them (see period 0). */
  returnAts: readonly number[]
}

/** What the report covers and how instants fall into periods. */
export interface RetentionOptions {
  /** The integer period of an instant, non-decreasing in time (e.g. days since an epoch, local). */
  periodOf: (at: number) => number
  /** The report's first instant (inclusive): people who arrived earlier are left out. */
  start: number
  /** The report's end (exclusive), e.g. now: later periods are incomplete, later arrivals left out. */
  end: number
  /** How many periods after the first to follow: periods 0..periods. */
  periods: number
}

/** One period of one cohort. */
export interface RetentionCell {
  /** 0 for the cohort's own period, k for k periods later. */
  period: number
  /** People of the cohort who came back in this period. */
  people: number
  /** `people` over the cohort's size; null for an empty cohort. */
  rate: number | null
}

/** One row of the triangle. */
export interface Cohort {
  /** The cohort's period, as `periodOf` numbers it. */
  cohort: number
  /** People whose first visit falls in it. */
  people: number
  /** Complete periods only, from 0 up. */
  periods: RetentionCell[]
}

/** One point of the retention curve: the weighted average over cohorts where the period is complete. */
export interface CurvePoint {
  period: number
  /** People who came back in this period, over those cohorts. */
  people: number
  /** The size of those cohorts together. */
  of: number
  /** `people / of`; null when those cohorts are all empty. */
  rate: number | null
}

/** A retention report: the triangle (oldest cohort first) and the curve. */
export interface Retention {
  cohorts: Cohort[]
  /** Periods complete in no cohort are absent. */
  curve: CurvePoint[]
}

const ratio = (n: number, d: number) => (d === 0 ? null : n / d)

/**
 * Counts people one at a time, then builds the cohort triangle and the retention curve. `add` takes
 * a person's returns as `returns[from..to)` so a caller may keep millions of them in one typed array.
 */
export const retentionTally = (options: RetentionOptions) => {
  const { start, end, periods } = options
  if (!Number.isInteger(periods) || periods < 0) throw new RangeError('retention: periods must be 0 or more')
  if (periods > 52) throw new RangeError('retention: at most 52 periods')
  const periodOf = (at: number) => {
    const p = options.periodOf(at)
    if (!Number.isInteger(p)) throw new RangeError(`retention: periodOf(${at}) is not an integer`)
    return p
  }
  const empty = !(end > start)
  const first = empty ? 0 : periodOf(start)
  const last = empty ? -1 : periodOf(end - 1)
  // Periods from this one on are still running.
  const current = empty ? 0 : periodOf(end)

  // returned[c - first][k]: people of cohort c back in period k; size[c - first]: its people.
  const size = new Array<number>(last - first + 1).fill(0)
  const returned = size.map(() => new Array<number>(periods + 1).fill(0))

  const add = (firstAt: number, returns: ArrayLike<number>, from = 0, to = returns.length) => {
    if (empty || firstAt < start || firstAt >= end) return
    const cohort = periodOf(firstAt)
    const row = returned[cohort - first]!
    size[cohort - first]!++
    // Periods 0..52 already counted for this person: two 32-bit masks, not a Set per person.
    let low = 0
    let high = 0
    for (let i = from; i < to; i++) {
      const at = returns[i]!
      if (at < firstAt || at >= end) continue
      const k = periodOf(at) - cohort
      if (k < 0 || k > periods) continue
      const bit = 1 << (k & 31)
      if (k < 32 ? low & bit : high & bit) continue
      if (k < 32) low |= bit
      else high |= bit
      row[k]!++
    }
  }

  const result = (): Retention => {
    const cohorts = size.map((n, i): Cohort => {
      const complete = Math.min(periods, current - (first + i) - 1)
      const cells: RetentionCell[] = []
      for (let k = 0; k <= complete; k++) {
        const back = returned[i]![k]!
        cells.push({ period: k, people: back, rate: ratio(back, n) })
      }
      return { cohort: first + i, people: n, periods: cells }
    })
    const curve: CurvePoint[] = []
    for (let k = 0; k <= periods; k++) {
      const rows = cohorts.filter((c) => c.periods.length > k)
      if (rows.length === 0) break
      const back = rows.reduce((sum, c) => sum + c.periods[k]!.people, 0)
      const of = rows.reduce((sum, c) => sum + c.people, 0)
      curve.push({ period: k, people: back, of, rate: ratio(back, of) })
    }
    return { cohorts, curve }
  }
  return { add, result }
}

/** Builds the cohort triangle and the retention curve. */
export const retention = (people: readonly RetentionPerson[], options: RetentionOptions): Retention => {
  const tally = retentionTally(options)
  for (const person of people) tally.add(person.firstAt, person.returnAts)
  return tally.result()
}
