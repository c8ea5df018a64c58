/**
 * Planning: how many people an experiment needs to detect its minimum detectable effect (a
 * relative lift of the first goal) with the wanted power, and how far along it is, from its own
 * control's rate or mean and spread and the pace people have arrived at so far. Pure.
 */
import { normalQuantile } from './distributions.ts'
import { sequentialHalfWidth } from './intervals.ts'

export interface PlanInput {
  /** Relative lift to detect, e.g. 0.1 for +10 %. */
  mde: number
  power: number
  alpha: number
  method: 'sequential' | 'fixed'
  /** Traffic shares of the variations, normalized; the smallest one sets the pace. */
  weights: readonly number[]
  /** The control's mean and per-person variance of the first goal. */
  baseline: { mean: number | null; variance: number; users: number }
  /** People in the experiment so far, and on how many days they came. */
  users: number
  days: number
}

export interface Plan {
  mde: number
  power: number
  /** People in all, at the configured split, for the wanted power; null without a baseline. */
  usersNeeded: number | null
  users: number
  /** users / usersNeeded, at most 1. */
  progress: number | null
  usersPerDay: number | null
  /** Days until usersNeeded at the pace so far (0 when reached). */
  daysLeft: number | null
}

/** Too few controls to trust their spread for planning. */
const MIN_BASELINE = 30
const MAX_USERS = 1e10

/**
 * The smallest total N at which a treatment as small as the control's share, with lift `delta`
 * (absolute), is found with probability `power` at a single look at N: delta ≥ half(N) + z_β·se(N).
 * Fixed horizon: half = z_{1−α/2}·se (the textbook formula); sequential: the always-valid half-width,
 * so the plan is a bound (the sequence may stop sooner).
 */
const usersFor = (input: PlanInput, delta: number, variance: number) => {
  const share = Math.min(...input.weights)
  const zBeta = normalQuantile(input.power)
  const zAlpha = normalQuantile(1 - input.alpha / 2)
  const seAt = (n: number) => Math.sqrt((2 * variance) / (share * n))
  const enough = (n: number) => {
    const se = seAt(n)
    const half = input.method === 'fixed' ? zAlpha * se : sequentialHalfWidth(se, 2 * share * n, input.alpha)
    return half + zBeta * se <= delta
  }
  if (!enough(MAX_USERS)) return null
  let lo = 1
  let hi = MAX_USERS
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (enough(mid)) hi = mid
    else lo = mid
  }
  return hi
}

export const planOf = (input: PlanInput): Plan => {
  const { mean, variance, users: controls } = input.baseline
  const usersPerDay = input.days > 0 ? input.users / input.days : null
  const needed =
    mean !== null && mean > 0 && variance > 0 && controls >= MIN_BASELINE && input.weights.length > 1
      ? usersFor(input, input.mde * mean, variance)
      : null
  return {
    mde: input.mde,
    power: input.power,
    usersNeeded: needed,
    users: input.users,
    progress: needed === null ? null : Math.min(1, input.users / needed),
    usersPerDay,
    daysLeft:
      needed === null || !usersPerDay ? null : Math.max(0, Math.ceil((needed - input.users) / usersPerDay)),
  }
}

/**
 * The plan of an experiment from its results: the control's first goal as the baseline, everyone
 * so far, and the days since the first exposure (the current one counted) at `now`.
 */
export const experimentPlan = (
  experiment: { plan: { mde: number; power: number } },
  results: {
    users: number
    alpha: number
    method: 'sequential' | 'fixed'
    experiment: { variations: readonly { weight: number }[] }
    metrics: readonly {
      role: string
      variations: readonly { mean: number | null; variance: number; users: number }[]
    }[]
    daily: readonly { date: string }[]
  },
  now: number,
): Plan => {
  const control = results.metrics.find((m) => m.role === 'goal')?.variations[0]
  // A day (YYYY-MM-DD) or, while the series is hourly, an hour (YYYY-MM-DDTHH:00Z).
  const date = results.daily[0]?.date
  const first = date ? Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date) : null
  return planOf({
    ...experiment.plan,
    alpha: results.alpha,
    method: results.method,
    weights: results.experiment.variations.map((v) => v.weight),
    baseline: control ?? { mean: null, variance: 0, users: 0 },
    users: results.users,
    days: first === null ? 0 : Math.floor((now - first) / 86_400_000) + 1,
  })
}
