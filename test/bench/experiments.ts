// Experiment results at volume: 10,000,000 exposure rows (5 % of people on a second device) and
// 1,000,000 orders on a SQLite file with the collector's schema, then the results endpoint timed
// end to end through the app (identity catch-up and experiment sync of fresh events included).
//   BENCH_EXPOSURES, BENCH_ORDERS scale it; BENCH_VERBOSE=1 times the build phases;
//   `npx tsx test/bench/experiments.ts` runs it alone.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createApp } from '../../collector/app.ts'
import { parseConfig } from '../../collector/config/site-config.ts'
import { rebuildExperiments, sqliteExperiments } from '../../collector/store/sqlite/experiments.ts'
import { createResolver, identitySql, resolvePending } from '../../collector/store/sqlite/resolver.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import type { StoredEvent } from '../../collector/store/types.ts'
import { TEST_LEDGER_KEYRING } from '../support/ledger-keys.ts'

export const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 10_000_000)
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000)
/** Fresh events before each timed request: the sync and identity catch-up they need are timed. */
export const FRESH = 2_000
/** Events folded in by the sync measured on its own. */
export const SYNC_EVENTS = 100_000

const SITE = 'bench'
const TOKEN = 'bench-admin-token-0001'
const T0 = Date.parse('2026-10-01T00:00:00.000Z')
const DAY = 86_400_000
/** People: each exposure row is a device; one person in twenty has a second one. */
const PEOPLE = Math.floor(EXPOSURES / 1.05)

const sites = parseConfig({
  sites: [
    {
      id: SITE,
      writeKey: 'bench-write-key-0001',
      experiments: [
        {
          key: 'checkout',
          name: 'One-page checkout',
          status: 'running',
          variations: [{ key: 'control' }, { key: 'one-page' }, { key: 'express' }],
          goals: [{ event: 'Order Completed' }],
          guardrails: [{ event: 'Order Completed', property: 'revenue' }],
        },
      ],
    },
  ],
})

/**
 * A UUID-shaped id from an integer, unique per integer, the integer in its first group: ids sort
 * like their integers. That only makes the bulk load append instead of insert at random places;
 * results read counters and per-person values, whatever the ids look like.
 */
const uuid = (x: string, salt: number) =>
  `printf('%08x-%04x-4%03x-8%03x-%012x', ${x}, (${x} * 40503 + ${salt}) % 65536, (${x} * 977) % 4096,
    (${x} * 313 + ${salt}) % 4096, (${x} * 2246822519 + ${salt}) % 281474976710656)`
const UNIT = (i: string) => uuid(i, 11)
const PROFILE = (person: string) => uuid(person, 29)
/** Device i (1-based) belongs to person i, or past PEOPLE to every twentieth person. */
const PERSON_OF = (i: string) => `CASE WHEN ${i} <= ${PEOPLE} THEN ${i} ELSE (${i} - ${PEOPLE}) * 20 END`
/** First exposure of device i: spread over 28 days. */
const EXPOSED_AT = (i: string) => `${T0} + ((${i} * 40503) % 2419200) * 1000`
const SERIES = (n: number) => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`

const time = async <T>(fn: () => T | Promise<T>) => {
  const started = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - started) / 1000 }
}

/**
 * The data, written as the collector would have: order events with the identifiers of the people
 * who sent them, and exposure rows. The people, counters and metric values are then derived by
 * the collector's own code.
 */
const build = async (path: string) => {
  await openSqliteStore(path).close() // the real migrations
  const db = new Database(path)
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -1048576')
  const phase = (label: string) => process.env.BENCH_VERBOSE && console.log(label, performance.now())
  // Orders: 90 % from exposed devices (around and after their exposure), 10 % from visitors never
  // exposed; 30 % sent with the person's userId. In time order, as events arrive.
  phase('orders')
  db.exec(`CREATE TEMP TABLE orders AS ${SERIES(ORDERS)}
    SELECT i, device, ${PERSON_OF('device')} AS person, i % 10 < 3 AS logged_in,
      ${EXPOSED_AT('device')} + ((i * 7907) % 604800) * 1000 - ${DAY} AS ts
    FROM (SELECT i, CASE WHEN i % 10 = 9 THEN ${EXPOSURES} + i ELSE (i * 2654435761) % ${EXPOSURES} + 1 END AS device FROM s)`)
  phase('identifiers')
  db.exec(`INSERT OR IGNORE INTO identifiers (site, kind, value, profile_id, added_at)
    SELECT '${SITE}', 'anonymous', ${UNIT('device')}, ${PROFILE('person')}, 0 FROM orders ORDER BY device;
    INSERT OR IGNORE INTO identifiers (site, kind, value, profile_id, added_at)
    SELECT '${SITE}', 'user', 'user-' || person, ${PROFILE('person')}, 0 FROM orders WHERE logged_in;`)
  phase('events')
  db.exec(`INSERT INTO events (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
    SELECT '${SITE}', 'order-' || i, 'track', 'Order Completed',
      CASE WHEN logged_in THEN 'user-' || person END, ${UNIT('device')}, ts, ts + 500,
      json_object('properties', json_object('order_id', 'o-' || i, 'revenue', (i * 7919) % 20000 / 100.0,
        'currency', 'EUR'), 'context', json_object('page', json_object('path', '/checkout/done',
        'title', 'Thank you'), 'locale', 'en-US', 'library', json_object('name', 'precis', 'version', '0.1.0')))
    FROM orders ORDER BY ts;
    DROP TABLE orders;`)

  // Exposures, in key order, with the table's triggers set aside meanwhile (they would mark
  // every person for a recompute one at a time; the collector's rebuild below does it at once).
  phase('exposures')
  const triggers = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'experiment_exposures'",
    )
    .all() as { name: string; sql: string }[]
  for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`)
  db.exec(`${SERIES(EXPOSURES)}
    INSERT INTO experiment_exposures
      (site, unit, experiment, bucket_version, variation, first_at, event_id, profile_id)
    SELECT '${SITE}', ${UNIT('i')}, 'checkout', 0,
      CASE (i * 7919) % 3 WHEN 0 THEN 'control' WHEN 1 THEN 'one-page' ELSE 'express' END,
      ${EXPOSED_AT('i')}, 1000000000 + i, ${PROFILE(PERSON_OF('i'))}
    FROM s`)
  for (const t of triggers) db.exec(t.sql)
  db.exec(
    "UPDATE meta SET value = (SELECT max(id) FROM events) WHERE key IN ('identity_watermark', 'experiments_watermark')",
  )
  phase('done')
  return db
}

