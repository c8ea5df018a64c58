import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { insertWithoutSuppressed } from '../../identity/suppression.ts'
import type { SiteRules } from '../../identity/types.ts'
import { type MasterKey, masterKey } from '../../privacy/crypto.ts'
import { devMasterKey } from '../../privacy/dev-master.ts'
import { pseudonymsOf } from '../../privacy/pseudonyms.ts'
import { forgetSubjects, insertSealed, revealRows, revealTraits } from '../../privacy/sealing.ts'
import { REPORTS_SYNC_EVERY_MS } from '../../reports/types.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import type { InsertResult, Store, StoredEvent } from '../types.ts'
import { ACCESS_MIGRATION, sqliteAccess } from './access.ts'
import { AUDIENCES_MIGRATION, sqliteAudiences } from './audiences.ts'
import { CONFIG_VERSIONS_MIGRATION, sqliteConfig } from './config.ts'
import { sqliteConsentStats } from './consent-stats.ts'
import { DELIVERIES_MIGRATION, sqliteDeliveries } from './deliveries.ts'
import { sqliteExperiments } from './experiments.ts'
import {
  EXPERIMENT_HOURS_MIGRATION,
  EXPERIMENT_PRE_VALUES_MIGRATION,
  EXPERIMENT_TRIGGERS_MIGRATION,
  EXPERIMENTS_MIGRATION,
} from './experiments-schema.ts'
import { sqliteIdentity } from './identity.ts'
import { JOURNEYS_MIGRATION, sqliteJourneys } from './journeys.ts'
import { keyFilePath, openSqliteKeyStore } from './keys.ts'
import { sqliteLedger } from './ledger.ts'
import { sqlitePersonalization } from './personalization.ts'
import { sqliteReportHits } from './report-hits.ts'
import { REPORT_HOURS_MIGRATION } from './report-hours.ts'
import {
  REPORT_EVENTS_MIGRATION,
  REPORT_HITS_COVERING_MIGRATION,
  REPORT_HITS_MIGRATION,
  REPORT_VISIT_CLICKS_MIGRATION,
  REPORT_VISITS_MIGRATION,
  REPORTS_MIGRATION,
  sqliteReports,
} from './reports.ts'
import { resolverThread } from './resolver-worker.ts'
import { SPEND_MIGRATION, sqliteSpend } from './spend.ts'
import { configure, createGroupWriter, type WriteResult } from './writer.mjs'

/**
 * Schema changes ship as new entries, never as edits of old ones; PRAGMA user_version records
 * how many have run.
 */
