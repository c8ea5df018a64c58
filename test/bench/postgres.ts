// Ingest on PostgreSQL: one collector process, then three behind one database (each driven by its
// own share of the connections, as a load balancer would spread them), next to the storage's
// limit: the same rows bulk-inserted straight into the same tables.
import postgres from 'postgres'
import { postgresEvents } from '../../collector/store/postgres/events.ts'
import { connect, probePostgres, type Sql } from '../../collector/store/postgres/schema.ts'
import { openPostgresStore } from '../../collector/store/postgres/store.ts'
import { TEST_MASTER_KEY } from '../support/collector-process.ts'
import { TEST_LEDGER_KEY_BASE64 } from '../support/ledger-keys.ts'
import { BATCH_SIZE, sampleEvents } from './payload.ts'
import { CONNECTIONS, load, SECONDS, startServer, stop } from './server-load.ts'

const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test'
/** Rows per statement of the raw baseline. */
const RAW_BATCH = 1000

export interface PostgresIngest {
  eventsPerSecond: number
  ok: number
  failed: number
  p99: number
  stored: number
}

const schemaName = (label: string) => `precis_bench_${label}_${process.pid}`

const dropSchema = async (schema: string) => {
  const sql = postgres(URL, { max: 1, onnotice: () => {} })
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
  await sql`DROP SCHEMA IF EXISTS ${sql(`${schema}_keys`)} CASCADE`
  await sql.end()
}

const storedIn = async (schema: string) => {
  const sql = connect(URL, { schema, max: 1 })
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`
  await sql.end()
  return row?.n ?? 0
}

/** `processes` collectors on one schema, loaded at once; their events/s summed. */
const ingest = async (processes: number, config: string): Promise<PostgresIngest> => {
  const schema = schemaName(`ingest${processes}`)
  const env = {
    PRECIS_CONFIG: config,
    DATABASE_URL: `${URL}?search_path=${schema}`,
    PRECIS_MASTER_KEY: TEST_MASTER_KEY,
    PRECIS_LEDGER_KEY: TEST_LEDGER_KEY_BASE64,
  }
  // One at a time: the first migrates the new schema.
  const servers = []
  for (let i = 0; i < processes; i++) servers.push(await startServer(['collector/node.ts'], env))
  try {
    const share = Math.ceil(CONNECTIONS / processes)
    await Promise.all(servers.map((s) => load(s.url, 2, share))) // warm-up
    const results = await Promise.all(servers.map((s) => load(s.url, SECONDS, share)))
    const stored = await storedIn(schema)
    return {
      eventsPerSecond: results.reduce((n, r) => n + r.eventsPerSecond, 0),
      ok: results.reduce((n, r) => n + r.ok, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      p99: Math.max(...results.map((r) => r.p99)),
      stored,
    }
  } finally {
    await Promise.all(servers.map((s) => stop(s.child)))
    await dropSchema(schema)
  }
}

const benchRows = () => {
  const now = Date.now()
  return Array.from({ length: 200_000 / BATCH_SIZE }, (_, b) => sampleEvents(`raw-${b}`))
    .flat()
    .map((e) => ({
      site: 'bench',
      messageId: e.messageId,
      type: e.type as 'track' | 'page',
      name: e.event ?? null,
      userId: null,
      anonymousId: e.anonymousId,
      timestamp: now,
      receivedAt: now,
      payload: JSON.stringify(e),
    }))
}

type Row = ReturnType<typeof benchRows>[number]

/**
 * The same rows, prepared beforehand, RAW_BATCH a statement with 2 statements in flight, for
 * SECONDS at most: `insert` is either the collector's own bulk insert (ids claimed, rows stored,
 * queued for resolution) or a bare multi-row INSERT into the events table (the storage's limit).
 */
const insertRate = async (label: string, inserter: (sql: Sql) => (rows: Row[]) => Promise<unknown>) => {
  const schema = schemaName(label)
  await (await openPostgresStore(URL, { schema, max: 1 })).close()
  const sql = connect(URL, { schema, max: 2 })
  const insert = inserter(sql)
  const rows = benchRows()
  await sql`SELECT precis_event_partition(${rows[0]!.timestamp}::bigint)`
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < rows.length && performance.now() - started < SECONDS * 1000) {
      const batch = rows.slice(next, next + RAW_BATCH)
      next += RAW_BATCH
      await insert(batch)
    }
  }
  await Promise.all([worker(), worker()])
  const seconds = (performance.now() - started) / 1000
  await sql.end()
  await dropSchema(schema)
  return { eventsPerSecond: Math.min(next, rows.length) / seconds }
}

const bareInsert = (sql: Sql) => (rows: Row[]) =>
  sql`
  INSERT INTO events (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
  SELECT * FROM unnest(${rows.map((r) => r.site)}::text[], ${rows.map((r) => r.messageId)}::text[],
    ${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.userId)}::text[],
    ${rows.map((r) => r.anonymousId)}::text[], ${rows.map((r) => String(r.timestamp))}::bigint[],
    ${rows.map((r) => String(r.receivedAt))}::bigint[], ${rows.map((r) => r.payload)}::text[])`

/** undefined when no PostgreSQL answers at URL. */
export const measurePostgres = async (config: string) => {
  if (await probePostgres(URL)) return undefined
  const one = await ingest(1, config)
  const three = await ingest(3, config)
  const store = await insertRate('store', (sql) => postgresEvents(sql).insertEvents)
  const raw = await insertRate('raw', bareInsert)
  return { one, three, store, raw }
}

type Measured = Awaited<ReturnType<typeof measurePostgres>>

/** The bench table's PostgreSQL rows: [measure, value, reference, ratio]. */
export const postgresRows = (
  pg: Measured,
  fmt: (n: number) => string,
  pct: (n: number) => string,
): [string, string, string, string][] => {
  if (!pg) return [['collector ingest, PostgreSQL', 'skipped', `no server at ${URL}`, '']]
  const { one, three, store, raw } = pg
  return [
    [
      'collector ingest, PostgreSQL, 1 process',
      `${fmt(one.eventsPerSecond)} ev/s`,
      `p99 ${one.p99} ms`,
      `${pct(one.eventsPerSecond / raw.eventsPerSecond)} of raw`,
    ],
    [
      'collector ingest, PostgreSQL, 3 processes',
      `${fmt(three.eventsPerSecond)} ev/s`,
      `p99 ${three.p99} ms (2 cores shared with the database)`,
      `${pct(three.eventsPerSecond / raw.eventsPerSecond)} of raw, ${(three.eventsPerSecond / one.eventsPerSecond).toFixed(2)}× 1 process`,
    ],
    [
      `  store bulk insert (ids, rows, queue), ${fmt(RAW_BATCH)}/stmt`,
      `${fmt(store.eventsPerSecond)} ev/s`,
      'no HTTP, validation or enrichment',
      `${pct(store.eventsPerSecond / raw.eventsPerSecond)} of raw`,
    ],
    [
      `  raw INSERT … unnest, ${fmt(RAW_BATCH)}/stmt`,
      `${fmt(raw.eventsPerSecond)} ev/s`,
      'storage limit: the same rows, events table only',
      '',
    ],
  ]
}

export const postgresProblems = (pg: Measured) =>
  pg
    ? [pg.one, pg.three].flatMap((r, i) => [
        r.failed > 0 && `${r.failed} PostgreSQL collector requests failed (${i ? 3 : 1} process)`,
        r.stored < r.ok * BATCH_SIZE &&
          `PostgreSQL stored ${r.stored} of ${r.ok * BATCH_SIZE} acknowledged events`,
      ])
    : []
