// Events on PostgreSQL: bulk, idempotent inserts from any number of collectors, monthly
// partitions made on demand, retention by whole partitions where it can.
import { type EventRow, fromEventRow } from '../event-row.ts'
import type { EventPage, InsertResult, StoredEvent } from '../types.ts'
import { REPORT_CANDIDATE, REPORTS_LOCK } from './reports.ts'
import type { Sql } from './schema.ts'

const MONTH_KEY = (ms: number) => {
  const d = new Date(ms)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}

/** Statements of inserts running at once per process, and rows at most in one of them. */
const MAX_IN_FLIGHT = 2
const MAX_ROWS = 5_000

/** check_violation: what PostgreSQL answers for a row no partition accepts. */
const NO_PARTITION = '23514'

export const postgresEvents = (sql: Sql) => {
  // Months known to have a partition; another collector may have made one, which the function
  // finds, so this only saves the round trip.
  const months = new Set<number>()
  const ensurePartitions = async (rows: readonly StoredEvent[]) => {
    const missing = new Map<number, number>()
    for (const row of rows) {
      const key = MONTH_KEY(row.timestamp)
      if (!months.has(key) && !missing.has(key)) missing.set(key, row.timestamp)
    }
    for (const [key, ts] of missing) {
      await sql`SELECT precis_event_partition(${ts}::bigint)`
      months.add(key)
    }
  }

  /**
   * One statement, so all or nothing (the rows travel as one JSON text: serializing it is native
   * and cheap, where escaping one array literal per column cost the collector an eighth of its CPU): claim the ids (in (site, message_id) order, so that two
   * statements sharing ids wait for each other instead of deadlocking), then store and queue for
   * identity resolution only the rows whose id this statement claimed. Of rows repeating an id the
   * first is kept. Page views and engagement figures are queued for the report rows too
   * (store/postgres/reports.ts): a filter on columns the insert returns, no lookup; events of sites
   * with a destination enter the delivery outbox (store/postgres/deliveries.ts). Resolves to the
   * input positions (1-based) of the rows stored.
   */
  const insertStatement = async (rows: readonly StoredEvent[]): Promise<number[]> => {
    const stored = await sql<{ ord: number }[]>`
      WITH input AS (
        SELECT * FROM ROWS FROM (json_to_recordset(${JSON.stringify(rows)}::text::json)
          AS (site text, "messageId" text, type text, name text, "userId" text, "anonymousId" text,
            timestamp bigint, "receivedAt" bigint, payload text)) WITH ORDINALITY
          AS t(site, "messageId", type, name, "userId", "anonymousId", timestamp, "receivedAt", payload, ord)
      ),
      firsts AS (
        SELECT DISTINCT ON (site, "messageId") site, "messageId" AS message_id, type, name,
          "userId" AS user_id, "anonymousId" AS anonymous_id, timestamp, "receivedAt" AS received_at, payload, ord
        FROM input ORDER BY site, "messageId", ord
      ),
      claimed AS (
        INSERT INTO event_ids (site, message_id, timestamp)
        SELECT site, message_id, timestamp FROM firsts ORDER BY site, message_id
        ON CONFLICT DO NOTHING
        RETURNING site, message_id
      ),
      stored AS (
        INSERT INTO events (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
        SELECT f.site, f.message_id, f.type, f.name, f.user_id, f.anonymous_id, f.timestamp, f.received_at, f.payload
        FROM firsts f JOIN claimed USING (site, message_id)
        ORDER BY f.ord
        RETURNING seq, site, type, name, anonymous_id
      ),
      queued AS (INSERT INTO identity_queue (seq) SELECT seq FROM stored),
      reports AS (INSERT INTO report_queue (seq) SELECT seq FROM stored WHERE ${sql.unsafe(REPORT_CANDIDATE)}),
      deliveries AS (
        INSERT INTO delivery_outbox (seq, site)
        SELECT seq, site FROM stored WHERE site IN (SELECT site FROM delivery_sites WHERE active))
      SELECT f.ord::int AS ord FROM firsts f JOIN claimed USING (site, message_id)`
    return stored.map((r) => r.ord)
  }

  const insertRows = async (rows: readonly StoredEvent[]) => {
    await ensurePartitions(rows)
    try {
      return await insertStatement(rows)
    } catch (err) {
      // Another collector's retention dropped a month this one thought was there.
      if ((err as { code?: string }).code !== NO_PARTITION) throw err
      months.clear()
      await ensurePartitions(rows)
      return insertStatement(rows)
    }
  }

  // Group commit: while MAX_IN_FLIGHT statements run, requests wait and then go together in one
  // statement (one commit, one fsync) of up to MAX_ROWS rows. Each still gets its own answer.
  interface Job {
    rows: readonly StoredEvent[]
    resolve(result: InsertResult): void
    reject(err: unknown): void
  }
  const waiting: Job[] = []
  let inFlight = 0
  const settle = (job: Job, stored: number) =>
    job.resolve({ inserted: stored, duplicates: job.rows.length - stored })
  const run = async (jobs: Job[]) => {
    try {
      const rows = jobs.flatMap((j) => j.rows)
      const stored = new Uint8Array(rows.length + 1)
      for (const ord of await insertRows(rows)) stored[ord] = 1
      let ord = 1
      for (const job of jobs) {
        let n = 0
        for (const end = ord + job.rows.length; ord < end; ord++) n += stored[ord]!
        settle(job, n)
      }
    } catch (err) {
      // A failure of the group must not fail a request that would have succeeded alone.
      if (jobs.length === 1) return jobs[0]!.reject(err)
      for (const job of jobs) await run([job])
    }
  }
  const pump = () => {
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      const jobs = [waiting.shift()!]
      let rows = jobs[0]!.rows.length
      while (waiting.length > 0 && rows + waiting[0]!.rows.length <= MAX_ROWS) {
        rows += waiting[0]!.rows.length
        jobs.push(waiting.shift()!)
      }
      inFlight++
      void run(jobs).finally(() => {
        inFlight--
        pump()
      })
    }
  }
  const insertEvents = (rows: readonly StoredEvent[]): Promise<InsertResult> =>
    rows.length === 0
      ? Promise.resolve({ inserted: 0, duplicates: 0 })
      : new Promise((resolve, reject) => {
          waiting.push({ rows, resolve, reject })
          pump()
        })

  /**
   * A month wholly before `before` that holds only this site's events is dropped as a table;
   * anything else is deleted row by row. The site's ids go too, so retention frees them, and its
   * report rows: a dropped month fires no trigger. The reports lock, shared, keeps a sync from
   * deriving meanwhile what goes (store/postgres/reports.ts).
   */
  const deleteEventsBefore = async (site: string, before: number): Promise<number> =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.event_partitions'))`
      await tx`SELECT pg_advisory_xact_lock_shared(${tx.unsafe(REPORTS_LOCK)})`
      const old = await tx<{ name: string }[]>`
        SELECT name FROM event_partitions WHERE to_ts <= ${before} ORDER BY from_ts`
      let deleted = 0
      for (const { name } of old) {
        const [span] = await tx<{ low: string | null; high: string | null; n: number }[]>`
          SELECT min(site) AS low, max(site) AS high, count(*)::int AS n FROM ${tx(name)}`
        if (span && span.low === site && span.high === site) {
          deleted += span.n
          await tx`DROP TABLE ${tx(name)}`
          await tx`DELETE FROM event_partitions WHERE name = ${name}`
          months.clear()
        }
      }
      const rest = await tx`DELETE FROM events WHERE site = ${site} AND timestamp < ${before}`
      await tx`DELETE FROM event_ids WHERE site = ${site} AND timestamp < ${before}`
      await tx`DELETE FROM report_rows WHERE site = ${site} AND at < ${before}`
      return deleted + rest.count
    })

  const listEvents = async (site: string, { limit }: { limit: number }): Promise<EventPage> => {
    const [events, [total]] = await Promise.all([
      sql<EventRow[]>`
        SELECT site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
        FROM events WHERE site = ${site} ORDER BY received_at DESC, seq DESC LIMIT ${limit}`,
      sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events WHERE site = ${site}`,
    ])
    return { events: events.map(fromEventRow), total: total?.n ?? 0 }
  }

  return { insertEvents, deleteEventsBefore, listEvents }
}
