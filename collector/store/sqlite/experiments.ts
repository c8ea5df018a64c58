// SQLite's experiment tables (schema: sqlite/experiments-schema.ts). Nothing here runs on the
// ingest path: like identity resolution, a sync follows the events table behind a watermark and
// derives
//   experiment_exposures      one row per device (unit = anonymousId), experiment and bucket version:
//                             its earliest `Experiment Viewed`, and the device's profile
//   experiment_metric_events  the events of registered metrics, with their profile and value
//   experiment_people         one row per person and experiment: the first exposure across devices
//   experiment_hourly         people per variation and UTC hour of first exposure (counters)
//   experiment_values         per person and registered metric: the value after first exposure
//   experiment_pre_values     per person and registered metric: the value in the window before it
//                             (CUPED's covariate; PRE_EXPOSURE_WINDOW_MS in experiments/types.ts)
// Triggers (in the schema) keep profile ids current through merges and mark changed people in
// experiment_dirty; the sync recomputes those people with set-based SQL. Results then read only
// counters and per-person values, whatever the number of exposures. All work runs in short
// transactions: SQLite has one writer, and the ingest writer must never wait long for it.
import type Database from 'better-sqlite3'
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
import { CAPPED_COVARIATES_SQL, CAPPED_METRIC_SQL, COVARIATES_SQL, METRIC_SQL } from './experiments-reads.ts'

/** Events folded in per transaction by the sync. */
const CHUNK = 10_000
/** People recomputed per transaction. */
const BATCH = 2_000
/** Events scanned, and people valued, per transaction when a metric is registered. */
const BACKFILL_CHUNK = 100_000
const FILL_BATCH = 20_000

/** Between transactions: lets the ingest writer (another thread) take the lock, and requests run. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

const DAY_OF = (column: string) => `${column} / 86400000`
const HOUR_OF = (column: string) => `${column} / 3600000`

/** The profile an event belongs to: its userId's, else its anonymousId's (the default priority). */
const PROFILE_OF = `coalesce(
  (SELECT profile_id FROM identifiers i WHERE i.site = e.site AND i.kind = 'user' AND i.value = e.user_id),
  (SELECT profile_id FROM identifiers i WHERE i.site = e.site AND i.kind = 'anonymous' AND i.value = e.anonymous_id))`

/**
 * Exposures of events (@from, @to]: the earliest per device, experiment and bucket version wins
 * (events may arrive out of order). A bucket version that is not an integer is not an exposure.
 */
export const CAPTURE_EXPOSURES = `
  INSERT INTO experiment_exposures
    (site, unit, experiment, bucket_version, variation, first_at, event_id, profile_id)
  SELECT site, unit, experiment, CAST(coalesce(bv, 0) AS INTEGER), variation, timestamp, id,
    (SELECT profile_id FROM identifiers i WHERE i.site = x.site AND i.kind = 'anonymous' AND i.value = x.unit)
  FROM (
    SELECT e.id, e.site, e.anonymous_id AS unit, e.timestamp,
      e.payload ->> '$.properties.experiment_id' AS experiment,
      e.payload ->> '$.properties.variation_id' AS variation,
      e.payload ->> '$.properties.bucket_version' AS bv
    FROM events e
    WHERE e.id > @from AND e.id <= @to AND e.type = 'track' AND e.name = 'Experiment Viewed'
      AND e.anonymous_id IS NOT NULL
  ) x
  WHERE typeof(experiment) = 'text' AND typeof(variation) = 'text'
    AND (bv IS NULL OR (typeof(bv) IN ('integer', 'real') AND bv = CAST(bv AS INTEGER)))
  ORDER BY id
  ON CONFLICT (site, unit, experiment, bucket_version) DO UPDATE SET
    variation = excluded.variation, first_at = excluded.first_at, event_id = excluded.event_id
  WHERE excluded.first_at < experiment_exposures.first_at`

/**
 * Late decisions of experiment @experiment, bucket version @version, by variation: read from the
 * events through the partial index events_experiment_late (its terms repeated as they are). The
 * bucket version reads as an exposure's does (missing or null is 0, true is 1, text is none).
 */
