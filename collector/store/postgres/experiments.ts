// Experiments on PostgreSQL: results computed at read time with set-based SQL from the events, the
// identity tables and one derived table of exposures; syncExperiments has next to nothing to do.
//
// Why not SQLite's incremental design (per-person rows and counters behind a watermark): with
// several collectors inserting and resolving at once, a smaller seq can commit after a larger one
// was read, and keeping per-person rows right would take queues fed by triggers on events,
// identifiers and dropped partitions, each path agreeing with SQLite's. Read-time SQL gives
// SQLite's numbers by construction, on one snapshot, whatever the concurrency.
//
// Why the one derived table: parsing each exposure's JSON on every read costs ~5 µs a row, and
// PostgreSQL keeps no statistics on a partial expression index, so it misjudged experiment sizes
// and chose nested loops. experiment_exposures has a row per `Experiment Viewed` event, parsed
// once by a trigger in the inserting transaction (plain inserts: nothing for writers to conflict
// on) and deleted with its event. Dropped partitions fire no trigger: a row records its partition,
// reads keep rows of partitions that exist, and a sync deletes the rest once partitions change.
// Metric events are read from the events (a partial index on track events by name).
import {
  type CovariateRow,
  type ExperimentNeeds,
  type ExperimentStore,
  type ExposedPerson,
  type LateRow,
  type MetricRow,
  type MetricSource,
  type PeopleRow,
  PRE_EXPOSURE_WINDOW_MS,
  type SizeRow,
} from '../../experiments/types.ts'
import type { Migration, Sql } from './schema.ts'

/**
 * precis_bucket_version: the bucket version SQLite derives from the same JSON (store/
 * sqlite/experiments.ts, CAPTURE_EXPOSURES), NULL when the event is not an exposure: missing or
 * null is 0, an integral number is itself, true/false are 1/0 (SQLite's ->> makes them integers),
 * anything else, or an integer beyond 64 bits (where SQLite's casts saturate), is none.
 * precis_number: a metric property's value when it is a JSON number, else NULL (a payload that is
 * not JSON, or a number beyond float8, must not fail a whole read).
 * The exposure's partition is TG_RELID: row triggers of a partitioned table fire on the partition.
 */
