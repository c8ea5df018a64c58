// Pure: an experiment's counted people and per-person metric aggregates (from SQL) as results
// with statistics: sample-ratio check, each variation against the control, adjusted p-values, and
// the cumulative users and conversions of the first goal per day.
import type { Experiment, Metric } from '../../sdk/rules/experiment-schema.ts'
import { weightsOf } from '../../sdk/rules/experiments.ts'
import { adjust, compare, type Sample, srm, summarize } from './stats.ts'
import type { MetricRow, MetricSource, PeopleRow } from './types.ts'

export type Adjustment = 'holm' | 'bh'

const DAY = 86_400_000

/** A config metric as the store counts it. */
export const sourceOf = (m: Metric): MetricSource => ({ event: m.event, property: m.property ?? '' })

/** Every metric of an experiment, goals first, each with its role. */
export const metricsOf = (x: Experiment) => [
  ...x.goals.map((m) => ({ ...m, role: 'goal' as const })),
  ...x.guardrails.map((m) => ({ ...m, role: 'guardrail' as const })),
]

type Interval = [number, number] | null

export interface VsControl {
  absolute: { lift: number | null; ci: Interval }
  relative: { lift: number | null; ci: Interval }
  pValue: number | null
  /** Goals: adjusted across every goal and treatment; guardrails are not adjusted (null). */
  adjustedPValue: number | null
  chanceToWin: number | null
}

export interface VariationResult {
  key: string
  users: number
  /** Users with a goal event after their first exposure (conversion metrics only). */
  conversions?: number
  mean: number | null
  variance: number
  stdErr: number | null
  /** null for the control. */
  vsControl: VsControl | null
}

export interface MetricResult {
  event: string
  property: string | null
  kind: 'proportion' | 'mean'
  role: 'goal' | 'guardrail'
  variations: VariationResult[]
}

export interface DailyPoint {
  /** UTC day, YYYY-MM-DD. */
  date: string
  /** Cumulative to the end of the day: people first exposed so far, and of them those converted. */
  variations: { key: string; users: number; conversions: number }[]
}

export interface ResultsInput {
  experiment: Experiment
  people: readonly PeopleRow[]
  /** Rows of each metric of metricsOf(experiment), in that order. */
  metrics: readonly (readonly MetricRow[])[]
  adjustment: Adjustment
  alpha?: number
}

/** A field summed over the rows of one variation. */
const total = <T extends { variation: string }>(rows: readonly T[], key: string, field: (row: T) => number) =>
  rows.reduce((sum, row) => (row.variation === key ? sum + field(row) : sum), 0)

const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10)

/** Cumulative users and first-goal conversions per variation, every day from the first exposure. */
export const dailyOf = (
  keys: readonly string[],
  people: readonly PeopleRow[],
  conversions: readonly MetricRow[],
): DailyPoint[] => {
  const byDay = (rows: readonly { variation: string; day: number; users: number }[]) => {
    const counts = new Map<number, Map<string, number>>()
    for (const r of rows) {
      if (!keys.includes(r.variation)) continue
      const day = counts.get(r.day) ?? new Map<string, number>()
      day.set(r.variation, (day.get(r.variation) ?? 0) + r.users)
      counts.set(r.day, day)
    }
    return counts
  }
  const exposed = byDay(people)
  const converted = byDay(conversions)
  if (exposed.size === 0) return []
  const first = Math.min(...exposed.keys())
  const last = Math.max(...exposed.keys(), ...converted.keys())
  const running = keys.map(() => ({ users: 0, conversions: 0 }))
  const points: DailyPoint[] = []
  for (let day = first; day <= last; day++) {
    keys.forEach((key, i) => {
      running[i]!.users += exposed.get(day)?.get(key) ?? 0
      running[i]!.conversions += converted.get(day)?.get(key) ?? 0
    })
    points.push({ date: isoDay(day), variations: keys.map((key, i) => ({ key, ...running[i]! })) })
  }
  return points
}

const interval = (ci: [number, number] | null): Interval => (ci ? [ci[0], ci[1]] : null)

export const experimentResults = ({ experiment, people, metrics, adjustment, alpha }: ResultsInput) => {
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
    return {
      event: m.event,
      property: m.property ?? null,
      kind,
      role: m.role,
      variations: keys.map((key, i): VariationResult => {
        const s = summarize(samples[i]!)
        const c = i === 0 ? null : compare(samples[0]!, samples[i]!, alpha === undefined ? {} : { alpha })
        return {
          key,
          users: users[i]!,
          ...(kind === 'proportion'
            ? {
                conversions: total(rows, key, (r) => r.users),
              }
            : {}),
          mean: s.mean,
          variance: s.variance,
          stdErr: s.stdErr,
          vsControl: c && {
            absolute: { lift: c.absolute.lift, ci: interval(c.absolute.ci) },
            relative: { lift: c.relative.lift, ci: interval(c.relative.ci) },
            pValue: c.pValue,
            adjustedPValue: null,
            chanceToWin: c.chanceToWin,
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
  })

  const firstGoal = metricsOf(experiment).findIndex((m) => m.role === 'goal')
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
    metrics: results,
    daily: dailyOf(keys, people, metrics[firstGoal] ?? []),
  }
}

export type ExperimentResults = ReturnType<typeof experimentResults>