export const LATE_SQL = `
  SELECT json_extract(payload, '$.properties.variation_id') AS variation, count(*) AS late
  FROM events
  WHERE site = @site AND type = 'track' AND name = 'Experiment Late'
    AND json_extract(payload, '$.properties.experiment_id') = @experiment
    AND json_type(payload, '$.properties.variation_id') = 'text'
    AND coalesce(json_extract(payload, '$.properties.bucket_version'), 0) = @version
  GROUP BY 1
  ORDER BY 1`

/** An event's metric value: the property, when it is a JSON number ('' is a conversion: none). */
const VALUE_OF = `CASE WHEN r.property != ''
    AND json_type(e.payload -> 'properties' -> r.property) IN ('integer', 'real')
  THEN e.payload -> 'properties' ->> r.property END`

const METRIC_EVENT_COLUMNS = `(site, event_id, property, event, timestamp, anonymous_id, user_id, profile_id, value)`
const METRIC_EVENT_VALUES = `e.site, e.id, r.property, e.name, e.timestamp, e.anonymous_id, e.user_id,
  ${PROFILE_OF}, ${VALUE_OF}`

/** Events (@from, @to] of registered metrics (a metric of two experiments is stored once). */
export const CAPTURE_METRIC_EVENTS = `
  INSERT OR IGNORE INTO experiment_metric_events ${METRIC_EVENT_COLUMNS}
  SELECT ${METRIC_EVENT_VALUES}
  FROM events e CROSS JOIN experiment_metrics r
  WHERE e.id > @from AND e.id <= @to AND e.type = 'track' AND r.site = e.site AND r.event = e.name`

/**
 * Newly registered metrics' events (@from, @to], stored before the sync's watermark (@properties:
 * a JSON array of the event's new properties): a range of the table in rowid order (`+site`:
 * through the site's index SQLite would read every row of the site, in random order).
 */
export const BACKFILL_METRIC_EVENTS = `
  INSERT OR IGNORE INTO experiment_metric_events ${METRIC_EVENT_COLUMNS}
  SELECT ${METRIC_EVENT_VALUES}
  FROM events e CROSS JOIN (SELECT value AS property FROM json_each(@properties)) r
  WHERE +e.site = @site AND e.type = 'track' AND e.name = @event AND e.id > @from AND e.id <= @to`

/** The per-person value: 1 for a conversion, else the sum of the values (non-numbers count 0). */
const PERSON_VALUE = (property: string) => `CASE WHEN ${property} = '' THEN 1 ELSE total(m.value) END`

/** A metric event of person p falls in the window before their first exposure (CUPED's covariate). */
const BEFORE_EXPOSURE = `m.timestamp >= p.first_at - ${PRE_EXPOSURE_WINDOW_MS} AND m.timestamp < p.first_at`

/** People counted per variation and hour, added (+1) or taken away (-1), for a batch of people. */
const COUNT_BATCH = (sign: 1 | -1) => `
  INSERT INTO experiment_hourly (site, experiment, bucket_version, variation, hour, users)
  SELECT p.site, p.experiment, p.bucket_version, p.variation, ${HOUR_OF('p.first_at')}, ${sign} * count(*)
  FROM temp.experiment_batch d CROSS JOIN experiment_people p
  WHERE p.site = d.site AND p.profile_id = d.profile_id
  GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT DO UPDATE SET users = users + excluded.users`

/** The people to recompute in one transaction, taken from experiment_dirty. */
const BATCH_TABLE = `CREATE TEMP TABLE IF NOT EXISTS experiment_batch
  (site TEXT NOT NULL, profile_id TEXT NOT NULL, PRIMARY KEY (site, profile_id)) WITHOUT ROWID`

/**
 * Recomputes a batch of changed people: counters out, rows out, people again from their exposures
 * (the earliest across devices; ties by arrival, the index's order), counters in, and the value
 * of every registered metric from the metric events after their first exposure.
 */
