// The experiments' schema: migrations of collector/store/sqlite/store.ts (MIGRATIONS), kept here for
// their length. Shipped migrations are never edited: a change is a new constant, appended there.

// Experiments (store/sqlite/experiments.ts): rows derived from events behind a watermark, never
// on the ingest path. Exposures once per device (unit = anonymousId; the earliest wins), people
// by their first exposure across devices, users per variation and day, and per person the
// value of each registered metric. Triggers keep profile ids current through merges and mark
// the people whose rows must be recomputed; deleted events and profiles take their rows along.
// Identity changes cost the resolver one probe per table, and none for metric events on a site
// without registered metrics (they are refreshed when registered again: the backfill replaces
// them). `+site`: without statistics SQLite would scan the site's metric events by primary key
// rather than use the id indexes (a trigger takes no INDEXED BY). Metric events mark only people
// already in an experiment: for anyone else they change nothing; a backfill (meta
// experiments_backfill, within its transaction) computes values itself. Trigger bodies avoid
// OR IGNORE: the statement that fires them imposes its own conflict handling.
export const EXPERIMENTS_MIGRATION = `CREATE TABLE experiment_exposures (
     site TEXT NOT NULL,
     unit TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     variation TEXT NOT NULL,
     first_at INTEGER NOT NULL,
     event_id INTEGER NOT NULL,
     profile_id TEXT,
     PRIMARY KEY (site, unit, experiment, bucket_version)
   ) WITHOUT ROWID;
   CREATE INDEX experiment_exposures_profile ON experiment_exposures
     (site, profile_id, experiment, bucket_version, first_at, event_id, variation);
   CREATE TABLE experiment_people (
     site TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     variation TEXT NOT NULL,
     first_at INTEGER NOT NULL,
     PRIMARY KEY (site, profile_id, experiment, bucket_version)
   ) WITHOUT ROWID;
   CREATE TABLE experiment_daily (
     site TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     variation TEXT NOT NULL,
     day INTEGER NOT NULL,
     users INTEGER NOT NULL,
     PRIMARY KEY (site, experiment, bucket_version, variation, day)
   ) WITHOUT ROWID;
   CREATE TABLE experiment_metrics (
     site TEXT NOT NULL,
     event TEXT NOT NULL,
     property TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     ready INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (site, event, property, experiment, bucket_version)
   ) WITHOUT ROWID;
   CREATE INDEX experiment_metrics_experiment ON experiment_metrics (site, experiment, bucket_version);
   CREATE TABLE experiment_metric_events (
     site TEXT NOT NULL,
     event_id INTEGER NOT NULL,
     property TEXT NOT NULL,
     event TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     anonymous_id TEXT,
     user_id TEXT,
     profile_id TEXT,
     value REAL,
     PRIMARY KEY (site, event_id, property)
   ) WITHOUT ROWID;
   CREATE INDEX experiment_metric_events_person ON experiment_metric_events
     (site, event, property, profile_id, timestamp, value);
   CREATE INDEX experiment_metric_events_anonymous ON experiment_metric_events (anonymous_id);
   CREATE INDEX experiment_metric_events_user ON experiment_metric_events (user_id);
   CREATE TABLE experiment_values (
     site TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     event TEXT NOT NULL,
     property TEXT NOT NULL,
     variation TEXT NOT NULL,
     value REAL NOT NULL,
     day INTEGER NOT NULL,
     PRIMARY KEY (site, profile_id, experiment, bucket_version, event, property)
   ) WITHOUT ROWID;
   CREATE INDEX experiment_values_results ON experiment_values
     (site, experiment, bucket_version, event, property, variation, day, value);
   CREATE TABLE experiment_dirty (
     site TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     PRIMARY KEY (site, profile_id)
   ) WITHOUT ROWID;
   INSERT INTO meta (key, value) VALUES ('experiments_watermark', '0');

   CREATE TRIGGER experiment_event_deleted AFTER DELETE ON events WHEN old.type = 'track' BEGIN
     DELETE FROM experiment_metric_events WHERE site = old.site AND event_id = old.id;
     DELETE FROM experiment_exposures WHERE old.name = 'Experiment Viewed'
       AND site = old.site AND unit = old.anonymous_id AND event_id = old.id;
     -- The device's exposure is then its earliest one still stored, if any.
     INSERT INTO experiment_exposures
       (site, unit, experiment, bucket_version, variation, first_at, event_id, profile_id)
     SELECT e.site, e.anonymous_id, e.payload ->> '$.properties.experiment_id',
       CAST(coalesce(e.payload ->> '$.properties.bucket_version', 0) AS INTEGER),
       e.payload ->> '$.properties.variation_id', e.timestamp, e.id,
       (SELECT i.profile_id FROM identifiers i
         WHERE i.site = e.site AND i.kind = 'anonymous' AND i.value = e.anonymous_id)
     FROM events e
     WHERE old.name = 'Experiment Viewed' AND e.site = old.site AND e.anonymous_id = old.anonymous_id
       AND e.type = 'track' AND e.name = 'Experiment Viewed'
       AND e.payload ->> '$.properties.experiment_id' = old.payload ->> '$.properties.experiment_id'
       AND coalesce(e.payload ->> '$.properties.bucket_version', 0)
         = coalesce(old.payload ->> '$.properties.bucket_version', 0)
       AND typeof(e.payload ->> '$.properties.experiment_id') = 'text'
       AND typeof(e.payload ->> '$.properties.variation_id') = 'text'
       AND typeof(coalesce(e.payload ->> '$.properties.bucket_version', 0)) IN ('integer', 'real')
       AND coalesce(e.payload ->> '$.properties.bucket_version', 0)
         = CAST(coalesce(e.payload ->> '$.properties.bucket_version', 0) AS INTEGER)
       AND NOT EXISTS (SELECT 1 FROM experiment_exposures x WHERE x.site = old.site
         AND x.unit = old.anonymous_id AND x.experiment = old.payload ->> '$.properties.experiment_id'
         AND x.bucket_version = coalesce(old.payload ->> '$.properties.bucket_version', 0))
     ORDER BY e.timestamp, e.id LIMIT 1;
   END;
   CREATE TRIGGER experiment_identifier_added AFTER INSERT ON identifiers
   WHEN new.kind IN ('anonymous', 'user') BEGIN
     UPDATE experiment_exposures SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND site = new.site AND unit = new.value
         AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'user' AND EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = new.site)
         AND +site = new.site AND user_id = new.value AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = new.site)
         AND +site = new.site AND anonymous_id = new.value AND profile_id IS NOT new.profile_id
         AND (user_id IS NULL OR NOT EXISTS (SELECT 1 FROM identifiers i
           WHERE i.site = new.site AND i.kind = 'user' AND i.value = experiment_metric_events.user_id));
   END;
   CREATE TRIGGER experiment_identifier_moved AFTER UPDATE OF profile_id ON identifiers
   WHEN new.kind IN ('anonymous', 'user') BEGIN
     UPDATE experiment_exposures SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND site = new.site AND unit = new.value
         AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'user' AND EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = new.site)
         AND +site = new.site AND user_id = new.value AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND EXISTS (SELECT 1 FROM experiment_metrics r WHERE r.site = new.site)
         AND +site = new.site AND anonymous_id = new.value AND profile_id IS NOT new.profile_id
         AND (user_id IS NULL OR NOT EXISTS (SELECT 1 FROM identifiers i
           WHERE i.site = new.site AND i.kind = 'user' AND i.value = experiment_metric_events.user_id));
   END;
   CREATE TRIGGER experiment_identifier_deleted AFTER DELETE ON identifiers
   WHEN old.kind IN ('anonymous', 'user') BEGIN
     UPDATE experiment_exposures SET profile_id = NULL
       WHERE old.kind = 'anonymous' AND site = old.site AND unit = old.value;
     UPDATE experiment_metric_events SET profile_id = (SELECT i.profile_id FROM identifiers i
         WHERE i.site = old.site AND i.kind = 'anonymous' AND i.value = experiment_metric_events.anonymous_id)
       WHERE old.kind = 'user' AND +site = old.site AND user_id = old.value;
     UPDATE experiment_metric_events SET profile_id = (SELECT i.profile_id FROM identifiers i
         WHERE i.site = old.site AND i.kind = 'user' AND i.value = experiment_metric_events.user_id)
       WHERE old.kind = 'anonymous' AND +site = old.site AND anonymous_id = old.value;
   END;
   CREATE TRIGGER experiment_exposure_added AFTER INSERT ON experiment_exposures
   WHEN new.profile_id IS NOT NULL BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT new.site, new.profile_id
       WHERE new.profile_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM experiment_dirty
         WHERE site = new.site AND profile_id = new.profile_id);
   END;
   CREATE TRIGGER experiment_exposure_changed AFTER UPDATE ON experiment_exposures BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT old.site, old.profile_id
       WHERE old.profile_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM experiment_dirty
         WHERE site = old.site AND profile_id = old.profile_id);
     INSERT INTO experiment_dirty (site, profile_id) SELECT new.site, new.profile_id
       WHERE new.profile_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM experiment_dirty
         WHERE site = new.site AND profile_id = new.profile_id);
   END;
   CREATE TRIGGER experiment_exposure_deleted AFTER DELETE ON experiment_exposures
   WHEN old.profile_id IS NOT NULL BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT old.site, old.profile_id
       WHERE old.profile_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM experiment_dirty
         WHERE site = old.site AND profile_id = old.profile_id);
   END;
   CREATE TRIGGER experiment_metric_event_added AFTER INSERT ON experiment_metric_events
   WHEN new.profile_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'experiments_backfill') BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT new.site, new.profile_id
       WHERE EXISTS (SELECT 1 FROM experiment_people WHERE site = new.site AND profile_id = new.profile_id)
         AND NOT EXISTS (SELECT 1 FROM experiment_dirty WHERE site = new.site AND profile_id = new.profile_id);
   END;
   CREATE TRIGGER experiment_metric_event_changed AFTER UPDATE ON experiment_metric_events BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT old.site, old.profile_id
       WHERE EXISTS (SELECT 1 FROM experiment_people WHERE site = old.site AND profile_id = old.profile_id)
         AND NOT EXISTS (SELECT 1 FROM experiment_dirty WHERE site = old.site AND profile_id = old.profile_id);
     INSERT INTO experiment_dirty (site, profile_id) SELECT new.site, new.profile_id
       WHERE EXISTS (SELECT 1 FROM experiment_people WHERE site = new.site AND profile_id = new.profile_id)
         AND NOT EXISTS (SELECT 1 FROM experiment_dirty WHERE site = new.site AND profile_id = new.profile_id);
   END;
   CREATE TRIGGER experiment_metric_event_deleted AFTER DELETE ON experiment_metric_events
   WHEN old.profile_id IS NOT NULL BEGIN
     INSERT INTO experiment_dirty (site, profile_id) SELECT old.site, old.profile_id
       WHERE EXISTS (SELECT 1 FROM experiment_people WHERE site = old.site AND profile_id = old.profile_id)
         AND NOT EXISTS (SELECT 1 FROM experiment_dirty WHERE site = old.site AND profile_id = old.profile_id);
   END;
   CREATE TRIGGER experiment_profile_deleted AFTER DELETE ON profiles
   WHEN EXISTS (SELECT 1 FROM experiment_people WHERE site = old.site AND profile_id = old.id)
     OR EXISTS (SELECT 1 FROM experiment_dirty WHERE site = old.site AND profile_id = old.id) BEGIN
     INSERT INTO experiment_daily (site, experiment, bucket_version, variation, day, users)
       SELECT site, experiment, bucket_version, variation, first_at / 86400000, -count(*)
       FROM experiment_people WHERE site = old.site AND profile_id = old.id
       GROUP BY experiment, bucket_version, variation, first_at / 86400000
       ON CONFLICT DO UPDATE SET users = users + excluded.users;
     DELETE FROM experiment_people WHERE site = old.site AND profile_id = old.id;
     DELETE FROM experiment_values WHERE site = old.site AND profile_id = old.id;
     DELETE FROM experiment_dirty WHERE site = old.site AND profile_id = old.id;
   END;`

