import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeExperimentGoalsContract } from '../../../test/contracts/experiment-goals.contract.ts'
import { describeExperimentsContract } from '../../../test/contracts/experiments.contract.ts'
import {
  identify,
  NEEDS,
  order,
  REVENUE,
  sorted,
  sync,
  T,
  viewed,
} from '../../../test/contracts/experiments-fixtures.ts'
import type { Store } from '../types.ts'
import {
  CAPTURE_EXPOSURES,
  CAPTURE_METRIC_EVENTS,
  FILL_PRE_VALUES,
  LATE_SQL,
  RECOMPUTE_BATCH,
  rebuildExperiments,
  sqliteExperiments,
} from './experiments.ts'
import { CAPPED_COVARIATES_SQL, CAPPED_METRIC_SQL, COVARIATES_SQL, METRIC_SQL } from './experiments-reads.ts'
import { EXPERIMENT_HOURS_MIGRATION } from './experiments-schema.ts'
import { MIGRATIONS, openSqliteStore } from './store.ts'

const HOUR = 3_600_000
const DAY = 86_400_000

/** Every database of this file lives below one directory, removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'precis-experiments-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const newPath = () => join(mkdtempSync(join(root, 'db-')), 'db.sqlite')

/** The file of each open store, for the checks that read SQLite's tables. */
const paths = new Map<Store, string>()
const open = async () => {
  const path = newPath()
  const store = openSqliteStore(path)
  paths.set(store, path)
  return store
}

describeExperimentGoalsContract('SQLite', open)

describeExperimentsContract('SQLite', open, {
  // Rebuilding the site from scratch (the path taken for very many changed people) agrees.
  afterRun: async (store, site, expected) => {
    const conn = new Database(paths.get(store)!)
    try {
      rebuildExperiments(conn, site)
      const rebuilt = sqliteExperiments(conn)
      expect(sorted(await rebuilt.experimentPeople(site, 'x', 0))).toEqual(expected.people)
      expect(sorted(await rebuilt.experimentMetric(site, 'x', 0, REVENUE))).toEqual(expected.revenue)
      expect(await rebuilt.experimentCovariates(site, 'x', 0, REVENUE)).toEqual(expected.covariates.revenue)
    } finally {
      conn.close()
    }
  },
})