export const RECOMPUTE_BATCH = [
  COUNT_BATCH(-1),
  `DELETE FROM experiment_people WHERE (site, profile_id) IN (SELECT site, profile_id FROM temp.experiment_batch)`,
  `DELETE FROM experiment_values WHERE (site, profile_id) IN (SELECT site, profile_id FROM temp.experiment_batch)`,
  `DELETE FROM experiment_pre_values WHERE (site, profile_id) IN (SELECT site, profile_id FROM temp.experiment_batch)`,
  `INSERT INTO experiment_people (site, profile_id, experiment, bucket_version, variation, first_at)
   SELECT x.site, x.profile_id, x.experiment, x.bucket_version, x.variation, min(x.first_at)
   FROM temp.experiment_batch d CROSS JOIN experiment_exposures x
   WHERE x.site = d.site AND x.profile_id = d.profile_id
   GROUP BY x.site, x.profile_id, x.experiment, x.bucket_version`,
  COUNT_BATCH(1),
  `INSERT INTO experiment_values
     (site, profile_id, experiment, bucket_version, event, property, variation, value, day, hour)
   SELECT p.site, p.profile_id, p.experiment, p.bucket_version, r.event, r.property, p.variation,
     ${PERSON_VALUE('r.property')}, ${DAY_OF('min(m.timestamp)')}, ${HOUR_OF('min(m.timestamp)')}
   FROM temp.experiment_batch d
     CROSS JOIN experiment_people p
     CROSS JOIN experiment_metrics r
     CROSS JOIN experiment_metric_events m
   WHERE p.site = d.site AND p.profile_id = d.profile_id
     AND r.site = p.site AND r.experiment = p.experiment AND r.bucket_version = p.bucket_version
     AND m.site = p.site AND m.event = r.event AND m.property = r.property
     AND m.profile_id = p.profile_id AND m.timestamp > p.first_at
   GROUP BY p.site, p.profile_id, p.experiment, p.bucket_version, r.event, r.property`,
  `INSERT INTO experiment_pre_values
     (site, profile_id, experiment, bucket_version, event, property, variation, value)
   SELECT p.site, p.profile_id, p.experiment, p.bucket_version, r.event, r.property, p.variation,
     ${PERSON_VALUE('r.property')}
   FROM temp.experiment_batch d
     CROSS JOIN experiment_people p
     CROSS JOIN experiment_metrics r
     CROSS JOIN experiment_metric_events m
   WHERE p.site = d.site AND p.profile_id = d.profile_id
     AND r.site = p.site AND r.experiment = p.experiment AND r.bucket_version = p.bucket_version
     AND m.site = p.site AND m.event = r.event AND m.property = r.property
     AND m.profile_id = p.profile_id AND ${BEFORE_EXPOSURE}
   GROUP BY p.site, p.profile_id, p.experiment, p.bucket_version, r.event, r.property`,
  `DELETE FROM experiment_dirty WHERE (site, profile_id) IN (SELECT site, profile_id FROM temp.experiment_batch)`,
]

/**
 * Every person of one site from scratch, in one transaction: for a bulk load or a repair, when
 * nothing else writes (it holds the write lock throughout). Values of registered metrics follow.
 */
const REBUILD_SITE = [
  'DELETE FROM experiment_people WHERE site = @site',
  'DELETE FROM experiment_values WHERE site = @site',
  'DELETE FROM experiment_pre_values WHERE site = @site',
  'DELETE FROM experiment_hourly WHERE site = @site',
  'DELETE FROM experiment_dirty WHERE site = @site',
  `INSERT INTO experiment_people (site, profile_id, experiment, bucket_version, variation, first_at)
   SELECT site, profile_id, experiment, bucket_version, variation, min(first_at)
   FROM experiment_exposures WHERE site = @site AND profile_id IS NOT NULL
   GROUP BY profile_id, experiment, bucket_version`,
  // One upsert per person: a sort of millions of rows for a GROUP BY costs four times as much.
  `INSERT INTO experiment_hourly (site, experiment, bucket_version, variation, hour, users)
   SELECT site, experiment, bucket_version, variation, ${HOUR_OF('first_at')}, 1
   FROM experiment_people WHERE site = @site AND true
   ON CONFLICT DO UPDATE SET users = users + 1`,
]

