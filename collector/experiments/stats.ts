/**
 * Statistics of A/B test results: pure functions over per-variation aggregates, no I/O.
 *
 * Conventions (GrowthBook's gbstats frequentist engine):
 * - The decision statistic is the relative lift mean_t/mean_c − 1 with its delta-method variance, tested
 *   with Welch's t and the Welch–Satterthwaite df. `pValue` and `relative.ci` come from that one statistic,
 *   so pValue < alpha exactly when relative.ci excludes 0. The absolute difference is also reported with
 *   its own Welch p-value and CI (the classic unpooled two-sample test); both scales share the same df.
 * - `chanceToWin` is Φ(relative lift / its standard error): the posterior P(lift > 0) under a normal
 *   approximation with a flat prior (GrowthBook's Bayesian engine with an uninformative prior), and
 *   `risk` the expected loss of each choice under the same posterior.
 * - `method: 'sequential'` swaps the t intervals and p-values for the always-valid confidence
 *   sequence (intervals.ts), which may be read at every look; 'fixed' (the default here) is
 *   valid only when read once, at a sample size planned in advance.
 * - Degenerate inputs (fewer than 2 users, zero variance, control mean ≤ 0) give null fields, never NaN,
 *   Infinity or an exception.
 */
import { chiSquareSf, normalCdf, normalPdf, studentTQuantile, studentTTwoSided } from './distributions.ts'
import { DEFAULT_TUNING, sequentialHalfWidth, sequentialPValue } from './intervals.ts'

/**
 * Per-variation aggregate of one per-user metric value: for a conversion metric each user's value is 0/1
 * (sum = sumSquares = conversions); for a revenue-like metric it is the user's summed property.
 */
export interface Sample {
  users: number
  sum: number
  sumSquares: number
}

export interface Summary {
  users: number
  /** null when there are no users. */
  mean: number | null
  /** Sample variance (n − 1 denominator); 0 when users < 2. */
  variance: number
  /** Standard error of the mean; null when users < 2 (one value says nothing about spread). */
  stdErr: number | null
}

/**
 * Summarizes a sample. Invalid aggregates (fewer than one user, non-finite sums, or sums so large that
 * the mean or variance overflows) count as an empty sample.
 */
export const summarize = (s: Sample): Summary => {
  const empty: Summary = { users: 0, mean: null, variance: 0, stdErr: null }
  const { users, sum, sumSquares } = s
  if (!(users >= 1) || !Number.isFinite(users) || !Number.isFinite(sum) || !Number.isFinite(sumSquares))
    return empty
  const mean = sum / users
  if (users < 2) return { users, mean, variance: 0, stdErr: null }
  // Σx² − (Σx)²/n can come out slightly negative by rounding when the spread is tiny next to the mean.
  const variance = Math.max(0, (sumSquares - sum * mean) / (users - 1))
  if (!Number.isFinite(variance)) return empty
  return { users, mean, variance, stdErr: Math.sqrt(variance / users) }
}

export interface Estimate {
  lift: number | null
  stdErr: number | null
  /** Two-sided (1 − alpha) confidence interval. */
  ci: [number, number] | null
  /** Two-sided Welch t-test p-value of this estimate against 0. */
  pValue: number | null
}

export interface Comparison {
  /** Welch–Satterthwaite degrees of freedom; null when it is undefined. */
  df: number | null
  /** mean_t − mean_c, Welch standard error. */
  absolute: Estimate
  /** mean_t / mean_c − 1, delta-method standard error. */
  relative: Estimate
  /** The decision p-value: that of the relative lift. */
  pValue: number | null
  /** P(relative lift > 0) under a normal approximation with a flat prior. */
  chanceToWin: number | null
  /**
   * Expected loss in relative lift, same posterior: of shipping the treatment, E[max(0, −lift)],
   * and of keeping the control, E[max(0, lift)]. Null without a relative estimate.
   */
  risk: { treatment: number; control: number } | null
}

export interface CompareOptions {
  /** 1 − confidence level of the intervals; default 0.05. */
  alpha?: number
  /** 'fixed' (default): Welch t, read once. 'sequential': always valid, read at any time. */
  method?: 'fixed' | 'sequential'
  /** Sequential only: the total users where the sequence is tightest (default 5,000). */
  tuning?: number
}

