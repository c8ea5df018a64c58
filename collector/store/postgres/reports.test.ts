import { expect, it } from 'vitest'
import { describeReportsContract } from '../../../test/contracts/reports.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import {
  DAY,
  engagement,
  HOUR,
  hoursOf,
  identify,
  MINUTE,
  pageView,
  paidClickEvents,
  rowsOf,
  SITE,
  sorted,
  sortedHours,
  sortedVisits,
  T,
  track,
} from '../../../test/support/report-events.ts'
import { summaryOf, visitsOf } from '../../reports/visits.ts'
import type { StoredEvent } from '../types.ts'
import { REPORT_HOURS_MIGRATION } from './report-hours.ts'
import { REPORT_SESSIONS_SQL, REPORTS_LOCK, REPORTS_MIGRATIONS } from './reports.ts'
import { connect, migrate, type Sql } from './schema.ts'
import { MIGRATIONS } from './store.ts'

const ALL = { from: 0, to: 2 * T }

type PgStore = Awaited<ReturnType<typeof openTestPostgresStore>>

/** Two stores (two collectors) on one new schema, dropped after `run`. */
const twoCollectors = async (run: (a: PgStore, b: PgStore, schema: string) => Promise<void>) => {
  const schema = testSchema()
  const a = await openTestPostgresStore({ schema })
  const b = await openTestPostgresStore({ schema })
  try {
    await run(a, b, schema)
  } finally {
    await Promise.all([a.close(), b.close()])
    await dropSchema(schema)
  }
}

/**
 * Resolves once some transaction waits for the schema's reports lock (asked again until then), or
 * once `done` settles (a delete that does not wait).
 */
const lockWaiter = async (sql: Sql, schema: string, done: Promise<unknown>) => {
  let settled = false
  void done.finally(() => {
    settled = true
  })
  while (!settled) {
    const [waiting] = await sql`
      WITH k AS (SELECT hashtext(${schema} || '.reports')::bigint AS key)
      SELECT 1 FROM pg_locks, k WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
        AND classid::bigint = (key >> 32) & 4294967295 AND objid::bigint = key & 4294967295`
    if (waiting) return
  }
}

/** The hours migration undone: a database of the release before it. */
const DROP_HOURS = `DROP TABLE report_hours; DROP TABLE report_hour_queue;
  DROP FUNCTION precis_report_visits_changed CASCADE; DROP FUNCTION precis_report_persons_changed CASCADE;
  DROP FUNCTION precis_report_persons_removed CASCADE;
  DELETE FROM precis_migrations WHERE name = '${REPORT_HOURS_MIGRATION.name}';`