/**
 * One registered metric's values for the people of its experiment whose profile ids are in
 * (@after, @until]. REPLACE: a sync may have valued some of them already, the same way.
 */
export const FILL_VALUES = `
  INSERT OR REPLACE INTO experiment_values
    (site, profile_id, experiment, bucket_version, event, property, variation, value, day, hour)
  SELECT p.site, p.profile_id, p.experiment, p.bucket_version, m.event, m.property, p.variation,
    ${PERSON_VALUE('m.property')}, ${DAY_OF('min(m.timestamp)')}, ${HOUR_OF('min(m.timestamp)')}
  FROM experiment_metric_events m CROSS JOIN experiment_people p
  WHERE m.site = @site AND m.event = @event AND m.property = @property
    AND m.profile_id > @after AND m.profile_id <= @until
    AND p.site = m.site AND p.profile_id = m.profile_id AND p.experiment = @experiment
    AND p.bucket_version = @bucketVersion AND m.timestamp > p.first_at
  GROUP BY m.profile_id`

/** The same people's values before their first exposure (FILL_VALUES' parameters). */
export const FILL_PRE_VALUES = `
  INSERT OR REPLACE INTO experiment_pre_values
    (site, profile_id, experiment, bucket_version, event, property, variation, value)
  SELECT p.site, p.profile_id, p.experiment, p.bucket_version, m.event, m.property, p.variation,
    ${PERSON_VALUE('m.property')}
  FROM experiment_metric_events m CROSS JOIN experiment_people p
  WHERE m.site = @site AND m.event = @event AND m.property = @property
    AND m.profile_id > @after AND m.profile_id <= @until
    AND p.site = m.site AND p.profile_id = m.profile_id AND p.experiment = @experiment
    AND p.bucket_version = @bucketVersion AND ${BEFORE_EXPOSURE}
  GROUP BY m.profile_id`

/** Sorts after every profile id: the upper bound of the last batch of people. */
const END = '\u{10ffff}'

interface Registration extends MetricSource {
  experiment: string
  bucketVersion: number
}

const idOf = (r: Registration) => JSON.stringify([r.event, r.property, r.experiment, r.bucketVersion])
const sourceOf = (r: MetricSource) => JSON.stringify([r.event, r.property])

/** One site's people and registered metric values rebuilt from scratch (see REBUILD_SITE). */
export const rebuildExperiments = (db: Database.Database, site: string) => {
  const statements = REBUILD_SITE.map((sql) => db.prepare(sql))
  const fill = [db.prepare(FILL_VALUES), db.prepare(FILL_PRE_VALUES)]
  const registered = db.prepare<[string], Registration>(
    'SELECT event, property, experiment, bucket_version AS bucketVersion FROM experiment_metrics WHERE site = ?',
  )
  db.transaction(() => {
    for (const statement of statements) statement.run({ site })
    for (const r of registered.all(site))
      for (const statement of fill) statement.run({ site, ...r, after: '', until: END })
  }).immediate()
}

/**
 * `db` reads; `write` (which may be `db`) writes: derived rows, replayable from the events, so a
 * connection without fsync does (the watermark commits with them).
 */
