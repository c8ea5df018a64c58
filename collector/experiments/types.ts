/** A metric as the store counts it: `property` '' is a conversion (did the person do `event`?). */
export interface MetricSource {
  event: string
  /** '' for a conversion; else the numeric event property summed per person. */
  property: string
  /**
   * Winsorizing (means only; ignored for a conversion): each person's value is capped at this
   * percentile (0.5–0.9999) of the values > 0 of everyone in the experiment, all variations
   * pooled (zeros ignored, as GrowthBook's "ignore zeros"), before sums are taken. The percentile
   * is nearest-rank: of the n values > 0 in ascending order, the ⌈p·n⌉-th (p·n in float8; as
   * PostgreSQL's percentile_disc). Absent: no cap.
   */
  cap?: number
}

/** What results are needed of one experiment: the current bucket version and every metric. */
export interface ExperimentNeeds {
  key: string
  bucketVersion: number
  metrics: readonly MetricSource[]
}

/**
 * People by the variation and UTC hour (hours since 1970-01-01T00:00Z) of their first exposure,
 * with that hour's UTC day (days since 1970-01-01: hour / 24, truncated).
 */
export interface PeopleRow {
  variation: string
  day: number
  hour: number
  users: number
}

/**
 * People with a metric event after their first exposure, by variation and by the UTC hour (and
 * its day, as PeopleRow's) of the first such event, with the sum and sum of squares of their
 * per-person values (1 for a conversion; the property's sum over those events for a mean).
 */
export interface MetricRow {
  variation: string
  day: number
  hour: number
  users: number
  /** Of the capped values when the metric has a cap. */
  sum: number
  sumSquares: number
  /**
   * Only when the metric has a cap: the value the values were capped at (the same in every row
   * of one read), null when no one has a value > 0.
   */
  cap?: number | null
}

/**
 * How far back a person's pre-exposure value of a metric reaches (CUPED, experiments/cuped.ts):
 * their metric events with first exposure − 14 days ≤ timestamp < first exposure.
 */
export const PRE_EXPOSURE_DAYS = 14
export const PRE_EXPOSURE_WINDOW_MS = PRE_EXPOSURE_DAYS * 86_400_000

/**
 * What CUPED needs of one metric, per variation, over every person counted in it (people with no
 * metric event before or after their first exposure count with the value 0): the post value is
 * that of MetricRow (after the first exposure), the pre value the same per-person value over the
 * person's events (all their devices and ids) in the PRE_EXPOSURE_WINDOW_MS before it. One read,
 * so post and cross sums agree with each other. With a cap (MetricSource.cap), post values and
 * pre values are both capped at the cap of the post values (MetricRow.cap), computed in this read.
 */
export interface CovariateRow {
  variation: string
  users: number
  preSum: number
  preSumSquares: number
  postSum: number
  postSumSquares: number
  /** Σ pre · post. */
  crossSum: number
}

/**
 * One person of an experiment: their profile, and the variation and time (epoch ms) of their first
 * exposure across devices (ties by arrival), as experimentPeople counts them.
 */
export interface ExposedPerson {
  person: string
  variation: string
  firstAt: number
}

/** People per experiment, bucket version and variation: the experiment list. */
export interface SizeRow {
  experiment: string
  bucketVersion: number
  variation: string
  users: number
}

/**
 * Decisions that came late, by variation: `Experiment Late` events (targets first met after the
 * hiding window, so the page stayed as it was; not exposures).
 */
export interface LateRow {
  variation: string
  late: number
}

/**
 * The reads and upkeep behind experiment results (SQLite: store/sqlite/experiments.ts). Everything
 * is derived from stored events: exposures, the people in each experiment by their first
 * exposure across their devices, and per person the value of each registered metric.
 */
export interface ExperimentStore {
  /**
   * Makes the site's registered metrics those of `experiments` (their current bucket versions):
   * new ones are computed from the events stored so far, dropped ones forgotten. Idempotent.
   */
  prepareExperiments(site: string, experiments: readonly ExperimentNeeds[]): Promise<void>
  /**
   * Folds in the events stored (and identity-resolved) since the last call, and recomputes the
   * people whose exposures, metric events or profiles changed. Resolves to events scanned.
   */
  syncExperiments(): Promise<number>
  experimentPeople(site: string, experiment: string, bucketVersion: number): Promise<PeopleRow[]>
  experimentMetric(
    site: string,
    experiment: string,
    bucketVersion: number,
    metric: MetricSource,
  ): Promise<MetricRow[]>
  /**
   * Per variation with people (byte order), the pre- and post-exposure sums of a registered
   * metric over all its people (CovariateRow); none for a metric not registered.
   */
  experimentCovariates(
    site: string,
    experiment: string,
    bucketVersion: number,
    metric: MetricSource,
  ): Promise<CovariateRow[]>
  /**
   * Every person of the experiment and bucket version, one row each: what a metric counted from
   * report rows (goal-metrics.ts: a page goal, a goal with `where`) starts from. In no particular order.
   */
  experimentExposed(site: string, experiment: string, bucketVersion: number): Promise<ExposedPerson[]>
  experimentSizes(site: string): Promise<SizeRow[]>
  /**
   * `Experiment Late` events of the experiment and bucket version (missing is 0, as for
   * exposures), by `variation_id` in byte order. Events, not people: one a page at most.
   */
  experimentLate(site: string, experiment: string, bucketVersion: number): Promise<LateRow[]>
}