const EXPERIMENTS_1 = `
  CREATE TABLE experiment_metrics (
    site TEXT NOT NULL,
    experiment TEXT NOT NULL,
    bucket_version INTEGER NOT NULL,
    event TEXT NOT NULL,
    property TEXT NOT NULL,
    PRIMARY KEY (site, experiment, bucket_version, event, property)
  );
  CREATE TABLE experiment_exposures (
    seq BIGINT PRIMARY KEY,
    site TEXT NOT NULL,
    experiment TEXT NOT NULL,
    bucket_version BIGINT NOT NULL,
    unit TEXT NOT NULL,
    variation TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    part OID NOT NULL
  );
  CREATE INDEX experiment_exposures_read ON experiment_exposures
    (site, experiment, bucket_version) INCLUDE (unit, timestamp, seq, variation, part);
  CREATE INDEX events_track_name ON events (site, name, timestamp) WHERE type = 'track';
  CREATE FUNCTION precis_bucket_version(p JSONB) RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE coalesce(jsonb_typeof(p -> 'bucket_version'), 'null')
      WHEN 'null' THEN 0
      WHEN 'boolean' THEN CASE WHEN (p -> 'bucket_version')::boolean THEN 1 ELSE 0 END
      WHEN 'number' THEN CASE WHEN (p -> 'bucket_version')::numeric % 1 = 0
        AND abs((p -> 'bucket_version')::numeric) < 9223372036854775808
        THEN (p -> 'bucket_version')::numeric END
    END $$;
  CREATE FUNCTION precis_number(payload TEXT, property TEXT) RETURNS FLOAT8 LANGUAGE plpgsql IMMUTABLE AS $$
  DECLARE v JSONB;
  BEGIN
    v := payload::jsonb -> 'properties' -> property;
    RETURN CASE WHEN jsonb_typeof(v) = 'number' THEN v::float8 END;
  EXCEPTION WHEN others THEN RETURN NULL;
  END $$;
  CREATE FUNCTION precis_exposure_stored() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    p JSONB := precis_jsonb(NEW.payload) -> 'properties';
    bv NUMERIC := precis_bucket_version(p);
  BEGIN
    IF NEW.anonymous_id IS NOT NULL AND bv IS NOT NULL
      AND jsonb_typeof(p -> 'experiment_id') = 'string' AND jsonb_typeof(p -> 'variation_id') = 'string' THEN
      INSERT INTO experiment_exposures (seq, site, experiment, bucket_version, unit, variation, timestamp, part)
      VALUES (NEW.seq, NEW.site, p ->> 'experiment_id', bv, NEW.anonymous_id, p ->> 'variation_id',
        NEW.timestamp, TG_RELID);
    END IF;
    RETURN NULL;
  END $$;
  CREATE FUNCTION precis_exposure_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM experiment_exposures WHERE seq = OLD.seq;
    RETURN NULL;
  END $$;
  CREATE TRIGGER experiment_exposure_stored AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.type = 'track' AND NEW.name = 'Experiment Viewed') EXECUTE FUNCTION precis_exposure_stored();
  CREATE TRIGGER experiment_exposure_deleted AFTER DELETE ON events FOR EACH ROW
    WHEN (OLD.type = 'track' AND OLD.name = 'Experiment Viewed') EXECUTE FUNCTION precis_exposure_deleted();
  -- Exposures stored before this migration.
  WITH parsed AS (
    SELECT e.seq, e.site, e.anonymous_id, e.timestamp, e.tableoid, precis_jsonb(e.payload) -> 'properties' AS p
    FROM events e WHERE e.type = 'track' AND e.name = 'Experiment Viewed' AND e.anonymous_id IS NOT NULL
  )
  INSERT INTO experiment_exposures (seq, site, experiment, bucket_version, unit, variation, timestamp, part)
  SELECT seq, site, p ->> 'experiment_id', precis_bucket_version(p), anonymous_id, p ->> 'variation_id',
    timestamp, tableoid
  FROM parsed
  WHERE precis_bucket_version(p) IS NOT NULL
    AND jsonb_typeof(p -> 'experiment_id') = 'string' AND jsonb_typeof(p -> 'variation_id') = 'string';
  INSERT INTO meta (key, value) VALUES ('experiment_partitions', '');`

export const EXPERIMENTS_MIGRATIONS: Migration[] = [{ name: 'experiments/1', sql: EXPERIMENTS_1 }]

/** The events table's partitions now: exposures of any other were dropped with their month. */
const PARTITIONS = `SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass`

/**
 * People of experiment $2, bucket version $3, by their first exposure: a device (anonymousId)
 * belongs to the profile holding it; across a profile's devices the earliest exposure wins, ties
 * going to the first stored (SQLite: the lower rowid). COLLATE "C": any order groups, and bytes
 * sort fastest.
 */
const PEOPLE = `people AS (
    SELECT DISTINCT ON (i.profile_id COLLATE "C") i.profile_id, x.variation, x.timestamp AS first_at
    FROM experiment_exposures x
    JOIN identifiers i ON i.site = x.site AND i.kind = 'anonymous' AND i.value = x.unit
    WHERE x.site = $1 AND x.experiment = $2 AND x.bucket_version = $3::bigint
      AND x.part = ANY(ARRAY(${PARTITIONS}))
    ORDER BY i.profile_id COLLATE "C", x.timestamp, x.seq
  )`

/** UTC hour number (hours since 1970); integer division truncates like SQLite's. */
const HOUR_OF = (column: string) => `${column} / 3600000`

/** People by variation and hour of first exposure; the day is the hour's (hour / 24). */
export const PEOPLE_SQL = `WITH ${PEOPLE}
  SELECT variation, (hour / 24)::int AS day, hour::int AS hour, count(*)::int AS users
  FROM (SELECT variation, ${HOUR_OF('first_at')} AS hour FROM people) p
  GROUP BY variation, hour ORDER BY variation COLLATE "C", hour`

/** Every person of the experiment, by their first exposure (PEOPLE). */
export const EXPOSED_SQL = `WITH ${PEOPLE}
  SELECT profile_id AS person, variation, first_at::float8 AS "firstAt" FROM people`