export const sqliteExperiments = (db: Database.Database, write: Database.Database = db): ExperimentStore => {
  write.exec(BATCH_TABLE)
  const meta = (key: string) => () =>
    Number(
      (write.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
        ?.value ?? 0,
    )
  const watermark = meta('experiments_watermark')
  const resolved = meta('identity_watermark')
  const setWatermark = write.prepare("UPDATE meta SET value = ? WHERE key = 'experiments_watermark'")
  const captureExposures = write.prepare(CAPTURE_EXPOSURES)
  const captureMetricEvents = write.prepare(CAPTURE_METRIC_EVENTS)
  const backfillMetricEvents = write.prepare(BACKFILL_METRIC_EVENTS)
  const anyMetric = write.prepare('SELECT 1 AS one FROM experiment_metrics LIMIT 1')
  const takeBatch = [
    write.prepare('DELETE FROM temp.experiment_batch'),
    write.prepare(
      'INSERT INTO temp.experiment_batch (site, profile_id) SELECT site, profile_id FROM experiment_dirty LIMIT ?',
    ),
  ] as const
  const recomputeBatch = RECOMPUTE_BATCH.map((sql) => write.prepare(sql))
  const fillValues = write.prepare(FILL_VALUES)
  const fillPreValues = write.prepare(FILL_PRE_VALUES)
  const nextProfile = write.prepare<[string, string, string, string, number], { profile_id: string }>(
    `SELECT profile_id FROM experiment_metric_events
     WHERE site = ? AND event = ? AND property = ? AND profile_id > ? ORDER BY profile_id LIMIT 1 OFFSET ?`,
  )
  const registered = write.prepare<[string], Registration & { ready: number }>(
    `SELECT event, property, experiment, bucket_version AS bucketVersion, ready
     FROM experiment_metrics WHERE site = ?`,
  )
  const register = write.prepare(
    'INSERT INTO experiment_metrics (site, event, property, experiment, bucket_version) VALUES (?, ?, ?, ?, ?)',
  )
  const unregister = write.prepare(
    `DELETE FROM experiment_metrics
     WHERE site = ? AND event = ? AND property = ? AND experiment = ? AND bucket_version = ?`,
  )
  const forgetValues = ['experiment_values', 'experiment_pre_values'].map((table) =>
    write.prepare(
      `DELETE FROM ${table}
       WHERE site = ? AND experiment = ? AND bucket_version = ? AND event = ? AND property = ?`,
    ),
  )
  const markReady = write.prepare(
    `UPDATE experiment_metrics SET ready = 1
     WHERE site = ? AND event = ? AND property = ? AND experiment = ? AND bucket_version = ?`,
  )
  const backfilling = write.prepare("INSERT INTO meta (key, value) VALUES ('experiments_backfill', '1')")
  const backfilled = write.prepare("DELETE FROM meta WHERE key = 'experiments_backfill'")

  const people = db.prepare<[string, string, number], PeopleRow>(
    `SELECT variation, hour / 24 AS day, hour, users FROM experiment_hourly
     WHERE site = ? AND experiment = ? AND bucket_version = ? AND users != 0`,
  )
  const exposed = db.prepare<[string, string, number], ExposedPerson>(
    `SELECT profile_id AS person, variation, first_at AS firstAt FROM experiment_people
     WHERE site = ? AND experiment = ? AND bucket_version = ?`,
  )
  type Read = { site: string; experiment: string; version: number; event: string; property: string }
  const metric = db.prepare<Read, MetricRow>(METRIC_SQL)
  const cappedMetric = db.prepare<Read & { percentile: number }, MetricRow>(CAPPED_METRIC_SQL)
  const covariates = db.prepare<Read, CovariateRow>(COVARIATES_SQL)
  const cappedCovariates = db.prepare<Read & { percentile: number }, CovariateRow>(CAPPED_COVARIATES_SQL)
  /** A read's parameters, and its percentile when the metric is capped (a conversion never is). */
  const paramsOf = (site: string, experiment: string, version: number, m: MetricSource) => {
    const read = { site, experiment, version, event: m.event, property: m.property }
    return { read, percentile: m.cap !== undefined && m.property !== '' ? m.cap : undefined }
  }
  const sizes = db.prepare<[string], SizeRow>(
    `SELECT experiment, bucket_version AS bucketVersion, variation, sum(users) AS users
     FROM experiment_hourly WHERE site = ? GROUP BY experiment, bucket_version, variation`,
  )
  const late = db.prepare<{ site: string; experiment: string; version: number }, LateRow>(LATE_SQL)

  /** Events (watermark, min(watermark + CHUNK, identity watermark)]: only resolved ones. */
  const step = write.transaction(() => {
    const from = watermark()
    const to = Math.min(resolved(), from + CHUNK)
    if (to <= from) return 0
    captureExposures.run({ from, to })
    if (anyMetric.get()) captureMetricEvents.run({ from, to })
    setWatermark.run(String(to))
    return to - from
  })
  /** Up to BATCH changed people; resolves to how many. */
  const recompute = write.transaction(() => {
    takeBatch[0].run()
    const n = takeBatch[1].run(BATCH).changes
    if (n > 0) for (const statement of recomputeBatch) statement.run()
    return n
  })

  /**
   * Registrations: removed ones go at once; new ones are recorded not ready, so the sync captures
   * their events from now on; then (resumable, in short transactions) their events stored before
   * are backfilled and everyone's values filled, and they are marked ready.
   */
  const reconcile = write.transaction((site: string, experiments: readonly ExperimentNeeds[]) => {
    const wanted = new Map<string, Registration>()
    for (const x of experiments)
      for (const m of x.metrics) {
        const r = { event: m.event, property: m.property, experiment: x.key, bucketVersion: x.bucketVersion }
        wanted.set(idOf(r), r)
      }
    const current = registered.all(site)
    for (const r of current) {
      if (wanted.has(idOf(r))) continue
      unregister.run(site, r.event, r.property, r.experiment, r.bucketVersion)
      for (const forget of forgetValues) forget.run(site, r.experiment, r.bucketVersion, r.event, r.property)
    }
    const known = new Set(current.map(idOf))
    for (const r of wanted.values())
      if (!known.has(idOf(r))) register.run(site, r.event, r.property, r.experiment, r.bucketVersion)
    const now = registered.all(site)
    const complete = new Set(now.filter((r) => r.ready).map(sourceOf))
    return { pending: now.filter((r) => !r.ready), complete, to: watermark() }
  })
  const backfill = write.transaction(
    (site: string, sources: Map<string, Set<string>>, from: number, to: number) => {
      // These rows change only the values of the registrations being filled below: the flag keeps
      // their trigger from marking people for a recompute.
      backfilling.run()
      for (const [event, properties] of sources)
        backfillMetricEvents.run({ site, event, properties: JSON.stringify([...properties]), from, to })
      backfilled.run()
    },
  )
  const fill = write.transaction((site: string, r: Registration, after: string) => {
    const until = nextProfile.get(site, r.event, r.property, after, FILL_BATCH - 1)?.profile_id ?? END
    fillValues.run({ site, ...r, after, until })
    fillPreValues.run({ site, ...r, after, until })
    return until
  })
  const ready = write.transaction((site: string, r: Registration) =>
    markReady.run(site, r.event, r.property, r.experiment, r.bucketVersion),
  )

  return {
    prepareExperiments: async (site, experiments) => {
      const { pending, complete, to } = reconcile.immediate(site, experiments)
      if (pending.length === 0) return
      const sources = new Map<string, Set<string>>()
      for (const r of pending)
        if (!complete.has(sourceOf(r)))
          sources.set(r.event, (sources.get(r.event) ?? new Set()).add(r.property))
      if (sources.size > 0)
        for (let from = 0; from < to; from += BACKFILL_CHUNK) {
          backfill.immediate(site, sources, from, Math.min(to, from + BACKFILL_CHUNK))
          await breathe()
        }
      for (const r of pending) {
        for (let after = ''; after !== END; await breathe()) after = fill.immediate(site, r, after)
        ready.immediate(site, r)
      }
    },
    syncExperiments: async () => {
      let scanned = 0
      // IMMEDIATE: the write lock before the watermark is read, so two syncs never overlap.
      for (let n = step.immediate(); n > 0; n = step.immediate()) {
        scanned += n
        await breathe()
      }
      while (recompute.immediate() > 0) await breathe()
      return scanned
    },
    experimentPeople: async (site, experiment, bucketVersion) => people.all(site, experiment, bucketVersion),
    experimentMetric: async (site, experiment, bucketVersion, m) => {
      const { read, percentile } = paramsOf(site, experiment, bucketVersion, m)
      return percentile === undefined ? metric.all(read) : cappedMetric.all({ ...read, percentile })
    },
    experimentCovariates: async (site, experiment, version, m) => {
      const { read, percentile } = paramsOf(site, experiment, version, m)
      return percentile === undefined ? covariates.all(read) : cappedCovariates.all({ ...read, percentile })
    },
    experimentExposed: async (site, experiment, version) => exposed.all(site, experiment, version),
    experimentSizes: async (site) => sizes.all(site),
    experimentLate: async (site, experiment, version) => late.all({ site, experiment, version }),
  }
}
