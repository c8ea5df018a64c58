/**
 * Experiment assignment: who is in an experiment, and which variation they see.
 *
 * Bucketing is GrowthBook's (@growthbook/growthbook 1.8.0, `runExperiment` in src/core.ts): for the
 * same attributes and definition, `assign` picks the same variation as `new GrowthBook().run()`;
 * experiments.compat.test.ts checks this by fuzzing. Differences, all deliberate:
 * - QA overrides are `?precis_exp=key:variant` (variation keys), not `?key=1`; they never log.
 * - Consent: without personalization consent everybody sees the control and nothing is logged.
 * - Only `running` experiments assign (GrowthBook still runs `stopped` ones); the schema's defaults
 *   apply to fields left out (hashVersion 2 where GrowthBook assumes 1).
 * - A `userId` hash attribute falls back to `anonymousId` (GrowthBook's `fallbackAttribute`).
 * - Eligibility is checked before sampling: condition, segment, namespace, then coverage (GrowthBook
 *   checks the namespace first). The order only changes the `reason` given.
 *
 * Sticky assignments: `ctx.sticky` maps `${experimentKey}__${bucketVersion}` to a variation key,
 * exactly the `assignments` of GrowthBook's sticky-bucket documents, merged for one visitor (device).
 * A new assignment comes back as `decision.sticky`; the caller stores `sticky[key] = value`.
 */
import { evalCondition, type SavedGroups } from './conditions.ts'
import type { Experiment } from './experiment-schema.ts'
import { rolloutOf } from './experiment-status.ts'
import { hash } from './hash.ts'

/** An experiment of the site config; fields left out take the schema's defaults. */
export type ExperimentDef = Pick<Experiment, 'key' | 'variations'> &
  Partial<
    Pick<
      Experiment,
      | 'status'
      | 'rollout'
      | 'seed'
      | 'hashVersion'
      | 'hashAttribute'
      | 'bucketVersion'
      | 'coverage'
      | 'namespace'
      | 'condition'
      | 'segment'
    >
  >

export type AssignContext = {
  /** The visitor's attributes (conditions see them all); `anonymousId` / `userId` identify. */
  attributes: Record<string, unknown> & { anonymousId?: string; userId?: string }
  /** The segments the visitor is in now. */
  segments: readonly string[]
  /** The page's query string (`location.search`), for QA overrides. */
  search?: string
  /** Stored assignments: `${experimentKey}__${bucketVersion}` → variation key. */
  sticky?: Readonly<Record<string, string>>
  savedGroups?: SavedGroups
  /** Personalization consent. */
  consent: boolean
}

export type AssignReason =
  | 'qa'
  | 'sticky'
  | 'hash'
  | 'not-running'
  | 'rollout'
  | 'no-consent'
  | 'no-hash-value'
  | 'excluded-condition'
  | 'excluded-segment'
  | 'namespace'
  | 'coverage'

export type Decision = {
  /** Whether the visitor sees an assigned variation (true for QA overrides, which never log). */
  inExperiment: boolean
  /** The variation's index; 0 (the control) when not in the experiment. */
  variation: number
  /** The variation's key. */
  key: string
  /** The value hashed (`''` when none): userId or anonymousId. */
  hashValue: string
  /** The hash in [0, 1), when the visitor was hashed. */
  bucket?: number
  reason: AssignReason
  /** Whether to log an exposure: only for `hash` and `sticky` assignments. */
  log: boolean
  /** A new assignment to persist: `sticky[key] = value`. */
  sticky?: { key: string; value: string }
}

export type VariationRange = [start: number, end: number]

/** `n` equal weights summing to 1 (none for n ≤ 0). */
export const getEqualWeights = (n: number): number[] => (n > 0 ? new Array(n).fill(1 / n) : [])

/**
 * Each variation's [start, end) in [0, 1): cumulative weights, each range shrunk to `coverage` of its
 * weight. As GrowthBook: coverage is clamped to [0, 1] (undefined: 1); weights of the wrong length or
 * not adding up to 1 ± 0.01 are replaced by equal weights.
 */
export const getBucketRanges = (
  numVariations: number,
  coverage = 1,
  weights?: readonly number[],
): VariationRange[] => {
  if (coverage < 0) coverage = 0
  else if (coverage > 1) coverage = 1
  const equal = getEqualWeights(numVariations)
  let w = weights || equal
  if (w.length !== numVariations) w = equal
  const total = w.reduce((sum, x) => sum + x, 0)
  if (total < 0.99 || total > 1.01) w = equal
  let cumulative = 0
  return w.map((x) => {
    const start = cumulative
    cumulative += x
    return [start, start + coverage * x]
  })
}

