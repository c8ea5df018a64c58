// Pure: an experiment's counted people and per-person metric aggregates (from SQL) as results
// with statistics: sample-ratio check, each variation's mean with an interval inside the metric's
// range, each variation against the control (sequential by default), adjusted p-values, whether
// a result may be acted on now, and the cumulative users and conversions of the first goal per day
// (per hour while the experiment is younger than 3 UTC days).
// Comparisons are CUPED-adjusted (cuped.ts) where people have history before their exposure.
// The dashboard and the CSV draw these numbers; nothing is computed again in the browser.
import type { Experiment, Metric } from '../../sdk/rules/experiment-schema.ts'
import { weightsOf } from '../../sdk/rules/experiments.ts'
import type { Goals } from '../../sdk/rules/goal-schema.ts'
import { cupedFit, NO_SUMS, varianceReduction } from './cuped.ts'
import { meanInterval, wilson } from './intervals.ts'
import { adjust, type Comparison, compare, compareMoments, type Sample, srm, summarize } from './stats.ts'
import {
  type CovariateRow,
  type MetricRow,
  type MetricSource,
  type PeopleRow,
  PRE_EXPOSURE_DAYS,
} from './types.ts'

export type Adjustment = 'holm' | 'bh'
/** 'sequential' (default): always valid, read at any time. 'fixed': read once, at the planned size. */
export type Method = 'sequential' | 'fixed'

const DAY = 86_400_000
const HOUR = 3_600_000

/** A config metric as the store counts it. */
export const sourceOf = (m: Metric): MetricSource => ({
  event: m.event,
  property: m.property ?? '',
  ...(m.cap && m.property !== undefined ? { cap: m.cap.percentile } : {}),
})

/** Every metric of an experiment, goals first, each with its role. */
export const metricsOf = (x: Experiment) => [
  ...x.goals.map((m) => ({ ...m, role: 'goal' as const })),
  ...x.guardrails.map((m) => ({ ...m, role: 'guardrail' as const })),
]

type Interval = [number, number] | null

export interface VsControl {
  /** CUPED-adjusted when the metric's `cuped.applied`, like everything below but `unadjusted`. */
  absolute: { lift: number | null; ci: Interval }
  relative: { lift: number | null; ci: Interval }
  pValue: number | null
  /** Goals: adjusted across every goal and treatment; guardrails are not adjusted (null). */
  adjustedPValue: number | null
  /** The (adjusted, for goals) p-value is below alpha. */
  significant: boolean
  /** P(relative lift > 0), flat prior, normal approximation. */
  chanceToWin: number | null
  /** Expected loss in relative lift of shipping this variation, and of keeping the control. */
  risk: { treatment: number; control: number } | null
  /** With CUPED applied: the same comparison without it; else null. */
  unadjusted: {
    absolute: { lift: number | null; ci: Interval }
    relative: { lift: number | null; ci: Interval }
    pValue: number | null
  } | null
  /** With CUPED applied: 1 − adjusted / unadjusted variance of this lift; else null. */
  varianceReduction: number | null
}

/** CUPED on one metric (cuped.ts). */
export interface CupedResult {
  /** The comparisons are adjusted by each person's value before their first exposure. */
  applied: boolean
  /** Why not: turned off (`cuped=false`), or no spread of values before exposure. */
  reason: 'off' | 'no-history' | null
  /** The regression coefficient; null when not applied. */
  theta: number | null
  /**
   * 1 − adjusted / unadjusted variance of the lift (relative, else absolute), over every
   * treatment; null when not applied.
   */
  varianceReduction: number | null
  /** The days before the first exposure that count as history. */
  windowDays: number
}

export interface VariationResult {
  key: string
  users: number
  /** Users with a goal event after their first exposure (conversion metrics only). */
  conversions?: number
  mean: number | null
  /**
   * The (1 − alpha) interval of the mean, inside the metric's range: Wilson for a rate, the
   * log-scale interval for a metric that cannot be negative, symmetric for a signed one.
   */
  ci: Interval
  variance: number
  stdErr: number | null
  /** null for the control. */
  vsControl: VsControl | null
}