describe('SQLite experiment tables', () => {
  let store: Store
  let path: string
  let db: Database.Database
  beforeEach(async () => {
    store = await open()
    path = paths.get(store)!
    db = new Database(path, { readonly: true })
  })
  afterEach(async () => {
    db.close()
    await store.close()
  })
  const exposures = () =>
    db.prepare('SELECT unit, variation, first_at, profile_id FROM experiment_exposures ORDER BY unit').all()

  it('keeps one exposure row per device and experiment: the earliest, also when it arrives late', async () => {
    await store.insertEvents([viewed('a1', 'treat', T + HOUR), viewed('a1', 'treat', T + 2 * HOUR)])
    await store.insertEvents([viewed('a1', 'control', T - 2 * DAY)]) // sent late from an outbox
    await sync(store)
    expect(exposures()).toEqual([
      { unit: 'a1', variation: 'control', first_at: T - 2 * DAY, profile_id: expect.any(String) },
    ])
  })

  it("keeps each device's exposure row when people merge, under one profile", async () => {
    await store.insertEvents([viewed('a1', 'treat', T + HOUR), viewed('a2', 'control', T)])
    await store.insertEvents([identify('a1', 'u-ada', T + 2 * HOUR), identify('a2', 'u-ada', T + 3 * HOUR)])
    await sync(store)
    const [a1, a2] = exposures() as { profile_id: string }[]
    expect(a1!.profile_id).toBe(a2!.profile_id)
  })

  it('erases the derived rows of an erased person; retention takes exposures with their events', async () => {
    await store.prepareExperiments('demo', NEEDS)
    await store.insertEvents([
      viewed('a1', 'treat', T),
      identify('a1', 'u-ada', T + 1),
      order({ userId: 'u-ada' }, T + HOUR, 5),
      viewed('b1', 'control', T - 3 * DAY),
    ])
    await sync(store)
    await store.eraseProfile('demo', 'u-ada', T)
    const left = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    expect(left('experiment_metric_events')).toBe(0)
    expect(left('experiment_exposures')).toBe(1)
    await store.deleteEventsBefore('demo', T - DAY)
    await sync(store)
    for (const table of [
      'experiment_exposures',
      'experiment_people',
      'experiment_values',
      'experiment_pre_values',
      'experiment_dirty',
    ])
      expect(left(table)).toBe(0)
  })

  it('upgrades day counters and values to hours, keeping every number', async () => {
    await store.prepareExperiments('demo', NEEDS)
    await store.insertEvents([
      viewed('a1', 'treat', T),
      viewed('b1', 'control', T + 3 * HOUR),
      viewed('c1', 'control', T + 20 * HOUR),
      order({ anonymousId: 'a1' }, T + HOUR, 5),
      order({ anonymousId: 'b1' }, T + 2 * DAY, 7),
    ])
    await sync(store)
    const before = {
      people: await store.experimentPeople('demo', 'x', 0),
      revenue: await store.experimentMetric('demo', 'x', 0, REVENUE),
    }
    await store.close()
    // Back to the schema before the hours: counters by day, values without their hour.
    const old = new Database(path)
    // The migrations after the hours' run again on the next open: undo them first.
    old.exec(`DROP TABLE config_versions;
      DROP TABLE users;
      DROP TABLE sessions;
      DROP TABLE api_tokens;
      DROP TABLE setup_tokens;
      DROP TABLE access_log;
      DROP TABLE report_rows;
      DROP TABLE ad_spend;
      DROP TABLE report_visits;
      DROP TABLE report_visit_queue;
      DROP TABLE report_hours;
      DROP TABLE report_hour_queue;
      DROP TRIGGER report_person_added;
      DROP TRIGGER report_person_moved;
      DROP TRIGGER report_person_removed;
      DROP TRIGGER report_event_deleted;
      DELETE FROM meta WHERE key = 'reports_watermark';`)
    old.exec(`CREATE TABLE experiment_daily (site TEXT NOT NULL, experiment TEXT NOT NULL,
        bucket_version INTEGER NOT NULL, variation TEXT NOT NULL, day INTEGER NOT NULL,
        users INTEGER NOT NULL, PRIMARY KEY (site, experiment, bucket_version, variation, day)) WITHOUT ROWID;
      INSERT INTO experiment_daily SELECT site, experiment, bucket_version, variation, hour / 24, sum(users)
        FROM experiment_hourly GROUP BY 1, 2, 3, 4, 5;
      DROP TRIGGER experiment_profile_deleted;
      CREATE TRIGGER experiment_profile_deleted AFTER DELETE ON profiles BEGIN SELECT 1; END;
      DROP TABLE experiment_hourly;
      DROP INDEX experiment_values_results;
      ALTER TABLE experiment_values DROP COLUMN hour;
      CREATE INDEX experiment_values_results ON experiment_values
        (site, experiment, bucket_version, event, property, variation, day, value);`)
    old.pragma(`user_version = ${MIGRATIONS.indexOf(EXPERIMENT_HOURS_MIGRATION)}`)
    old.close()
    store = openSqliteStore(path)
    expect(await store.experimentPeople('demo', 'x', 0)).toEqual(before.people)
    expect(await store.experimentMetric('demo', 'x', 0, REVENUE)).toEqual(before.revenue)
    expect(before.people.map((r) => r.hour)).toEqual([T / HOUR + 3, T / HOUR + 20, T / HOUR])
  })

  it('reads and writes through indexes, never a scan of the events or of the derived tables', () => {
    const conn = new Database(path)
    sqliteExperiments(conn) // creates its batch table
    const plan = (sql: string, params: unknown) =>
      (conn.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    const range = { from: 0, to: 10 }
    expect(plan(CAPTURE_EXPOSURES, range)).toContain(
      'SEARCH e USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)',
    )
    expect(plan(CAPTURE_METRIC_EVENTS, range)).toContain('SEARCH e USING INTEGER PRIMARY KEY')
    expect(plan(METRIC_SQL, { site: 'demo', experiment: 'x', version: 0, event: 'e', property: '' })).toBe(
      'SEARCH experiment_values USING COVERING INDEX experiment_values_results (site=? AND experiment=? AND bucket_version=? AND event=? AND property=?)',
    )
    expect(plan(LATE_SQL, { site: 'demo', experiment: 'x', version: 0 })).toContain(
      'SEARCH events USING INDEX events_experiment_late (site=? AND <expr>=?)',
    )
    const covariates = plan(COVARIATES_SQL, {
      site: 'demo',
      experiment: 'x',
      version: 0,
      event: 'e',
      property: '',
    })
    expect(covariates).toContain('SEARCH q USING COVERING INDEX experiment_pre_values_results')
    expect(covariates).toContain('SEARCH v USING PRIMARY KEY')
    expect(covariates).toContain('experiment_values USING COVERING INDEX experiment_values_results')
    expect(covariates).not.toMatch(/SCAN (?!(p|pre|post)\b)/)
    // Capped: the cap ranks the metric's values once, read through the same index.
    const read = { site: 'demo', experiment: 'x', version: 0, event: 'e', property: 'r', percentile: 0.99 }
    for (const sql of [CAPPED_METRIC_SQL, CAPPED_COVARIATES_SQL]) {
      const capped = plan(sql, read)
      expect(capped).toContain('experiment_values USING COVERING INDEX experiment_values_results')
      expect(capped).not.toMatch(/SCAN (?!(p|pre|post|c|\(subquery-\d+\))(\s|$))/)
    }
    expect(
      plan(FILL_PRE_VALUES, {
        site: 'demo',
        event: 'e',
        property: '',
        experiment: 'x',
        bucketVersion: 0,
        after: '',
        until: 'z',
      }),
    ).not.toMatch(/SCAN/)
    // The batch of people is the only table scanned.
    for (const sql of RECOMPUTE_BATCH) expect(plan(sql, {})).not.toMatch(/SCAN (?!d\b)/)
    conn.close()
  })
})
