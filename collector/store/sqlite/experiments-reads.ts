// The results' reads of SQLite's per-person experiment values (kept by sqlite/experiments.ts):
// a metric's people and sums by variation and day, CUPED's sums, and both with a cap
// (winsorizing, MetricSource.cap in experiments/types.ts).

/**
 * The cap of a metric (@event, @property) at percentile @percentile: nearest-rank over the values
 * > 0 of every person of the experiment, all variations pooled. Of the n values in ascending
 * order, the ⌈@percentile · n⌉-th, p·n in float8 (as PostgreSQL's percentile_disc, which the
 * PostgreSQL adapter uses): the ceiling is the truncation plus one when anything was cut off.
 */
const CAP = `cap AS (
    SELECT min(value) AS cap FROM (
      SELECT value, row_number() OVER (ORDER BY value) AS rn, count(*) OVER () AS n
      FROM experiment_values
      WHERE site = @site AND experiment = @experiment AND bucket_version = @version
        AND event = @event AND property = @property AND value > 0
    )
    WHERE rn = CAST(@percentile * n AS INTEGER) + (@percentile * n > CAST(@percentile * n AS INTEGER))
  )`

/** A value capped at c.cap (none when no one has a value > 0). */
const CAPPED = (x: string) => `min(${x}, coalesce(c.cap, ${x}))`

/**
 * CUPED's sums of a registered metric (@event, @property) per variation with people: every
 * person counts (users from the counters), their pre and post values 0 where they have no row.
 * Capped: both values capped at the cap of the post values, computed in the same read.
 */
const covariates = (capped: boolean) => {
  const v = (x: string) => (capped ? CAPPED(x) : x)
  const withCap = capped ? 'CROSS JOIN cap c' : ''
  return `
  WITH ${capped ? `${CAP},` : ''}
  people AS (
    SELECT variation, sum(users) AS users FROM experiment_hourly
    WHERE site = @site AND experiment = @experiment AND bucket_version = @version
    GROUP BY variation HAVING sum(users) != 0
  ),
  pre AS (
    SELECT q.variation, total(${v('q.value')}) AS preSum, total(${v('q.value')} * ${v('q.value')}) AS preSumSquares,
      total(${v('q.value')} * ${v('coalesce(v.value, 0)')}) AS crossSum
    FROM experiment_pre_values q
    LEFT JOIN experiment_values v ON v.site = q.site AND v.profile_id = q.profile_id
      AND v.experiment = q.experiment AND v.bucket_version = q.bucket_version
      AND v.event = q.event AND v.property = q.property
    ${withCap}
    WHERE q.site = @site AND q.experiment = @experiment AND q.bucket_version = @version
      AND q.event = @event AND q.property = @property
    GROUP BY q.variation
  ),
  post AS (
    SELECT variation, total(${v('value')}) AS postSum, total(${v('value')} * ${v('value')}) AS postSumSquares
    FROM experiment_values ${withCap}
    WHERE site = @site AND experiment = @experiment AND bucket_version = @version
      AND event = @event AND property = @property
    GROUP BY variation
  )
  SELECT p.variation, p.users,
    coalesce(pre.preSum, 0.0) AS preSum, coalesce(pre.preSumSquares, 0.0) AS preSumSquares,
    coalesce(post.postSum, 0.0) AS postSum, coalesce(post.postSumSquares, 0.0) AS postSumSquares,
    coalesce(pre.crossSum, 0.0) AS crossSum
  FROM people p LEFT JOIN pre ON pre.variation = p.variation LEFT JOIN post ON post.variation = p.variation
  WHERE EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = @site AND r.event = @event
    AND r.property = @property AND r.experiment = @experiment AND r.bucket_version = @version)
  ORDER BY p.variation`
}

export const COVARIATES_SQL = covariates(false)
/** COVARIATES_SQL with every value capped (@percentile). */
export const CAPPED_COVARIATES_SQL = covariates(true)

/**
 * A metric's people by variation and hour of conversion (and its day), in the order of
 * experiment_values_results.
 */
export const METRIC_SQL = `
  SELECT variation, hour / 24 AS day, hour, count(*) AS users, total(value) AS sum,
    total(value * value) AS sumSquares
  FROM experiment_values
  WHERE site = @site AND experiment = @experiment AND bucket_version = @version
    AND event = @event AND property = @property
  GROUP BY variation, hour`

/** METRIC_SQL with each person's value capped (@percentile), and the cap. */
export const CAPPED_METRIC_SQL = `
  WITH ${CAP}
  SELECT variation, hour / 24 AS day, hour, count(*) AS users, total(${CAPPED('value')}) AS sum,
    total(${CAPPED('value')} * ${CAPPED('value')}) AS sumSquares, c.cap AS cap
  FROM experiment_values CROSS JOIN cap c
  WHERE site = @site AND experiment = @experiment AND bucket_version = @version
    AND event = @event AND property = @property
  GROUP BY variation, hour`