export interface MetricResult {
  event: string
  property: string | null
  /** Only for a metric that counts a site goal: its key, and its name (the key when it has none). */
  goal?: string
  name?: string
  kind: 'proportion' | 'mean'
  role: 'goal' | 'guardrail'
  /**
   * Winsorizing (`cap` of a mean metric): the percentile and the value each person's value was
   * capped at before the sums (null when no one has a value > 0); null without a cap.
   */
  cap: { percentile: number; value: number | null } | null
  cuped: CupedResult
  variations: VariationResult[]
}

export interface DailyPoint {
  /** UTC day, YYYY-MM-DD; with `granularity` 'hour', the UTC hour, YYYY-MM-DDTHH:00Z. */
  date: string
  /**
   * Cumulative to the end of the day (or hour): people first exposed so far, of them those
   * converted, and the relative lift of that conversion rate over the control's (null for the
   * control, and while either has no one or the control no conversion).
   */
  variations: { key: string; users: number; conversions: number; lift: number | null }[]
}

/** The lift-over-time series' step: hours while the experiment has run on fewer than 3 UTC days. */
export type Granularity = 'hour' | 'day'

/** Hourly while a daily series would have fewer than this many points. */
export const HOURLY_BELOW_DAYS = 3

export interface ResultsInput {
  experiment: Experiment
  people: readonly PeopleRow[]
  /** Rows of each metric of metricsOf(experiment), in that order. */
  metrics: readonly (readonly MetricRow[])[]
  /** CUPED's sums of each metric, in the same order (missing: none applied). */
  covariates?: readonly (readonly CovariateRow[])[]
  /** Adjust comparisons with CUPED where there is history before exposure (default true). */
  cuped?: boolean
  adjustment: Adjustment
  method?: Method
  alpha?: number
  /** Now (ms): how long the experiment has run, for the series' granularity (else its last row). */
  now?: number
  /** The site's goals: a metric counting one is named by the goal's name. */
  goals?: Goals
}

/** A field summed over the rows of one variation. */
const total = <T extends { variation: string }>(rows: readonly T[], key: string, field: (row: T) => number) =>
  rows.reduce((sum, row) => (row.variation === key ? sum + field(row) : sum), 0)

const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10)
const isoHour = (hour: number) => `${new Date(hour * HOUR).toISOString().slice(0, 13)}:00Z`

/**
 * 'hour' while the experiment has run on fewer than HOURLY_BELOW_DAYS UTC days (the first
 * exposure's day to now's, or to the last row's without `now`), else 'day'.
 */
export const granularityOf = (
  people: readonly PeopleRow[],
  conversions: readonly MetricRow[],
  now?: number,
): Granularity => {
  if (people.length === 0) return 'day'
  const first = Math.min(...people.map((r) => r.day))
  const last =
    now === undefined ? Math.max(...[...people, ...conversions].map((r) => r.day)) : Math.floor(now / DAY)
  return last - first + 1 < HOURLY_BELOW_DAYS ? 'hour' : 'day'
}

/**
 * Cumulative users, first-goal conversions and lift per variation (the first is the control),
 * every day (or hour) from the first exposure.
 */