/**
 * Metric $4 (property $5, '' for a conversion) of registered metrics only. A metric event belongs
 * to its userId's profile, else its anonymousId's; it counts after the person's first exposure.
 * Per person: 1 for a conversion, else the sum of the property where it is a JSON number; the hour
 * (and its day) is that of the first such event. Events before every first exposure are skipped by the index;
 * payloads are parsed (precis_number) only for the events that count.
 */
const metricSql = (capped: boolean) => {
  const v = (x: string) => (capped ? `least(${x}, coalesce(c.cap, ${x}))` : x)
  return `WITH ${PEOPLE},
  owned AS (
    SELECT coalesce(iu.profile_id, ia.profile_id) AS profile_id, e.timestamp, e.payload
    FROM events e
    LEFT JOIN identifiers iu ON iu.site = $1 AND iu.kind = 'user' AND iu.value = e.user_id
    LEFT JOIN identifiers ia ON ia.site = $1 AND ia.kind = 'anonymous' AND ia.value = e.anonymous_id
    WHERE e.site = $1 AND e.type = 'track' AND e.name = $4
      AND e.timestamp > (SELECT min(first_at) FROM people)
  ),
  per_person AS (
    SELECT p.variation, ${HOUR_OF('min(m.timestamp)')} AS hour,
      CASE WHEN $5::text = '' THEN 1
        ELSE coalesce(sum(CASE WHEN $5::text <> '' THEN precis_number(m.payload, $5::text) END), 0) END AS value
    FROM people p JOIN owned m ON m.profile_id = p.profile_id AND m.timestamp > p.first_at
    GROUP BY p.profile_id, p.variation
  )${
    capped
      ? `,
  ${CAP('value', 'per_person')}`
      : ''
  }
  SELECT variation, (hour / 24)::int AS day, hour::int AS hour, count(*)::int AS users, sum(${v('value')})::float8 AS sum,
    sum(${v('value')} * ${v('value')})::float8 AS "sumSquares"${capped ? ', c.cap' : ''}
  FROM per_person${capped ? ' CROSS JOIN cap c' : ''}
  WHERE EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = $1 AND r.experiment = $2
    AND r.bucket_version = $3::bigint AND r.event = $4 AND r.property = $5::text)
  GROUP BY variation, hour${capped ? ', c.cap' : ''} ORDER BY variation COLLATE "C", hour`
}

/**
 * The cap at percentile $6 of a metric's per-person values (`value` of `rows`): percentile_disc
 * over the values > 0, all variations pooled, which is nearest-rank (the ⌈$6 · n⌉-th of the n
 * values in ascending order), as SQLite's read (store/sqlite/experiments-reads.ts).
 */
const CAP = (value: string, rows: string) => `cap AS (
    SELECT percentile_disc($6::float8) WITHIN GROUP (ORDER BY ${value}) FILTER (WHERE ${value} > 0)::float8 AS cap
    FROM ${rows}
  )`

export const METRIC_SQL = metricSql(false)
/** METRIC_SQL with each person's value capped at the cap of percentile $6, and the cap. */
export const CAPPED_METRIC_SQL = metricSql(true)

/**
 * CUPED's sums of metric $4 (property $5) per variation, over every person of experiment $2: the
 * post value as METRIC_SQL's (0 without an event after the first exposure), the pre value the same
 * per-person value over their events in the PRE_EXPOSURE_WINDOW_MS before it (0 without one).
 * Capped: pre and post values capped at the cap of the post values (percentile $6), as METRIC_SQL's.
 */