describePostgres('PostgreSQL reports', () => {
  it('brings the report rows up to date in the background at most every reportsSyncMs, by the clock it is given', async () => {
    const store = await openTestPostgresStore({ reportsSyncMs: 60_000 })
    try {
      const derived = async () => (await store.reportSessions(SITE, ALL)).length
      await store.insertEvents([pageView('a1', T)])
      await store.resolveIdentities({}, 1_000) // the first resolution syncs
      expect(await derived()).toBe(1)
      await store.insertEvents([pageView('a2', T + 1)])
      await store.resolveIdentities({}, 60_999)
      expect(await derived()).toBe(1)
      await store.resolveIdentities({}, 61_000)
      expect(await derived()).toBe(2)
    } finally {
      await store.close()
    }
  })

  describeReportsContract('PostgreSQL', () => openTestPostgresStore())

  it('derives each event once when two collectors sync at once, and each reads them all after', async () => {
    await twoCollectors(async (a, b) => {
      const events: StoredEvent[] = []
      for (let i = 0; i < 5_000; i++) {
        const device = `d${i % 700}`
        events.push(
          i % 5 === 4 ? engagement(device, T + i * MINUTE, i % 60, 50) : pageView(device, T + i * MINUTE),
        )
        if (i % 10 === 0) events.push(track(device, T + i * MINUTE, 'Order Completed'))
      }
      await a.insertEvents(events)
      const after = (store: typeof a) => async (n: number) => ({
        n,
        rows: await store.reportSessions(SITE, ALL),
        visits: await store.reportVisits(SITE, ALL),
        hours: await store.reportHours(SITE, ALL),
      })
      const [x, y] = await Promise.all([a.syncReports().then(after(a)), b.syncReports().then(after(b))])
      // Every event is a candidate and makes a row: 5,000 page views and engagements, 500 orders.
      expect(x.n + y.n).toBe(5_500)
      expect(x.rows).toHaveLength(5_500)
      expect(y.rows).toHaveLength(5_500)
      expect(sorted(y.rows)).toEqual(sorted(rowsOf(events)))
      // Each visit summed once, whichever collector made its summary: as the rows say.
      const summaries = visitsOf(rowsOf(events)).map(summaryOf)
      expect(summaries.length).toBeGreaterThan(500)
      for (const visits of [x.visits, y.visits]) expect(sortedVisits(visits)).toEqual(sortedVisits(summaries))
      // And each hour added up once.
      for (const hours of [x.hours, y.hours])
        expect(sortedHours(hours)).toEqual(sortedHours(hoursOf(summaries)))
    })
  }, 30_000) // seconds of work on a quiet machine: a limit for a hung test, not a speed check

  it('deletes the row of an event whose sync commits after the delete began', async () => {
    await twoCollectors(async (store, other, schema) => {
      await store.insertEvents([pageView('a1', T), identify('a1', 'u-ada', T)])
      await store.resolveIdentities({}, T)
      const sql = connect(PG_TEST_URL, { schema, max: 2 })
      try {
        // Resolution derived the row in the background: undone, so the sync below derives it again.
        await sql`DELETE FROM report_rows`
        // A sync holds the lock and has derived the page view's row, not yet committed.
        let commit!: () => void
        const held = new Promise<void>((resolve) => {
          commit = resolve
        })
        let derived!: () => void
        const ready = new Promise<void>((resolve) => {
          derived = resolve
        })
        const sync = sql.begin(async (tx) => {
          await tx`SELECT pg_advisory_xact_lock(${tx.unsafe(REPORTS_LOCK)})`
          await tx`DELETE FROM report_queue`
          const made = await tx`INSERT INTO report_rows (seq, site, device, session, at, kind, click_id)
            SELECT seq, site, anonymous_id, 's1', timestamp, 'page', false FROM events WHERE type = 'page'`
          expect(made.count).toBe(1)
          derived()
          await held
        })
        await ready
        // Another collector erases Ada meanwhile: its delete must wait for the sync, or its trigger
        // would look for the row before it is committed and leave it behind.
        const erasure = other.eraseProfile(SITE, 'u-ada', T)
        await lockWaiter(sql, schema, erasure)
        commit()
        await sync
        expect((await erasure)?.events).toBe(2)
        expect(await store.reportSessions(SITE, ALL)).toEqual([])
      } finally {
        await sql.end()
      }
    })
  })

  it('reads a day of a month through the indexes, never a scan of the rows', async () => {
    const schema = testSchema()
    const store = await openTestPostgresStore({ schema })
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    try {
      const month = Array.from({ length: 3_000 }, (_, i) =>
        pageView(`d${i % 400}`, T + i * 15 * MINUTE, { session: `s${Math.floor(i / 3)}` }),
      )
      await store.insertEvents(month)
      await store.syncReports()
      await sql`VACUUM ANALYZE report_rows`
      const plan = await sql.begin(async (tx) => {
        // A table this small is read fastest whole, or joined by hashing all of it: ask whether the
        // indexes serve the plan a large table gets (the sessions looked up one by one).
        await tx.unsafe(`SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
          SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`)
        const rows = await tx.unsafe(`EXPLAIN ${REPORT_SESSIONS_SQL}`, [SITE, T + DAY, T + 2 * DAY])
        return rows.map((r) => r['QUERY PLAN'] as string).join('\n')
      })
      expect(plan).toMatch(/Index Only Scan using report_rows_at/)
      expect(plan).toMatch(/Index Scan using report_rows_session/)
      expect(plan).not.toMatch(/Seq Scan on report_rows/)
    } finally {
      await sql.end()
      await store.close()
    }
  })

  it('queues and derives the events stored before the reports migration', async () => {
    const schema = testSchema()
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    try {
      await sql`CREATE SCHEMA ${sql(schema)}`
      await migrate(
        sql,
        MIGRATIONS.filter((m) => !REPORTS_MIGRATIONS.includes(m)),
      )
      const events = [pageView('a1', T), pageView('a2', T + 1), track('a1', T + 2, 'Signed Up')]
      await sql`SELECT precis_event_partition(${T}::bigint)`
      for (const e of events)
        await sql`INSERT INTO events (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
          VALUES (${e.site}, ${e.messageId}, ${e.type}, ${e.name}, ${e.userId}, ${e.anonymousId}, ${e.timestamp},
            ${e.receivedAt}, ${e.payload})`
      const store = await openTestPostgresStore({ schema })
      try {
        expect(await store.syncReports()).toBe(3)
        expect(sorted(await store.reportSessions(SITE, ALL))).toEqual(sorted(rowsOf(events)))
        expect(sortedVisits(await store.reportVisits(SITE, ALL))).toEqual(
          sortedVisits(visitsOf(rowsOf(events)).map(summaryOf)),
        )
      } finally {
        await store.close()
      }
    } finally {
      await sql.end()
      await dropSchema(schema)
    }
  })
})