export const dailyOf = (
  keys: readonly string[],
  people: readonly PeopleRow[],
  conversions: readonly MetricRow[],
  granularity: Granularity = 'day',
): DailyPoint[] => {
  const stepOf = (r: { day: number; hour: number }) => (granularity === 'hour' ? r.hour : r.day)
  const byStep = (rows: readonly { variation: string; day: number; hour: number; users: number }[]) => {
    const counts = new Map<number, Map<string, number>>()
    for (const r of rows) {
      if (!keys.includes(r.variation)) continue
      const step = counts.get(stepOf(r)) ?? new Map<string, number>()
      step.set(r.variation, (step.get(r.variation) ?? 0) + r.users)
      counts.set(stepOf(r), step)
    }
    return counts
  }
  const exposed = byStep(people)
  const converted = byStep(conversions)
  if (exposed.size === 0) return []
  const first = Math.min(...exposed.keys())
  const last = Math.max(...exposed.keys(), ...converted.keys())
  const running = keys.map(() => ({ users: 0, conversions: 0 }))
  const points: DailyPoint[] = []
  for (let step = first; step <= last; step++) {
    keys.forEach((key, i) => {
      running[i]!.users += exposed.get(step)?.get(key) ?? 0
      running[i]!.conversions += converted.get(step)?.get(key) ?? 0
    })
    const rate = ({ users, conversions }: { users: number; conversions: number }) =>
      users > 0 ? conversions / users : null
    const base = rate(running[0]!)
    points.push({
      date: granularity === 'hour' ? isoHour(step) : isoDay(step),
      variations: keys.map((key, i) => {
        const r = rate(running[i]!)
        const lift = i === 0 || base === null || base === 0 || r === null ? null : r / base - 1
        return { key, ...running[i]!, lift }
      }),
    })
  }
  return points
}

const interval = (ci: [number, number] | null): Interval => (ci ? [ci[0], ci[1]] : null)

/**
 * Each treatment against the control, unadjusted and (when CUPED applies) adjusted, with the
 * metric's CUPED summary. The adjusted comparison uses the covariate read's own post sums, so
 * every sum of it comes from one read.
 */
const comparisons = (
  keys: readonly string[],
  samples: readonly Sample[],
  rows: readonly CovariateRow[] | undefined,
  on: boolean,
  options: { alpha: number; method: Method },
) => {
  const raw = keys.map((_, i) => (i === 0 ? null : compare(samples[0]!, samples[i]!, options)))
  const off = (reason: CupedResult['reason']) => ({
    cuped: { applied: false, reason, theta: null, varianceReduction: null, windowDays: PRE_EXPOSURE_DAYS },
    adjusted: raw.map(() => null as Comparison | null),
    raw,
  })
  if (!on) return off('off')
  const fit = cupedFit(keys.map((key) => rows?.find((r) => r.variation === key) ?? NO_SUMS))
  if (!fit.applied) return off('no-history')
  const adjusted = keys.map((_, i) =>
    i === 0 ? null : compareMoments(fit.moments[0]!, fit.moments[i]!, options),
  )
  const pairs = raw.flatMap((r, i) =>
    r && adjusted[i] ? [[r, adjusted[i]!] as [Comparison, Comparison]] : [],
  )
  return {
    cuped: {
      applied: true,
      reason: null,
      theta: fit.theta,
      varianceReduction: varianceReduction(pairs),
      windowDays: PRE_EXPOSURE_DAYS,
    },
    adjusted,
    raw,
  }
}