const covariatesSql = (capped: boolean) => {
  const v = (x: string) => (capped ? `least(${x}, coalesce(c.cap, ${x}))` : x)
  return `WITH ${PEOPLE},
  owned AS (
    SELECT coalesce(iu.profile_id, ia.profile_id) AS profile_id, e.timestamp, e.payload
    FROM events e
    LEFT JOIN identifiers iu ON iu.site = $1 AND iu.kind = 'user' AND iu.value = e.user_id
    LEFT JOIN identifiers ia ON ia.site = $1 AND ia.kind = 'anonymous' AND ia.value = e.anonymous_id
    WHERE e.site = $1 AND e.type = 'track' AND e.name = $4
      AND e.timestamp >= (SELECT min(first_at) FROM people) - ${PRE_EXPOSURE_WINDOW_MS}
  ),
  per_person AS (
    SELECT p.variation,
      CASE WHEN $5::text = '' THEN CASE WHEN bool_or(m.timestamp < p.first_at) THEN 1 ELSE 0 END
        ELSE coalesce(sum(CASE WHEN $5::text <> '' THEN precis_number(m.payload, $5::text) END)
          FILTER (WHERE m.timestamp < p.first_at), 0) END AS pre,
      CASE WHEN $5::text = '' THEN CASE WHEN bool_or(m.timestamp > p.first_at) THEN 1 ELSE 0 END
        ELSE coalesce(sum(CASE WHEN $5::text <> '' THEN precis_number(m.payload, $5::text) END)
          FILTER (WHERE m.timestamp > p.first_at), 0) END AS post
    FROM people p
    LEFT JOIN owned m ON m.profile_id = p.profile_id
      AND m.timestamp >= p.first_at - ${PRE_EXPOSURE_WINDOW_MS}
    GROUP BY p.profile_id, p.variation
  )${
    capped
      ? `,
  ${CAP('post', 'per_person')}`
      : ''
  }
  SELECT variation, count(*)::int AS users, sum(${v('pre')})::float8 AS "preSum",
    sum(${v('pre')} * ${v('pre')})::float8 AS "preSumSquares", sum(${v('post')})::float8 AS "postSum",
    sum(${v('post')} * ${v('post')})::float8 AS "postSumSquares", sum(${v('pre')} * ${v('post')})::float8 AS "crossSum"
  FROM per_person${capped ? ' CROSS JOIN cap c' : ''}
  WHERE EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = $1 AND r.experiment = $2
    AND r.bucket_version = $3::bigint AND r.event = $4 AND r.property = $5::text)
  GROUP BY variation ORDER BY variation COLLATE "C"`
}

export const COVARIATES_SQL = covariatesSql(false)
/** COVARIATES_SQL with every value capped at the cap of percentile $6. */
export const CAPPED_COVARIATES_SQL = covariatesSql(true)

/** Every experiment's people of the site, by bucket version and variation. */
export const SIZES_SQL = `WITH firsts AS (
    SELECT DISTINCT ON (i.profile_id COLLATE "C", x.experiment COLLATE "C", x.bucket_version)
      x.experiment, x.bucket_version, x.variation
    FROM experiment_exposures x
    JOIN identifiers i ON i.site = x.site AND i.kind = 'anonymous' AND i.value = x.unit
    WHERE x.site = $1 AND x.part = ANY(ARRAY(${PARTITIONS}))
    ORDER BY i.profile_id COLLATE "C", x.experiment COLLATE "C", x.bucket_version, x.timestamp, x.seq
  )
  SELECT experiment, bucket_version AS "bucketVersion", variation, count(*)::int AS users
  FROM firsts GROUP BY experiment, bucket_version, variation
  ORDER BY experiment COLLATE "C", bucket_version, variation COLLATE "C"`

/**
 * Late decisions of experiment $2, bucket version $3, by variation: `Experiment Late` events read
 * through events_track_name, their bucket version read as an exposure's (precis_bucket_version).
 */
export const LATE_SQL = `
  SELECT p ->> 'variation_id' COLLATE "C" AS variation, count(*)::int AS late
  FROM (SELECT precis_jsonb(payload) -> 'properties' AS p
    FROM events WHERE site = $1 AND type = 'track' AND name = 'Experiment Late' OFFSET 0) e
  WHERE p -> 'experiment_id' = to_jsonb($2::text) AND jsonb_typeof(p -> 'variation_id') = 'string'
    AND precis_bucket_version(p) = $3::bigint
  GROUP BY 1
  ORDER BY 1`

/** The partitions as one comparable text, to tell when they changed. */
const PARTITION_LIST = `SELECT coalesce(string_agg(inhrelid::text, ',' ORDER BY inhrelid), '')
  FROM pg_inherits WHERE inhparent = 'events'::regclass`

/**
 * Deletes the exposures of dropped partitions when the partitions differ from those of the last
 * cleanup, so that a sync otherwise costs one small read. One statement, so one snapshot: an
 * exposure it sees was stored after its partition was made, which it sees too.
 */