it('summarizes the visits of the rows derived before the visits migration', async () => {
  const schema = testSchema()
  const events = [pageView('a1', T), pageView('a1', T + 1), pageView('a2', T + 2)]
  const sql = connect(PG_TEST_URL, { schema, max: 1 })
  try {
    const store = await openTestPostgresStore({ schema })
    await store.insertEvents(events)
    expect(await store.syncReports()).toBe(3)
    await store.close()
    // As a database of the release before: rows derived, no summaries.
    await sql.unsafe(`${DROP_HOURS} DROP TABLE report_visits; DROP TABLE report_visit_queue;
      DROP TRIGGER report_row_deleted ON report_rows; DROP FUNCTION precis_report_row_deleted;
      DELETE FROM precis_migrations WHERE name IN ('reports/3', 'reports/5')`)
    const upgraded = await openTestPostgresStore({ schema })
    try {
      expect(await upgraded.syncReports()).toBe(0) // no row derived again
      expect(sortedVisits(await upgraded.reportVisits(SITE, ALL))).toEqual(
        sortedVisits(visitsOf(rowsOf(events)).map(summaryOf)),
      )
    } finally {
      await upgraded.close()
    }
  } finally {
    await sql.end()
    await dropSchema(schema)
  }
})

it('marks the paid clicks of the visits summarized before the summaries kept one', async () => {
  const schema = testSchema()
  const events = paidClickEvents()
  const sql = connect(PG_TEST_URL, { schema, max: 1 })
  try {
    const store = await openTestPostgresStore({ schema })
    await store.insertEvents(events)
    await store.syncReports()
    await store.close()
    // As a database of the release before: summaries without a click.
    await sql.unsafe(`ALTER TABLE report_visits DROP COLUMN click_id;
      DELETE FROM precis_migrations WHERE name = 'reports/5'`)
    const upgraded = await openTestPostgresStore({ schema })
    try {
      await upgraded.syncReports()
      const visits = sortedVisits(await upgraded.reportVisits(SITE, ALL))
      expect(visits.map((v) => [v.device, v.clickId])).toEqual([
        ['a1', true],
        ['a2', false],
      ])
      expect(visits).toEqual(sortedVisits(visitsOf(rowsOf(events)).map(summaryOf)))
    } finally {
      await upgraded.close()
    }
  } finally {
    await sql.end()
    await dropSchema(schema)
  }
})

it('adds up the hours of the visits summarized before the hours migration', async () => {
  const schema = testSchema()
  const events = [pageView('a1', T), pageView('a1', T + 1), pageView('a2', T + 2 * HOUR)]
  const sql = connect(PG_TEST_URL, { schema, max: 1 })
  try {
    const store = await openTestPostgresStore({ schema })
    await store.insertEvents(events)
    await store.syncReports()
    await store.close()
    // As a database of the release before: summaries, no hours.
    await sql.unsafe(DROP_HOURS)
    const upgraded = await openTestPostgresStore({ schema })
    try {
      await upgraded.syncReports()
      const hours = await upgraded.reportHours(SITE, ALL)
      expect(hours.map((h) => h.visits)).toEqual([1, 1])
      expect(sortedHours(hours)).toEqual(sortedHours(hoursOf(visitsOf(rowsOf(events)).map(summaryOf))))
    } finally {
      await upgraded.close()
    }
  } finally {
    await sql.end()
    await dropSchema(schema)
  }
})

it('makes an hour when a report reads it, and one an erasure touched at the next sync, read or not', async () => {
  const schema = testSchema()
  const sql = connect(PG_TEST_URL, { schema, max: 1 })
  const store = await openTestPostgresStore({ schema })
  try {
    await store.insertEvents([pageView('a1', T), identify('a1', 'u-ada', T), pageView('b1', T + 2 * HOUR)])
    await store.syncReports()
    await store.resolveIdentities({}, T + DAY)
    await store.syncReports()
    const stored = async () =>
      (await sql`SELECT hour FROM report_hours ORDER BY hour`).map((r) => Number(r.hour))
    const queued = async () =>
      (await sql`SELECT hour, erased FROM report_hour_queue ORDER BY hour`).map((r) => [
        Number(r.hour),
        r.erased,
      ])
    // The sync leaves them to the first read: a busy site's current hour changes with every sync.
    expect(await stored()).toEqual([])
    expect(await queued()).toEqual([
      [T, false],
      [T + 2 * HOUR, false],
    ])
    expect((await store.reportHours(SITE, ALL)).map((h) => h.visits).sort()).toEqual([1, 1])
    expect(await stored()).toEqual([T, T + 2 * HOUR])
    expect(await queued()).toEqual([])
    // Ada's hour is made again by the next sync, before anyone reads it: no trace of her stays.
    await store.eraseProfile(SITE, 'u-ada', T + DAY)
    expect(await queued()).toEqual([[T, true]])
    await store.syncReports()
    expect(await stored()).toEqual([T + 2 * HOUR])
    expect(await queued()).toEqual([])
  } finally {
    await store.close()
    await sql.end()
    await dropSchema(schema)
  }
})
