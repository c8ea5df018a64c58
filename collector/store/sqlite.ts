import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { resolverThread } from '../identity/resolver-worker.ts'
import { sqliteIdentity } from '../identity/sqlite-identity.ts'
import { sqliteConsentStats } from './sqlite-consent-stats.ts'
import { sqliteExperiments } from './sqlite-experiments.ts'
import { sqliteLedger } from './sqlite-ledger.ts'
import { sqlitePersonalization } from './sqlite-personalization.ts'
import { configure, createGroupWriter, type WriteResult } from './sqlite-writer.mjs'
import type { InsertResult, Store, StoredEvent } from './types.ts'

/**
 * Schema changes ship as new entries, never as edits of old ones; PRAGMA user_version records
 * how many have run.
 */
const MIGRATIONS = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     site TEXT NOT NULL,
     message_id TEXT NOT NULL,
     type TEXT NOT NULL,
     name TEXT,
     user_id TEXT,
     anonymous_id TEXT,
     timestamp INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     payload TEXT NOT NULL,
     UNIQUE (site, message_id)
   );
   CREATE INDEX events_site_received ON events (site, received_at);`,
  `CREATE TABLE consent_records (
     site TEXT NOT NULL,
     seq INTEGER NOT NULL,
     consent_id TEXT NOT NULL,
     version INTEGER NOT NULL,
     purposes TEXT NOT NULL,
     source TEXT NOT NULL,
     language TEXT NOT NULL,
     gpc INTEGER NOT NULL,
     text_hash TEXT NOT NULL,
     user_agent TEXT NOT NULL,
     client_time TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     PRIMARY KEY (site, seq)
   );
   CREATE INDEX consent_records_id ON consent_records (site, consent_id, seq);`,
  // Identity: profiles, the identifiers that resolve to them, merges and refusals, erasure.
  // Events get AUTOINCREMENT ids first: resolution follows them in order, and an erased newest
  // event must not hand its id to the next one.
  `CREATE TABLE events_v3 (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     site TEXT NOT NULL,
     message_id TEXT NOT NULL,
     type TEXT NOT NULL,
     name TEXT,
     user_id TEXT,
     anonymous_id TEXT,
     timestamp INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     payload TEXT NOT NULL,
     UNIQUE (site, message_id)
   );
   INSERT INTO events_v3 SELECT * FROM events;
   DROP TABLE events;
   ALTER TABLE events_v3 RENAME TO events;
   CREATE INDEX events_site_received ON events (site, received_at);
   CREATE INDEX events_site_anonymous ON events (site, anonymous_id);
   CREATE INDEX events_site_user ON events (site, user_id);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO meta (key, value) VALUES
     ('secret', lower(hex(randomblob(32)))),
     ('identity_watermark', '0'),
     ('identity_generation', '0');
   CREATE TABLE profiles (
     site TEXT NOT NULL,
     id TEXT NOT NULL,
     created_seq INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (site, id)
   );
   CREATE TABLE identifiers (
     site TEXT NOT NULL,
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     PRIMARY KEY (site, kind, value)
   ) WITHOUT ROWID;
   CREATE INDEX identifiers_profile ON identifiers (site, profile_id);
   CREATE TABLE profile_redirects (
     site TEXT NOT NULL,
     from_id TEXT NOT NULL,
     to_id TEXT NOT NULL,
     PRIMARY KEY (site, from_id)
   ) WITHOUT ROWID;
   CREATE INDEX profile_redirects_to ON profile_redirects (site, to_id);
   CREATE TABLE identity_audit (
     id INTEGER PRIMARY KEY,
     site TEXT NOT NULL,
     at INTEGER NOT NULL,
     action TEXT NOT NULL,
     profile_id TEXT NOT NULL,
     other_id TEXT,
     identifiers TEXT NOT NULL,
     message_id TEXT NOT NULL,
     reason TEXT
   );
   CREATE INDEX identity_audit_profile ON identity_audit (site, profile_id);
   CREATE INDEX identity_audit_other ON identity_audit (site, other_id);
   CREATE TABLE suppressions (site TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (site, hash)) WITHOUT ROWID;
   CREATE TABLE identity_tokens (site TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (site, hash)) WITHOUT ROWID;`,
  // Slot results: a slot's impressions and clicks without a scan of the site's events. Partial, so
  // every other event costs ingest only the check of the WHERE clause.
  `CREATE INDEX events_slot ON events (site, json_extract(payload, '$.properties.slot'), name)
     WHERE type = 'track' AND name IN ('Slot Viewed', 'Slot Clicked');`,
  // Experiments (store/sqlite-experiments.ts): rows derived from events behind a watermark, never
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
  `CREATE TABLE experiment_exposures (
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
   END;`,
]

const migrate = (db: Database.Database) => {
  const current = db.pragma('user_version', { simple: true }) as number
  db.transaction(() => {
    for (const [index, sql] of MIGRATIONS.entries()) {
      if (index < current) continue
      db.exec(sql)
      db.pragma(`user_version = ${index + 1}`)
    }
  })()
}

/** Rows flattened in the column order of INSERT_SQL. */
const flatten = (rows: readonly StoredEvent[]) => {
  const flat: unknown[] = []
  for (const e of rows) {
    flat.push(
      e.site,
      e.messageId,
      e.type,
      e.name,
      e.userId,
      e.anonymousId,
      e.timestamp,
      e.receivedAt,
      e.payload,
    )
  }
  return flat
}

interface Row {
  site: string
  message_id: string
  type: StoredEvent['type']
  name: string | null
  user_id: string | null
  anonymous_id: string | null
  timestamp: number
  received_at: number
  payload: string
}

const fromRow = (row: Row): StoredEvent => ({
  site: row.site,
  messageId: row.message_id,
  type: row.type,
  name: row.name,
  userId: row.user_id,
  anonymousId: row.anonymous_id,
  timestamp: row.timestamp,
  receivedAt: row.received_at,
  payload: row.payload,
})

type Write = (rows: unknown[]) => Promise<InsertResult>

const settle = (result: WriteResult, resolve: (r: InsertResult) => void, reject: (e: Error) => void) =>
  'error' in result ? reject(new Error(result.error)) : resolve(result)

/** Writes on a worker thread that owns the write connection; reads stay on this thread (WAL). */
const workerWriter = (path: string): { write: Write; close(): Promise<void> } => {
  const worker = new Worker(new URL('./sqlite-writer.mjs', import.meta.url), {
    workerData: { precisSqliteWriter: true, path },
  })
  worker.unref() // only pending writes keep the process alive
  const waiting = new Map<number, { resolve(r: InsertResult): void; reject(e: Error): void }>()
  let next = 0
  worker.on('message', ({ id, result }: { id: number; result: WriteResult }) => {
    const job = waiting.get(id)
    waiting.delete(id)
    if (waiting.size === 0) worker.unref()
    if (job) settle(result, job.resolve, job.reject)
  })
  worker.on('error', (err) => {
    for (const job of waiting.values()) job.reject(err)
    waiting.clear()
  })
  return {
    write: (rows) =>
      new Promise((resolve, reject) => {
        const id = ++next
        if (waiting.size === 0) worker.ref()
        waiting.set(id, { resolve, reject })
        worker.postMessage({ id, rows })
      }),
    close: () =>
      new Promise((resolve) => {
        worker.ref()
        worker.once('exit', () => resolve())
        worker.postMessage({ close: true })
      }),
  }
}

/** ':memory:' has no file to share between threads: the writer runs on this thread. */
const inThreadWriter = (db: Database.Database): { write: Write; close(): Promise<void> } => {
  const writer = createGroupWriter(db)
  return {
    write: (rows) => new Promise((resolve, reject) => writer.write(rows, (r) => settle(r, resolve, reject))),
    close: async () => {},
  }
}

export interface SqliteOptions {
  newId?: () => string
  /**
   * Resolve identities on a worker thread (the Node entry does). Workers load TypeScript only
   * under the process's loader (tsx), which test runners do not pass on: off by default.
   */
  resolverThread?: boolean
}

/** Opens (creating if needed) a SQLite store; `path` may be ':memory:'. */
export const openSqliteStore = (path: string, options: SqliteOptions = {}): Store => {
  const newId = options.newId ?? (() => crypto.randomUUID())
  const inMemory = path === ':memory:'
  if (!inMemory) mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  configure(db)
  migrate(db)
  const writer = inMemory ? inThreadWriter(db) : workerWriter(path)
  // Identity resolution gets a connection of its own, without fsync (see sqliteIdentity), on a
  // worker thread when asked.
  const resolverDb = inMemory ? db : new Database(path)
  if (resolverDb !== db) {
    configure(resolverDb)
    resolverDb.pragma('synchronous = NORMAL')
  }
  const identity = sqliteIdentity(db, newId, resolverDb)
  const thread =
    !inMemory && options.resolverThread ? resolverThread(path, identity.resolveIdentities) : undefined

  const list = db.prepare<[string, number], Row>(
    'SELECT * FROM events WHERE site = ? ORDER BY received_at DESC, id DESC LIMIT ?',
  )
  const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM events WHERE site = ?')

  const deleteBefore = db.prepare('DELETE FROM events WHERE site = ? AND timestamp < ?')
  const ledger = sqliteLedger(db)
  const experiments = sqliteExperiments(db, resolverDb)
  return {
    ...ledger,
    ...sqliteConsentStats(db),
    ...identity,
    ...sqlitePersonalization(db),
    ...experiments,
    // Experiments follow resolution: their rows need the profiles it makes.
    resolveIdentities: async (settings, now) => {
      const processed = await (thread?.resolve ?? identity.resolveIdentities)(settings, now)
      await experiments.syncExperiments()
      return processed
    },
    insertEvents: (rows) => writer.write(flatten(rows)),
    deleteEventsBefore: async (site, before) => deleteBefore.run(site, before).changes,
    listEvents: async (site, { limit }) => ({
      events: list.all(site, limit).map(fromRow),
      total: count.get(site)?.n ?? 0,
    }),
    close: async () => {
      await Promise.all([writer.close(), thread?.close()])
      if (resolverDb !== db) resolverDb.close()
      db.close()
    },
  }
}
