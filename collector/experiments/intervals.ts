/**
 * Intervals of one variation's mean that stay inside the metric's range, and the always-valid
 * (sequential) interval of a lift. Pure functions; the results put them beside each mean and lift.
 */
import { normalQuantile } from './distributions.ts'

type Interval = [number, number]

/**
 * Wilson score interval of a proportion (Wilson 1927): inside [0, 1] for any count, and close
 * to nominal coverage even for rates near 0 or 1 where the normal (Wald) interval leaves [0, 1].
 */
export const wilson = (successes: number, n: number, alpha = 0.05): Interval | null => {
  if (!(n > 0) || !(successes >= 0) || successes > n || !(alpha > 0 && alpha < 1)) return null
  const z = normalQuantile(1 - alpha / 2)
  const p = successes / n
  const z2n = (z * z) / n
  const centre = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))
  // Exact at the edges (rounding leaves 1e-17 when p is 0 or 1).
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)]
}

/**
 * Interval of a mean. A metric that cannot be negative (revenue) gets the delta-method interval
 * of log(mean), mapped back: mean·exp(±z·se/mean), never below 0 and wider above than below, as
 * skewed revenue is. A signed metric (refunds allowed) gets the symmetric normal interval.
 */
export const meanInterval = (
  s: { mean: number | null; stdErr: number | null },
  alpha = 0.05,
  signed = false,
): Interval | null => {
  if (s.mean === null || s.stdErr === null || !(alpha > 0 && alpha < 1)) return null
  const z = normalQuantile(1 - alpha / 2)
  if (signed) return [s.mean - z * s.stdErr, s.mean + z * s.stdErr]
  if (s.mean < 0) return null // data contradicts the declared range: no interval rather than a wrong one
  if (s.mean === 0) return [0, 0] // every value 0 (stdErr is 0 too)
  const factor = Math.exp((z * s.stdErr) / s.mean)
  const bounds: Interval = [s.mean / factor, s.mean * factor]
  return Number.isFinite(bounds[1]) ? bounds : null
}

/** GrowthBook's default tuning: the confidence sequence is tightest near this many users. */
export const DEFAULT_TUNING = 5000

/**
 * The mixing parameter ρ of the normal-mixture confidence sequence for a tuning size N
 * (Waudby-Smith et al. 2023, eq. 161, two-sided).
 */
const rhoOf = (alpha: number, tuning: number) => {
  const l = -2 * Math.log(alpha)
  return Math.sqrt((l + Math.log(l + 1)) / tuning)
}

/**
 * Half-width of the always-valid interval of an estimate with standard error `se` after `n`
 * users in all (Waudby-Smith et al. 2023, eq. 9, the asymptotic confidence sequence GrowthBook
 * uses): se·√(2(nρ²+1)·ln(√(nρ²+1)/α) / (nρ²)). It holds at every look at once, so a result
 * watched daily keeps its error rate; it is wider than the fixed-horizon interval.
 */
export const sequentialHalfWidth = (se: number, n: number, alpha = 0.05, tuning = DEFAULT_TUNING) => {
  const rho2 = rhoOf(alpha, tuning) ** 2
  const v = n * rho2
  return se * Math.sqrt((2 * (v + 1) * Math.log(Math.sqrt(v + 1) / alpha)) / v)
}

/**
 * Always-valid p-value of the same sequence: the smallest α whose interval (ρ fixed by the
 * configured alpha) excludes 0, √(nρ²+1)·exp(−(lift/se)²·nρ² / (2(nρ²+1))), capped at 1. It
 * is below alpha exactly when the interval above excludes 0.
 */
export const sequentialPValue = (
  lift: number,
  se: number,
  n: number,
  alpha = 0.05,
  tuning = DEFAULT_TUNING,
) => {
  const v = n * rhoOf(alpha, tuning) ** 2
  const z = lift / se
  return Math.min(1, Math.sqrt(v + 1) * Math.exp((-z * z * v) / (2 * (v + 1))))
}