/** Events as the browser sends them for people who just arrived: exposures, then some orders. */
const freshEvents = (round: string, count: number, at: number): StoredEvent[] =>
  Array.from({ length: count }, (_, i) => {
    const anonymousId = `fresh-${round}-${i >> 1}`
    const exposure = i % 2 === 0
    const properties = exposure
      ? {
          experiment_id: 'checkout',
          variation_id: ['control', 'one-page', 'express'][i % 3],
          bucket_version: 0,
        }
      : { revenue: 10 + (i % 90) }
    return {
      site: SITE,
      messageId: `${round}-${i}`,
      type: 'track',
      name: exposure ? 'Experiment Viewed' : 'Order Completed',
      userId: null,
      anonymousId,
      timestamp: at + i,
      receivedAt: at + i,
      payload: JSON.stringify({ properties, context: { page: { path: '/checkout' } } }),
    }
  })

export const measureExperiments = async (dir: string) => {
  const path = join(dir, 'experiments.db')
  const built = await time(() => build(path))
  const db = built.value
  // Derived by the collector's code: people and counters rebuilt from the exposure rows (the bulk
  // path), then the metrics registered: their events backfilled, per-person values filled.
  const derived = await time(() => {
    rebuildExperiments(db, SITE)
    return sqliteExperiments(db).prepareExperiments(SITE, [
      {
        key: 'checkout',
        bucketVersion: 0,
        metrics: [
          { event: 'Order Completed', property: '' },
          { event: 'Order Completed', property: 'revenue' },
        ],
      },
    ])
  })
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
  const people = count('SELECT count(*) AS n FROM experiment_people')
  const counted = count('SELECT sum(users) AS n FROM experiment_hourly')
  db.close()
  if (counted !== people) throw new Error(`counters say ${counted} people, the table ${people}`)

  // End to end, as the admin API answers: fresh events resolved and folded in, then the results.
  const store = openSqliteStore(path)
  const now = { at: T0 + 40 * DAY }
  const app = createApp({
    store,
    clock: { now: () => now.at },
    config: { sites, adminToken: TOKEN, ledgerKeys: TEST_LEDGER_KEYRING },
  })
  const results = () =>
    app.request(`/admin/api/experiments/checkout/results?site=${SITE}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  await results() // warm-up: page cache, metrics already registered
  const rounds: number[] = []
  let body: { users: number; srm: { warn: boolean } } | undefined
  for (let r = 0; r < 3; r++) {
    now.at += DAY
    await store.insertEvents(freshEvents(`r${r}`, FRESH, now.at))
    const timed = await time(async () => {
      const res = await results()
      if (res.status !== 200) throw new Error(`results answered ${res.status}: ${await res.text()}`)
      return res.json() as Promise<typeof body>
    })
    rounds.push(timed.seconds)
    body = timed.value
  }
  // Every fresh visitor was exposed once: the bench checks what it measured.
  const expected = people + (3 * FRESH) / 2
  if (body!.users !== expected) throw new Error(`results counted ${body!.users} people, not ${expected}`)

  // The sync on its own (it runs after identity resolution, off the ingest path).
  now.at += DAY
  await store.insertEvents(freshEvents('sync', SYNC_EVENTS, now.at))
  await store.close()
  const raw = new Database(path)
  raw.pragma('synchronous = NORMAL')
  const sql = identitySql(raw)
  const resolution = await time(() =>
    resolvePending(
      raw,
      sql,
      createResolver(sql, () => crypto.randomUUID()),
      {},
      now.at,
    ),
  )
  const sync = await time(() => sqliteExperiments(raw).syncExperiments())
  raw.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true }) // gigabytes

  return {
    seconds: Math.min(...rounds),
    rounds,
    users: body!.users,
    srmWarn: body!.srm.warn,
    people,
    buildSeconds: built.seconds,
    derivedSeconds: derived.seconds,
    syncSeconds: sync.seconds,
    syncEventsPerSecond: SYNC_EVENTS / sync.seconds,
    resolutionSeconds: resolution.seconds,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  console.log(await measureExperiments(mkdtempSync(join(tmpdir(), 'precis-experiments-'))))
}