// Experiments, identifier triggers split and guarded (WHEN): an identifier added or moved costs
// the resolver a probe of each table, and bodies run only for ids that have rows. Metric events
// are kept current on every site, so a registration again needs no refresh of older rows; this
// refreshes those once.
export const EXPERIMENT_TRIGGERS_MIGRATION = `DROP TRIGGER experiment_identifier_added;
   DROP TRIGGER experiment_identifier_moved;
   CREATE TRIGGER experiment_unit_added AFTER INSERT ON identifiers
   WHEN new.kind = 'anonymous'
     AND EXISTS (SELECT 1 FROM experiment_exposures WHERE site = new.site AND unit = new.value) BEGIN
     UPDATE experiment_exposures SET profile_id = new.profile_id
       WHERE site = new.site AND unit = new.value AND profile_id IS NOT new.profile_id;
   END;
   CREATE TRIGGER experiment_ids_added AFTER INSERT ON identifiers
   WHEN (new.kind = 'user' AND EXISTS (SELECT 1 FROM experiment_metric_events WHERE user_id = new.value))
     OR (new.kind = 'anonymous'
       AND EXISTS (SELECT 1 FROM experiment_metric_events WHERE anonymous_id = new.value)) BEGIN
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'user' AND +site = new.site AND user_id = new.value
         AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND +site = new.site AND anonymous_id = new.value
         AND profile_id IS NOT new.profile_id
         AND (user_id IS NULL OR NOT EXISTS (SELECT 1 FROM identifiers i
           WHERE i.site = new.site AND i.kind = 'user' AND i.value = experiment_metric_events.user_id));
   END;
   CREATE TRIGGER experiment_unit_moved AFTER UPDATE OF profile_id ON identifiers
   WHEN new.kind = 'anonymous'
     AND EXISTS (SELECT 1 FROM experiment_exposures WHERE site = new.site AND unit = new.value) BEGIN
     UPDATE experiment_exposures SET profile_id = new.profile_id
       WHERE site = new.site AND unit = new.value AND profile_id IS NOT new.profile_id;
   END;
   CREATE TRIGGER experiment_ids_moved AFTER UPDATE OF profile_id ON identifiers
   WHEN (new.kind = 'user' AND EXISTS (SELECT 1 FROM experiment_metric_events WHERE user_id = new.value))
     OR (new.kind = 'anonymous'
       AND EXISTS (SELECT 1 FROM experiment_metric_events WHERE anonymous_id = new.value)) BEGIN
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'user' AND +site = new.site AND user_id = new.value
         AND profile_id IS NOT new.profile_id;
     UPDATE experiment_metric_events SET profile_id = new.profile_id
       WHERE new.kind = 'anonymous' AND +site = new.site AND anonymous_id = new.value
         AND profile_id IS NOT new.profile_id
         AND (user_id IS NULL OR NOT EXISTS (SELECT 1 FROM identifiers i
           WHERE i.site = new.site AND i.kind = 'user' AND i.value = experiment_metric_events.user_id));
   END;
   UPDATE experiment_metric_events SET profile_id = coalesce(
       (SELECT i.profile_id FROM identifiers i
         WHERE i.site = experiment_metric_events.site AND i.kind = 'user' AND i.value = user_id),
       (SELECT i.profile_id FROM identifiers i
         WHERE i.site = experiment_metric_events.site AND i.kind = 'anonymous' AND i.value = anonymous_id))
     WHERE profile_id IS NOT coalesce(
       (SELECT i.profile_id FROM identifiers i
         WHERE i.site = experiment_metric_events.site AND i.kind = 'user' AND i.value = user_id),
       (SELECT i.profile_id FROM identifiers i
         WHERE i.site = experiment_metric_events.site AND i.kind = 'anonymous' AND i.value = anonymous_id));`

