/**
 * RFM scoring relative to the site's own customers: each of recency, frequency and monetary value
 * is scored 1–5 by quintile among the customers scored together (5 best: most recent, most
 * orders, most spent), then (R, FM) names a segment. No fixed thresholds, so a shop selling cars
 * and one selling coffee both get five bands.
 *
 * Input per customer: recencyDays (days from the last order to the report date), frequency (orders)
 * and monetary: TOTAL revenue to date (not the mean per order), so a segment's revenue is a sum.
 */

export interface RfmCustomer {
  id: string
  recencyDays: number
  frequency: number
  monetary: number
}

export type RfmSegment =
  | 'champions'
  | 'loyal-customers'
  | 'potential-loyalists'
  | 'new-customers'
  | 'promising'
  | 'need-attention'
  | 'about-to-sleep'
  | 'at-risk'
  | 'cannot-lose-them'
  | 'hibernating'
  | 'lost'

export const segmentLabels: Readonly<Record<RfmSegment, string>> = {
  champions: 'Champions',
  'loyal-customers': 'Loyal customers',
  'potential-loyalists': 'Potential loyalists',
  'new-customers': 'New customers',
  promising: 'Promising',
  'need-attention': 'Need attention',
  'about-to-sleep': 'About to sleep',
  'at-risk': 'At risk',
  'cannot-lose-them': 'Cannot lose them',
  hibernating: 'Hibernating',
  lost: 'Lost',
}

/** Segments from best to worst, the order of the summary. */
export const segments = Object.keys(segmentLabels) as RfmSegment[]

export interface ScoredCustomer extends RfmCustomer {
  r: number
  f: number
  m: number
  segment: RfmSegment
}

/**
 * Quintile scores 1–5 with ties kept together: a value scores 1 + ⌊5·below/n⌋, where `below`
 * counts the customers with a strictly worse value (like pandas' rank(method='min')). Distinct values
 * split into exact fifths; equal values always score the same; the worst value always scores 1,
 * so the 60 % of customers who ordered once all get F = 1 rather than being spread over two
 * bands. The cost of ties: a crowd at the top scores below 5 (everyone equal scores 1).
 */
export const quintileScores = (values: readonly number[], higherIsBetter: boolean): number[] => {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  // The first index whose value is > v (after: true) or ≥ v (after: false).
  const search = (v: number, after: boolean) => {
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! < v || (after && sorted[mid] === v)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  return values.map((v) => {
    const below = higherIsBetter ? search(v, false) : n - search(v, true)
    return 1 + Math.floor((5 * below) / n)
  })
}

/**
 * The usual RFM segment map (the 5×5 R × F map of ten segments circulated with RFM notebooks;
 * "lost" is split here from "hibernating" at R = FM = 1), read on R and FM = ⌊(F + M)/2⌋, so
 * spend counts as much as frequency and both must be high to score high:
 *
 *   R \ FM   1                2                    3                    4                  5
 *   5        new customers    potential loyalists  potential loyalists  champions          champions
 *   4        promising        potential loyalists  potential loyalists  loyal customers    loyal customers
 *   3        about to sleep   about to sleep       need attention       loyal customers    loyal customers
 *   2        hibernating      hibernating          at risk              at risk            cannot lose them
 *   1        lost             hibernating          at risk              at risk            cannot lose them
 */
const MAP: readonly (readonly RfmSegment[])[] = [
  ['lost', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them'],
  ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them'],
  ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal-customers', 'loyal-customers'],
  ['promising', 'potential-loyalists', 'potential-loyalists', 'loyal-customers', 'loyal-customers'],
  ['new-customers', 'potential-loyalists', 'potential-loyalists', 'champions', 'champions'],
]

/** The segment of scores R and FM, each 1–5. */
export const segmentOf = (r: number, fm: number): RfmSegment => {
  const segment = MAP[r - 1]?.[fm - 1]
  if (!segment) throw new RangeError(`scores must be whole numbers 1–5, got R=${r}, FM=${fm}`)
  return segment
}

/** Scores and segments every customer, relative to the others in the list. */
export const scoreRfm = (customers: readonly RfmCustomer[]): ScoredCustomer[] => {
  for (const c of customers)
    if (![c.recencyDays, c.frequency, c.monetary].every(Number.isFinite))
      throw new RangeError(`customer ${c.id}: recency, frequency and monetary must be finite numbers`)
  const r = quintileScores(
    customers.map((c) => c.recencyDays),
    false,
  )
  const f = quintileScores(
    customers.map((c) => c.frequency),
    true,
  )
  const m = quintileScores(
    customers.map((c) => c.monetary),
    true,
  )
  return customers.map((c, i) => ({
    ...c,
    r: r[i]!,
    f: f[i]!,
    m: m[i]!,
    segment: segmentOf(r[i]!, Math.floor((f[i]! + m[i]!) / 2)),
  }))
}

export interface SegmentSummary {
  segment: RfmSegment
  customers: number
  /** Sum of the customers' monetary (total revenue). */
  revenue: number
  /** Mean scores; null for a segment without customers. */
  meanR: number | null
  meanF: number | null
  meanM: number | null
}

export interface RfmSummary {
  /** Every segment, in `segments` order, empty ones included. */
  segments: SegmentSummary[]
  /** Customer counts by score: grid[R − 1][F − 1], for an R × F grid chart. */
  grid: number[][]
}

export const summarizeRfm = (scored: readonly ScoredCustomer[]): RfmSummary => {
  const sums = new Map(segments.map((s) => [s, { customers: 0, revenue: 0, r: 0, f: 0, m: 0 }]))
  const grid = Array.from({ length: 5 }, () => new Array<number>(5).fill(0))
  for (const c of scored) {
    const s = sums.get(c.segment)!
    s.customers += 1
    s.revenue += c.monetary
    s.r += c.r
    s.f += c.f
    s.m += c.m
    grid[c.r - 1]![c.f - 1]! += 1
  }
  return {
    segments: segments.map((segment) => {
      const s = sums.get(segment)!
      const mean = (v: number) => (s.customers > 0 ? v / s.customers : null)
      return {
        segment,
        customers: s.customers,
        revenue: s.revenue,
        meanR: mean(s.r),
        meanF: mean(s.f),
        meanM: mean(s.m),
      }
    }),
    grid,
  }
}