export const MIGRATIONS = [
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
  // Experiments: exposures, people, counters and metric values (sqlite/experiments-schema.ts).
  EXPERIMENTS_MIGRATION,
  EXPERIMENT_TRIGGERS_MIGRATION,
  // Rights tokens (identity/tokens.ts): random, expiring, one live per anonymousId, kept as keyed
  // hashes of the token and of the id. The old signed tokens go with their table: browsers ask again.
  `DROP TABLE identity_tokens;
   CREATE TABLE rights_tokens (
     site TEXT NOT NULL,
     owner TEXT NOT NULL,
     hash TEXT NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (site, owner)
   ) WITHOUT ROWID;
   CREATE INDEX rights_tokens_expiry ON rights_tokens (expires_at);`,
  // Consent retention prunes the beginning of a chain; the anchor is where the rest starts.
  'CREATE TABLE consent_anchors (site TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)',
  // Consent ids bound to their browser's secret, and links keyed by the ledger key (ledger/).
  `ALTER TABLE consent_records ADD COLUMN binding TEXT;
   ALTER TABLE consent_records ADD COLUMN key_id TEXT;`,
  // Keyed checkpoints: retention's anchors, and the seal of records linked before keying.
  `ALTER TABLE consent_anchors ADD COLUMN key_id TEXT;
   ALTER TABLE consent_anchors ADD COLUMN mac TEXT;
   CREATE TABLE consent_seals (site TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL,
     key_id TEXT NOT NULL, mac TEXT NOT NULL);`,
  // Experiments' late decisions (sqlite/experiments.ts LATE_SQL) without a scan of the site's
  // events. Partial, as events_slot: other events cost ingest only the check of the WHERE clause.
  `CREATE INDEX events_experiment_late ON events (site, json_extract(payload, '$.properties.experiment_id'))
     WHERE type = 'track' AND name = 'Experiment Late';`,
  // CUPED: per-person values before the first exposure (sqlite/experiments-schema.ts).
  EXPERIMENT_PRE_VALUES_MIGRATION,
  // Lift over time by the hour: counters and values by hour (sqlite/experiments-schema.ts).
  EXPERIMENT_HOURS_MIGRATION,
  // Site configs, every change a version (config/versions.ts).
  CONFIG_VERSIONS_MIGRATION,
  // Users, sessions, API tokens, the setup link and the access log (access/types.ts).
  ACCESS_MIGRATION,
  // Report rows: page views and engagement figures derived once (sqlite/reports.ts).
  REPORTS_MIGRATION,
  // Other track events in report rows, with name and properties (sqlite/reports.ts).
  REPORT_EVENTS_MIGRATION,
  // Ad spend per campaign per day, imported (sqlite/spend.ts).
  SPEND_MIGRATION,
  // A summary per visit, kept from the report rows (sqlite/reports.ts).
  REPORT_VISITS_MIGRATION,
  // Visits by the hour they start in, with sketches of devices and people (sqlite/report-hours.ts).
  REPORT_HOURS_MIGRATION,
  // A visit's paid click in its summary, for attribution (sqlite/reports.ts).
  REPORT_VISIT_CLICKS_MIGRATION,
  // Page views by path and events by name, for funnels and attribution (sqlite/reports.ts).
  REPORT_HITS_MIGRATION,
  // The delivery outbox, filled by a trigger on the event insert, and deliveries (sqlite/deliveries.ts).
  DELIVERIES_MIGRATION,
  // Journey entries, claimed with leases and settled with their message's delivery, and
  // unsubscribes (sqlite/journeys.ts).
  JOURNEYS_MIGRATION,
  // The queue of people to evaluate for audiences, claimed with leases, and their memberships
  // with versions (sqlite/audiences.ts).
  AUDIENCES_MIGRATION,
  // The indexes of page views and events made covering, for funnels and attribution (sqlite/reports.ts).
  REPORT_HITS_COVERING_MIGRATION,
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

type Write = (rows: unknown[]) => Promise<InsertResult>

const settle = (result: WriteResult, resolve: (r: InsertResult) => void, reject: (e: Error) => void) =>
  'error' in result ? reject(new Error(result.error)) : resolve(result)

/** Writes on a worker thread that owns the write connection; reads stay on this thread (WAL). */
const workerWriter = (path: string): { write: Write; close(): Promise<void> } => {
  const worker = new Worker(new URL('./writer.mjs', import.meta.url), {
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
  /** Wraps the data keys (privacy/keys.ts); default: the file beside the database (dev-master.ts). */
  master?: MasterKey
  /** Retiring masters during a rotation: unwrap only. */
  previousMasters?: readonly MasterKey[]
  /** The identity resolver's cache budget (PRECIS_RESOLVER_CACHE_MB; default in sqlite/resolver.ts). */
  resolverCacheBytes?: number | undefined
  /** Where the resolver thread says, when it closes, how full its cache got. */
  log?: ((line: string) => void) | undefined
  /** How often resolution also brings the report tables up to date (ms; default REPORTS_SYNC_EVERY_MS). */
  reportsSyncMs?: number | undefined
}

/** How often resolution also brings the experiment rows up to date (ms, by its `now`). */
const EXPERIMENTS_EVERY = 10_000

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
  // Deliveries keep their books on a connection of their own without fsync: a settlement lost to
  // power loss is a delivery made again (at least once), and its short transactions hold the
  // write lock the ingest writer waits for only briefly.
  const deliveryDb = inMemory ? db : new Database(path)
  if (deliveryDb !== db) {
    configure(deliveryDb)
    deliveryDb.pragma('synchronous = NORMAL')
  }
  const secret = (db.prepare("SELECT value FROM meta WHERE key = 'secret'").get() as { value: string }).value
  // The data keys live in a file of their own beside the database (privacy/sqlite-keys.ts).
  const keys = openSqliteKeyStore(keyFilePath(path), {
    master: options.master ?? (inMemory ? masterKey(randomBytes(32)) : devMasterKey(path)),
    previous: options.previousMasters ?? [],
  })
  const identity = sqliteIdentity(
    db,
    newId,
    resolverDb,
    (site, ids) => forgetSubjects(keys, secret, site, ids),
    options.resolverCacheBytes,
  )
  const thread =
    !inMemory && options.resolverThread
      ? resolverThread(path, identity.resolveIdentities, {
          cacheBytes: options.resolverCacheBytes,
          log: options.log,
        })
      : undefined

  const list = db.prepare<[string, number], EventRow>(
    'SELECT * FROM events WHERE site = ? ORDER BY received_at DESC, id DESC LIMIT ?',
  )
  const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM events WHERE site = ?')

  const deleteBefore = db.prepare('DELETE FROM events WHERE site = ? AND timestamp < ?')
  const anySuppressed = db.prepare('SELECT 1 FROM suppressions WHERE site = ? LIMIT 1')
  const ledger = sqliteLedger(db)
  const experiments = sqliteExperiments(db, resolverDb)
  let experimentsSynced = Number.NEGATIVE_INFINITY
  const reports = { ...sqliteReports(db, resolverDb), ...sqliteReportHits(db) }
  let reportsSynced = Number.NEGATIVE_INFINITY
  const resolveAndSync = async (settings: SiteRules, now: number) => {
    const processed = await (thread?.resolve ?? identity.resolveIdentities)(settings, now)
    if (now - experimentsSynced >= EXPERIMENTS_EVERY) {
      experimentsSynced = now
      await experiments.syncExperiments()
    }
    if (now - reportsSynced >= (options.reportsSyncMs ?? REPORTS_SYNC_EVERY_MS)) {
      reportsSynced = now
      await reports.syncReports()
    }
    return processed
  }
  let closing = false
  const running = new Set<Promise<unknown>>()
  return {
    ...ledger,
    ...sqliteConsentStats(db),
    ...identity,
    ...sqlitePersonalization(db),
    ...experiments,
    ...sqliteConfig(db),
    ...sqliteAccess(db),
    ...reports,
    ...sqliteSpend(db),
    ...sqliteDeliveries(deliveryDb),
    // On the deliveries' connection: a 'sent' settlement queues its delivery in the same transaction.
    ...sqliteJourneys(deliveryDb),
    // Likewise: a membership's change inserts its notices' deliveries in the same transaction.
    ...sqliteAudiences(deliveryDb),
    // Experiment rows follow resolution (they need the profiles it makes), in the background at
    // most every EXPERIMENTS_EVERY ms so that ingest pays little; readers sync before they read.
    // Report rows likewise (options.reportsSyncMs).
    resolveIdentities: (settings, now) => {
      // Once closing, none starts: what is left waits in the queue for the next start.
      if (closing) return Promise.resolve(0)
      const run = resolveAndSync(settings, now)
      const settled: Promise<unknown> = run.then(
        () => running.delete(settled),
        () => running.delete(settled),
      )
      running.add(settled)
      return run
    },
    pseudonyms: pseudonymsOf(keys),
    revealEvents: (rows, rules) => revealRows(rows, rules, keys),
    revealTraits: (site, traits, rules) => revealTraits(site, traits, rules, keys),
    insertEvents: insertWithoutSuppressed(
      insertSealed(
        (rows) => writer.write(flatten(rows)),
        () => secret,
        keys,
      ),
      {
        secret: () => secret,
        suppressing: (sites) => new Set(sites.filter((site) => anySuppressed.get(site) !== undefined)),
        suppressed: (site, hashes) =>
          new Set(
            db
              .prepare<unknown[], { hash: string }>(
                `SELECT hash FROM suppressions WHERE site = ? AND hash IN (${hashes.map(() => '?').join(', ')})`,
              )
              .all(site, ...hashes)
              .map((r) => r.hash),
          ),
      },
    ),
    deleteEventsBefore: async (site, before) => deleteBefore.run(site, before).changes,
    listEvents: async (site, { limit }) => ({
      events: list.all(site, limit).map(fromEventRow),
      total: count.get(site)?.n ?? 0,
    }),
    close: async () => {
      // The resolutions under way finish, their syncs included, before the connections close.
      closing = true
      await Promise.all(running)
      await Promise.all([writer.close(), thread?.close()])
      if (resolverDb !== db) resolverDb.close()
      if (deliveryDb !== db) deliveryDb.close()
      db.close()
      await keys.close()
    },
  }
}