/** How an estimate is tested: its interval's half-width and its p-value. */
type Test = (lift: number, se: number) => { half: number; pValue: number }

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null)
const noEstimate = (): Estimate => ({ lift: null, stdErr: null, ci: null, pValue: null })

/**
 * Estimate of a lift with standard error `se`, tested by `test` (null: no degrees of freedom);
 * a zero se tests nothing. Anything that overflows (aggregates near 1e308) comes out null
 * rather than Infinity.
 */
const estimate = (rawLift: number | null, rawSe: number | null, test: Test | null): Estimate => {
  const lift = rawLift === null ? null : finiteOrNull(rawLift)
  const se = rawSe === null ? null : finiteOrNull(rawSe)
  if (lift === null || se === null || !(se > 0) || test === null)
    return { lift, stdErr: null, ci: null, pValue: null }
  const { half, pValue } = test(lift, se)
  const lo = lift - half
  const hi = lift + half
  return { lift, stdErr: se, ci: Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null, pValue }
}

/** Expected losses of shipping and of keeping the control, for a normal posterior N(lift, se²). */
const risks = (lift: number, se: number) => {
  const density = se * normalPdf(lift / se)
  const treatment = density - lift * normalCdf(-lift / se)
  const control = density + lift * normalCdf(lift / se)
  // Subtraction can leave −1e-17 where the loss is 0; aggregates near 1e308 overflow.
  return Number.isFinite(treatment) && Number.isFinite(control)
    ? { treatment: Math.max(0, treatment), control: Math.max(0, control) }
    : null
}

/** What a comparison needs of each variation: its users, mean and per-user (sample) variance. */
export type Moments = Pick<Summary, 'users' | 'mean' | 'variance'>

/**
 * Compares a treatment with the control. The t quantile for the intervals is the exact inverse of the
 * Student t CDF at the (real-valued) Welch df; no normal approximation is needed for large df, since
 * studentTQuantile stays accurate there.
 */
export const compare = (control: Sample, treatment: Sample, options: CompareOptions = {}): Comparison =>
  compareMoments(summarize(control), summarize(treatment), options)

/**
 * compare, from each variation's moments rather than its sums: for means that are not plain
 * averages of the users' values (CUPED's adjusted means, cuped.ts). A non-finite mean or
 * variance counts as no users.
 */
export const compareMoments = (
  control: Moments,
  treatment: Moments,
  options: CompareOptions = {},
): Comparison => {
  const alpha = options.alpha ?? 0.05
  const valid = (m: Moments) =>
    m.mean !== null && Number.isFinite(m.mean) && Number.isFinite(m.variance) && m.users >= 1
  const c = control
  const t = treatment
  if (c.mean === null || t.mean === null || !valid(c) || !valid(t))
    return {
      df: null,
      absolute: noEstimate(),
      relative: noEstimate(),
      pValue: null,
      chanceToWin: null,
      risk: null,
    }

  // Per-group variances of the means, v = s²/n.
  const vc = c.variance / c.users
  const vt = t.variance / t.users
  const spread = c.users >= 2 && t.users >= 2 && vc + vt > 0
  const df = spread
    ? finiteOrNull((vc + vt) ** 2 / (vc ** 2 / (c.users - 1) + vt ** 2 / (t.users - 1)))
    : null
  const validAlpha = alpha > 0 && alpha < 1
  let test: Test | null = null
  if (df !== null && options.method === 'sequential') {
    const n = c.users + t.users
    const tuning = options.tuning ?? DEFAULT_TUNING
    test = (lift, se) =>
      validAlpha
        ? {
            half: sequentialHalfWidth(se, n, alpha, tuning),
            pValue: sequentialPValue(lift, se, n, alpha, tuning),
          }
        : { half: Number.NaN, pValue: sequentialPValue(lift, se, n, 0.05, tuning) }
  } else if (df !== null) {
    const quantile = validAlpha ? finiteOrNull(studentTQuantile(1 - alpha / 2, df)) : null
    test = (lift, se) => ({
      half: quantile === null ? Number.NaN : quantile * se,
      pValue: studentTTwoSided(lift / se, df),
    })
  }

  const absolute = estimate(t.mean - c.mean, spread ? Math.sqrt(vc + vt) : null, test)

  // Relative lift needs a positive baseline: against a negative control mean "higher" flips sign.
  let relative = noEstimate()
  if (c.mean > 0) {
    const ratio = t.mean / c.mean
    // Delta method: Var(m_t/m_c) ≈ v_t/m_c² + m_t²·v_c/m_c⁴, written with ratio = m_t/m_c to stay in range.
    const se = spread ? Math.sqrt(vt + ratio * ratio * vc) / c.mean : null
    relative = estimate(ratio - 1, se, test)
  }

  const known = relative.lift !== null && relative.stdErr !== null
  const chanceToWin = known ? normalCdf(relative.lift! / relative.stdErr!) : null
  const risk = known ? risks(relative.lift!, relative.stdErr!) : null
  return { df, absolute, relative, pValue: relative.pValue, chanceToWin, risk }
}