const cleanDropped = async (sql: Sql) => {
  const [check] = await sql.unsafe<{ changed: boolean }[]>(
    `SELECT (${PARTITION_LIST}) IS DISTINCT FROM (SELECT value FROM meta WHERE key = 'experiment_partitions') AS changed`,
  )
  if (!check?.changed) return
  await sql.unsafe(`WITH gone AS (
      DELETE FROM experiment_exposures WHERE part NOT IN (${PARTITIONS}) RETURNING 1
    )
    UPDATE meta SET value = (${PARTITION_LIST}) WHERE key = 'experiment_partitions'`)
}

/** A metric's cap percentile (a conversion is never capped). */
const percentileOf = (m: MetricSource) => (m.cap !== undefined && m.property !== '' ? m.cap : undefined)

/** A bucket version no exposure has: none is stored unless integral (see precis_bucket_version). */
const integral = (n: number) => Number.isSafeInteger(n)

export const postgresExperiments = (sql: Sql): ExperimentStore => {
  /**
   * A read in a transaction of its own settings: JIT would spend seconds compiling a plan over a
   * few hundred thousand rows to save less, and sorts of that many people fit in 64 MB, not 4.
   */
  const read = <T>(text: string, params: (string | number)[]) =>
    sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
      return [...(await tx.unsafe<T[]>(text, params))]
    }) as Promise<T[]>

  return {
    /** The site's registrations replaced whole, one collector at a time (the lock), all or nothing. */
    prepareExperiments: async (site: string, experiments: readonly ExperimentNeeds[]) => {
      const rows = new Map<string, [string, number, string, string]>()
      for (const x of experiments)
        for (const m of x.metrics) {
          const row: [string, number, string, string] = [x.key, x.bucketVersion, m.event, m.property]
          rows.set(JSON.stringify(row), row)
        }
      const columns = [...rows.values()]
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.experiment_metrics'), hashtext(${site}))`
        await tx`DELETE FROM experiment_metrics WHERE site = ${site}`
        if (columns.length === 0) return
        await tx`
        INSERT INTO experiment_metrics (site, experiment, bucket_version, event, property)
        SELECT ${site}, * FROM unnest(
          ${columns.map((r) => r[0])}::text[], ${columns.map((r) => r[1])}::int[],
          ${columns.map((r) => r[2])}::text[], ${columns.map((r) => r[3])}::text[])`
      })
    },
    // Results are read from source rows: only dropped months' exposures may be left to delete.
    syncExperiments: async () => {
      await cleanDropped(sql)
      return 0
    },
    experimentPeople: async (site: string, experiment: string, bucketVersion: number) =>
      integral(bucketVersion) ? read<PeopleRow>(PEOPLE_SQL, [site, experiment, bucketVersion]) : [],
    experimentMetric: async (site: string, experiment: string, bucketVersion: number, m: MetricSource) => {
      if (!integral(bucketVersion)) return []
      const params = [site, experiment, bucketVersion, m.event, m.property]
      const percentile = percentileOf(m)
      return percentile === undefined
        ? read<MetricRow>(METRIC_SQL, params)
        : read<MetricRow>(CAPPED_METRIC_SQL, [...params, percentile])
    },
    experimentCovariates: async (
      site: string,
      experiment: string,
      bucketVersion: number,
      m: MetricSource,
    ) => {
      if (!integral(bucketVersion)) return []
      const params = [site, experiment, bucketVersion, m.event, m.property]
      const percentile = percentileOf(m)
      return percentile === undefined
        ? read<CovariateRow>(COVARIATES_SQL, params)
        : read<CovariateRow>(CAPPED_COVARIATES_SQL, [...params, percentile])
    },
    experimentExposed: async (site: string, experiment: string, bucketVersion: number) =>
      integral(bucketVersion) ? read<ExposedPerson>(EXPOSED_SQL, [site, experiment, bucketVersion]) : [],
    experimentSizes: async (site: string) => read<SizeRow>(SIZES_SQL, [site]),
    experimentLate: async (site: string, experiment: string, bucketVersion: number) =>
      integral(bucketVersion) ? read<LateRow>(LATE_SQL, [site, experiment, bucketVersion]) : [],
  }
}