/** The index of the range holding `n` (start inclusive, end exclusive), or −1. */
export const chooseVariation = (n: number, ranges: readonly VariationRange[]): number => {
  for (let i = 0; i < ranges.length; i++) if (n >= ranges[i]![0] && n < ranges[i]![1]) return i
  return -1
}

/** Whether the visitor's namespace hash falls in [start, end). */
export const inNamespace = (hashValue: string, [name, start, end]: readonly [string, number, number]) => {
  const n = hash(`__${name}`, hashValue, 1)
  return n !== null && n >= start && n < end
}

/** The configured weights when every variation has one, else equal weights. */
export const weightsOf = (experiment: Pick<ExperimentDef, 'variations'>): number[] => {
  const w = experiment.variations.map((v) => v.weight)
  return w.every((x) => x !== undefined) ? (w as number[]) : getEqualWeights(w.length)
}

/** The key an assignment is stored under: `${experimentKey}__${bucketVersion}`. */
export const stickyKey = (experiment: Pick<ExperimentDef, 'key' | 'bucketVersion'>) =>
  `${experiment.key}__${experiment.bucketVersion || 0}`

/**
 * The variation a QA link forces: `?precis_exp=key:variant`, several as `a:x,b:y` and/or repeated
 * parameters. The first entry for this experiment with a known variant wins; none: null.
 */
export const getQAOverride = (
  experimentKey: string,
  search: string,
  variationKeys: readonly string[],
): number | null => {
  for (const value of new URLSearchParams(search).getAll('precis_exp'))
    for (const entry of value.split(',')) {
      const [k, v, extra] = entry.split(':')
      if (v === undefined || extra !== undefined || k!.trim() !== experimentKey) continue
      const i = variationKeys.indexOf(v.trim())
      if (i >= 0) return i
    }
  return null
}

/** Which variation the visitor sees, and whether to log an exposure. Pure; never throws. */
export const assign = (experiment: ExperimentDef, ctx: AssignContext): Decision => {
  const { key, variations, namespace, condition, segment } = experiment
  const keys = variations.map((v) => v.key)
  const attributes = ctx.attributes
  const id = attributes[experiment.hashAttribute || 'anonymousId'] || attributes.anonymousId
  const hashValue = id ? String(id) : ''
  const decide = (variation: number, reason: AssignReason, bucket?: number): Decision => {
    const inExperiment = reason === 'qa' || reason === 'sticky' || reason === 'hash'
    const decision: Decision = {
      inExperiment,
      variation,
      key: keys[variation]!,
      hashValue,
      reason,
      log: inExperiment && reason !== 'qa',
    }
    if (bucket !== undefined) decision.bucket = bucket
    return decision
  }

  const qa = ctx.search ? getQAOverride(key, ctx.search, keys) : null
  if (qa !== null) return decide(qa, 'qa')
  const rollout = rolloutOf(experiment)
  if ((experiment.status || 'draft') !== 'running' && rollout < 0) return decide(0, 'not-running')
  if (!ctx.consent) return decide(0, 'no-consent')
  if (rollout >= 0) return decide(rollout, 'rollout')

  // A stored assignment for this bucket version wins over everything below, as in GrowthBook.
  const storeKey = stickyKey(experiment)
  const stored = ctx.sticky?.[storeKey]
  const kept = stored === undefined ? -1 : keys.indexOf(stored)
  if (kept >= 0) return decide(kept, 'sticky')

  if (!hashValue) return decide(0, 'no-hash-value')
  if (condition && !evalCondition(attributes, condition, ctx.savedGroups))
    return decide(0, 'excluded-condition')
  if (segment && !ctx.segments.includes(segment)) return decide(0, 'excluded-segment')
  if (namespace && !inNamespace(hashValue, namespace)) return decide(0, 'namespace')

  // An unknown hash version (the schema allows none) puts nobody in the experiment, as in GrowthBook.
  const n = hash(experiment.seed || key, hashValue, experiment.hashVersion || 2)
  const ranges = getBucketRanges(variations.length, experiment.coverage ?? 1, weightsOf(experiment))
  const variation = n === null ? -1 : chooseVariation(n, ranges)
  if (variation < 0) return decide(0, 'coverage', n ?? undefined)
  return { ...decide(variation, 'hash', n!), sticky: { key: storeKey, value: keys[variation]! } }
}
