/**
 * CUPED (Deng, Xu, Kohavi, Walker 2013): each person's value of the same metric before their first
 * exposure (X, the PRE_EXPOSURE_DAYS before it; types.ts) explains part of their value after it
 * (Y), and that part is the same in every variation, so taking it out leaves the lift's estimate
 * unbiased and its variance smaller by about ρ² (ρ: the correlation of X and Y). Pure, from the
 * store's per-variation sums (CovariateRow), no I/O.
 *
 * - θ = cov(X, Y) / var(X) over the people of all variations together (GrowthBook's pooled θ).
 * - Per variation, the mean and variance of Y − θ·(X − X̄), X̄ the mean of X over everyone:
 *   mean ȳ − θ·(x̄ − X̄), variance s²_y + θ²·s²_x − 2θ·s_xy (sample moments, n − 1).
 * - These go to the same comparison as unadjusted ones (stats.ts compareMoments).
 * Without variance of X (nobody had a value before, or everyone the same) nothing is adjusted.
 */
import type { Comparison, Moments } from './stats.ts'
import type { CovariateRow } from './types.ts'

export type CupedSums = Omit<CovariateRow, 'variation'>

/** The sums of no one. */
export const NO_SUMS: Readonly<CupedSums> = {
  users: 0,
  preSum: 0,
  preSumSquares: 0,
  postSum: 0,
  postSumSquares: 0,
  crossSum: 0,
}

/** `sums` with one more person, of pre value `x` and post value `y`. */
export const addPerson = (sums: CupedSums, x: number, y: number) => {
  sums.users++
  sums.preSum += x
  sums.preSumSquares += x * x
  sums.postSum += y
  sums.postSumSquares += y * y
  sums.crossSum += x * y
}

export interface CupedFit {
  /** False when X has no variance (or no one is counted): the moments are then the raw ones. */
  applied: boolean
  /** The regression coefficient; 0 when not applied. */
  theta: number
  /** Per variation, in input order: the adjusted (or, not applied, raw) users, mean and variance. */
  moments: Moments[]
}

/** Sample covariance from sums over n values, 0 for fewer than 2. */
const covariance = (n: number, sumA: number, sumB: number, sumAB: number) =>
  n >= 2 ? (sumAB - (sumA * sumB) / n) / (n - 1) : 0

/** Relative size below which a variance of X is rounding, not spread. */
const EPSILON = 1e-12

const momentsOf = (r: CupedSums, theta: number, grandPre: number): Moments => {
  const n = r.users
  if (!(n >= 1) || !Number.isFinite(n)) return { users: 0, mean: null, variance: 0 }
  const meanPre = r.preSum / n
  const meanPost = r.postSum / n
  const varPre = covariance(n, r.preSum, r.preSum, r.preSumSquares)
  const varPost = covariance(n, r.postSum, r.postSum, r.postSumSquares)
  const cov = covariance(n, r.preSum, r.postSum, r.crossSum)
  // s²_y + θ²s²_x − 2θs_xy is the variance of the adjusted values: ≥ 0 but for rounding.
  const variance = Math.max(0, varPost + theta * theta * varPre - 2 * theta * cov)
  return { users: n, mean: meanPost - theta * (meanPre - grandPre), variance }
}

/** θ and each variation's adjusted moments (see the module's comment). */
export const cupedFit = (rows: readonly CupedSums[]): CupedFit => {
  const all = rows.reduce(
    (t, r) => ({
      users: t.users + r.users,
      preSum: t.preSum + r.preSum,
      preSumSquares: t.preSumSquares + r.preSumSquares,
      postSum: t.postSum + r.postSum,
      crossSum: t.crossSum + r.crossSum,
    }),
    { users: 0, preSum: 0, preSumSquares: 0, postSum: 0, crossSum: 0 },
  )
  const n = all.users
  const varPre = covariance(n, all.preSum, all.preSum, all.preSumSquares)
  const cov = covariance(n, all.preSum, all.postSum, all.crossSum)
  const theta = cov / varPre
  const applied =
    n >= 2 &&
    Number.isFinite(theta) &&
    Number.isFinite(varPre) &&
    varPre > EPSILON * Math.max(all.preSumSquares / n, Number.MIN_VALUE)
  const used = applied ? theta : 0
  const grandPre = n > 0 ? all.preSum / n : 0
  return { applied, theta: used, moments: rows.map((r) => momentsOf(r, used, grandPre)) }
}

/** The variance of an estimate, relative lift first (the decision statistic), else absolute. */
const lifts = (raw: Comparison, adjusted: Comparison): [number, number] | null => {
  for (const scale of ['relative', 'absolute'] as const) {
    const a = raw[scale].stdErr
    const b = adjusted[scale].stdErr
    if (a !== null && b !== null && a > 0) return [a * a, b * b]
  }
  return null
}

/**
 * 1 − (adjusted variance of the lift) / (unadjusted variance), summed over the treatments'
 * comparisons (pairs of unadjusted and adjusted, in order); null when no pair has both.
 */
export const varianceReduction = (pairs: readonly [Comparison, Comparison][]): number | null => {
  let raw = 0
  let adjusted = 0
  for (const [r, a] of pairs) {
    const v = lifts(r, a)
    if (v === null) continue
    raw += v[0]
    adjusted += v[1]
  }
  return raw > 0 ? 1 - adjusted / raw : null
}