// CUPED (experiments/cuped.ts): per person and registered metric, the value before the first
// exposure (the PRE_EXPOSURE_WINDOW_MS before it), for people with a metric event there; kept
// with experiment_values by the same recompute of changed people. Every person in an experiment
// is marked changed once, so the next syncs fill it in short transactions.
export const EXPERIMENT_PRE_VALUES_MIGRATION = `CREATE TABLE experiment_pre_values (
     site TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     event TEXT NOT NULL,
     property TEXT NOT NULL,
     variation TEXT NOT NULL,
     value REAL NOT NULL,
     PRIMARY KEY (site, profile_id, experiment, bucket_version, event, property)
   ) WITHOUT ROWID;
   CREATE INDEX experiment_pre_values_results ON experiment_pre_values
     (site, experiment, bucket_version, event, property, variation, value);
   CREATE TRIGGER experiment_profile_pre_deleted AFTER DELETE ON profiles
   WHEN EXISTS (SELECT 1 FROM experiment_pre_values WHERE site = old.site AND profile_id = old.id) BEGIN
     DELETE FROM experiment_pre_values WHERE site = old.site AND profile_id = old.id;
   END;
   INSERT OR IGNORE INTO experiment_dirty (site, profile_id)
     SELECT DISTINCT site, profile_id FROM experiment_people;`