export interface SrmResult {
  /** Pearson χ² statistic; null when the test is undefined (fewer than two weighted variations, no users). */
  chi2: number | null
  /** Number of variations with positive weight, minus one. */
  df: number
  pValue: number | null
  /** Sample-ratio mismatch: pValue < 0.001. */
  warn: boolean
  /** Expected users per variation (0 for zero-weight ones), in input order. */
  expected: number[]
}

/**
 * Sample-ratio-mismatch check: Pearson χ² goodness of fit of the observed users per variation to the
 * traffic weights (normalized here, so [1, 1] and [0.5, 0.5] are the same). Zero-weight variations are
 * left out of the statistic and of df, and their users out of the total. Invalid input gives nulls.
 */
export const srm = (observed: number[], weights: number[]): SrmResult => {
  const valid =
    observed.length === weights.length &&
    observed.every((o) => Number.isFinite(o) && o >= 0) &&
    weights.every((w) => Number.isFinite(w) && w >= 0)
  const active = valid ? weights.map((w) => w > 0) : weights.map(() => false)
  const df = Math.max(0, active.filter(Boolean).length - 1)
  const weightTotal = weights.reduce((sum, w, i) => (active[i] ? sum + w : sum), 0)
  const userTotal = observed.reduce((sum, o, i) => (active[i] ? sum + o : sum), 0)
  const expected = weights.map((w, i) => (active[i] ? (userTotal * w) / weightTotal : 0))
  if (df < 1 || !(userTotal > 0)) return { chi2: null, df, pValue: null, warn: false, expected }
  let chi2 = 0
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!
    if (active[i]) chi2 += (observed[i]! - e) ** 2 / e
  }
  const pValue = chiSquareSf(chi2, df)
  return { chi2, df, pValue, warn: pValue < 0.001, expected }
}

/**
 * Multiple-comparison adjusted p-values, in input order; nulls (and NaN) pass through as null and do not
 * count towards the number of hypotheses.
 * - 'holm': Holm–Bonferroni step-down, p̃(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)); controls FWER.
 * - 'bh': Benjamini–Hochberg step-up, p̃(i) = min over j ≥ i of min(1, m·p(j)/j); controls FDR.
 * Both are monotone in the sorted order, so a hypothesis is rejected at level q exactly when p̃ ≤ q.
 */
export const adjust = (pValues: (number | null)[], method: 'holm' | 'bh'): (number | null)[] => {
  const order = pValues
    .map((p, index) => ({ p: p === null || Number.isNaN(p) ? null : Math.min(1, Math.max(0, p)), index }))
    .filter((entry): entry is { p: number; index: number } => entry.p !== null)
    .sort((a, b) => a.p - b.p)
  const m = order.length
  const adjusted: (number | null)[] = pValues.map(() => null)
  if (method === 'holm') {
    let running = 0
    order.forEach(({ p, index }, i) => {
      running = Math.max(running, Math.min(1, (m - i) * p))
      adjusted[index] = running
    })
  } else {
    let running = 1
    for (let i = m - 1; i >= 0; i--) {
      const { p, index } = order[i]!
      running = Math.min(running, Math.max(p, (m * p) / (i + 1))) // max: m/(i+1) ≥ 1, but rounding
      adjusted[index] = running
    }
  }
  return adjusted
}