export const experimentResults = ({
  experiment,
  people,
  metrics,
  covariates = [],
  cuped = true,
  adjustment,
  method = 'sequential',
  alpha = 0.05,
  now,
  goals = {},
}: ResultsInput) => {
  const keys = experiment.variations.map((v) => v.key)
  const weights = weightsOf(experiment)
  const users = keys.map((key) => total(people, key, (r) => r.users))
  const ratio = srm(users, weights)

  const results: MetricResult[] = metricsOf(experiment).map((m, index) => {
    const rows = metrics[index] ?? []
    const kind = m.property === undefined ? 'proportion' : 'mean'
    const samples: Sample[] = keys.map((key, i) => ({
      users: users[i]!,
      sum: total(rows, key, (r) => r.sum),
      sumSquares: total(rows, key, (r) => r.sumSquares),
    }))
    const tested = comparisons(keys, samples, covariates[index], cuped, { alpha, method })
    const goal = m.goal === undefined ? undefined : Object.hasOwn(goals, m.goal) ? goals[m.goal] : undefined
    return {
      event: m.event,
      property: m.property ?? null,
      ...(m.goal === undefined ? {} : { goal: m.goal, name: goal?.name ?? m.goal }),
      kind,
      role: m.role,
      cap:
        m.cap && kind === 'mean'
          ? { percentile: m.cap.percentile, value: rows.find((r) => r.cap != null)?.cap ?? null }
          : null,
      cuped: tested.cuped,
      variations: keys.map((key, i): VariationResult => {
        const s = summarize(samples[i]!)
        const raw = tested.raw[i] ?? null
        const c = tested.adjusted[i] ?? raw
        const converted = total(rows, key, (r) => r.users)
        return {
          key,
          users: users[i]!,
          ...(kind === 'proportion' ? { conversions: converted } : {}),
          mean: s.mean,
          ci: interval(
            kind === 'proportion'
              ? wilson(converted, users[i]!, alpha)
              : meanInterval(s, alpha, m.signed === true),
          ),
          variance: s.variance,
          stdErr: s.stdErr,
          vsControl: c && {
            absolute: { lift: c.absolute.lift, ci: interval(c.absolute.ci) },
            relative: { lift: c.relative.lift, ci: interval(c.relative.ci) },
            pValue: c.pValue,
            adjustedPValue: null,
            significant: c.pValue !== null && c.pValue < alpha,
            chanceToWin: c.chanceToWin,
            risk: c.risk,
            unadjusted:
              raw && c !== raw
                ? {
                    absolute: { lift: raw.absolute.lift, ci: interval(raw.absolute.ci) },
                    relative: { lift: raw.relative.lift, ci: interval(raw.relative.ci) },
                    pValue: raw.pValue,
                  }
                : null,
            varianceReduction: raw && c !== raw ? varianceReduction([[raw, c]]) : null,
          },
        }
      }),
    }
  })

  // One family: every goal metric against the control, in every treatment.
  const tests = results
    .filter((m) => m.role === 'goal')
    .flatMap((m) => m.variations.map((v) => v.vsControl).filter((v): v is VsControl => v !== null))
  adjust(
    tests.map((t) => t.pValue),
    adjustment,
  ).forEach((p, i) => {
    tests[i]!.adjustedPValue = p
    tests[i]!.significant = p !== null && p < alpha
  })
  const decided = tests.some((t) => t.significant)

  const firstGoal = metricsOf(experiment).findIndex((m) => m.role === 'goal')
  const conversions = metrics[firstGoal] ?? []
  const granularity = granularityOf(people, conversions, now)
  return {
    experiment: {
      key: experiment.key,
      name: experiment.name ?? experiment.key,
      status: experiment.status,
      bucketVersion: experiment.bucketVersion,
      variations: experiment.variations.map((v, i) => ({
        key: v.key,
        name: v.name ?? v.key,
        weight: weights[i]!,
      })),
    },
    users: users.reduce((a, b) => a + b, 0),
    srm: {
      chi2: ratio.chi2,
      pValue: ratio.pValue,
      warn: ratio.warn,
      expected: ratio.expected,
      observed: users,
    },
    adjustment,
    method,
    alpha,
    /** The prior of chanceToWin and risk. */
    prior: 'flat' as const,
    /**
     * Whether the goals may be acted on now: with the sequential method, as soon as a goal's
     * adjusted p-value is below alpha (at any look); with the fixed horizon, only when read once
     * at the planned size, which the API cannot know: it says so rather than guess.
     */
    verdict:
      method === 'fixed'
        ? ('read-once' as const)
        : decided
          ? ('act-now' as const)
          : ('keep-running' as const),
    metrics: results,
    /** The step of `daily`: hours while the experiment has run on fewer than 3 UTC days. */
    granularity,
    daily: dailyOf(keys, people, conversions, granularity),
  }
}

export type ExperimentResults = ReturnType<typeof experimentResults>