// Lift over time by the hour while an experiment is young (experiments/results.ts): people are
// counted per variation and UTC hour (hours since 1970) of their first exposure instead of per day,
// and each person's metric value keeps the hour of its first event after exposure beside the day;
// the day of either is hour / 24. Counters are recounted from the people; the values' hours are
// read once from the metric events they came from.
export const EXPERIMENT_HOURS_MIGRATION = `CREATE TABLE experiment_hourly (
     site TEXT NOT NULL,
     experiment TEXT NOT NULL,
     bucket_version INTEGER NOT NULL,
     variation TEXT NOT NULL,
     hour INTEGER NOT NULL,
     users INTEGER NOT NULL,
     PRIMARY KEY (site, experiment, bucket_version, variation, hour)
   ) WITHOUT ROWID;
   INSERT INTO experiment_hourly (site, experiment, bucket_version, variation, hour, users)
     SELECT site, experiment, bucket_version, variation, first_at / 3600000, count(*)
     FROM experiment_people GROUP BY 1, 2, 3, 4, 5;
   DROP TRIGGER experiment_profile_deleted;
   DROP TABLE experiment_daily;
   CREATE TRIGGER experiment_profile_deleted AFTER DELETE ON profiles
   WHEN EXISTS (SELECT 1 FROM experiment_people WHERE site = old.site AND profile_id = old.id)
     OR EXISTS (SELECT 1 FROM experiment_dirty WHERE site = old.site AND profile_id = old.id) BEGIN
     INSERT INTO experiment_hourly (site, experiment, bucket_version, variation, hour, users)
       SELECT site, experiment, bucket_version, variation, first_at / 3600000, -count(*)
       FROM experiment_people WHERE site = old.site AND profile_id = old.id
       GROUP BY experiment, bucket_version, variation, first_at / 3600000
       ON CONFLICT DO UPDATE SET users = users + excluded.users;
     DELETE FROM experiment_people WHERE site = old.site AND profile_id = old.id;
     DELETE FROM experiment_values WHERE site = old.site AND profile_id = old.id;
     DELETE FROM experiment_dirty WHERE site = old.site AND profile_id = old.id;
   END;
   ALTER TABLE experiment_values ADD COLUMN hour INTEGER NOT NULL DEFAULT 0;
   UPDATE experiment_values SET hour = coalesce((
     SELECT min(m.timestamp) / 3600000
     FROM experiment_people p CROSS JOIN experiment_metric_events m
     WHERE p.site = experiment_values.site AND p.profile_id = experiment_values.profile_id
       AND p.experiment = experiment_values.experiment AND p.bucket_version = experiment_values.bucket_version
       AND m.site = p.site AND m.event = experiment_values.event AND m.property = experiment_values.property
       AND m.profile_id = p.profile_id AND m.timestamp > p.first_at), day * 24);
   DROP INDEX experiment_values_results;
   CREATE INDEX experiment_values_results ON experiment_values
     (site, experiment, bucket_version, event, property, variation, hour, value);`
