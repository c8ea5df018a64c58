// npm run bench: bundle size and collector throughput, each beside its limit, in one run.
//   BENCH_SECONDS (default 10) sets each load phase's length.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { rollup } from 'rollup'
import { CONSENT_CHUNK, PERSONALIZE_CHUNK, TAG, VITALS_CHUNK } from '../../bundles.mjs'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { configure, INSERT_SQL } from '../../collector/store/sqlite/writer.mjs'
import { scriptTagPlugins } from '../../rollup.config.mjs'
import { AUDIENCE_P95_LIMIT_MS, measureAudienceLatency } from './audiences.ts'
import { DELIVERY_COST_LIMIT, measureDeliveryCost, measureDeliveryRates } from './deliveries.ts'
import { EXPOSURES, FRESH, measureExperiments, SYNC_EVENTS } from './experiments.ts'
import { LINKS, measureIdentity } from './identity.ts'
import { CPU_SLOWDOWN, LATENCY_MS, measurePaint } from './paint.ts'
import { BATCH_SIZE, BENCH_WRITE_KEY, sampleEvents } from './payload.ts'
import { measurePostgres, postgresProblems, postgresRows } from './postgres.ts'
import { measurePostgresReports, measureReports, reportRows } from './reports.ts'
import { measureReportsCost, REPORTS_COST_LIMIT } from './reports-cost.ts'
import { EVENTS, measureSegments, RULES } from './segments.ts'
import { CONNECTIONS, load, SECONDS, startServer, stop } from './server-load.ts'
import { measureWire } from './wire.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const BUDGET = {
  sdk: 12_000,
  consent: 5_000,
  tracker: 7_000,
  wireBeforeChoice: 10_000,
  wireAfterAccept: 20_000,
}
const GOAL = {
  eventsPerSecond: 50_000,
  ofBare: 0.4,
  identitySeconds: 10,
  lookupP99: 2,
  decisionP95: 1,
  experimentSeconds: 2,
  slotsShown: 0.99,
  slotWaitP95: 50,
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const pct = (n: number) => `${(n * 100).toFixed(0)} %`

const measureServer = async (args: string[], env?: Record<string, string>) => {
  const { url, child } = await startServer(args, env)
  try {
    await load(url, 2) // warm-up: JIT, SQLite page cache
    return await load(url, SECONDS)
  } finally {
    await stop(child)
  }
}

/**
 * The storage limit: the same rows, serialized beforehand, through better-sqlite3 directly, with
 * the collector's schema and pragmas, one transaction per `perTx` rows.
 */
const rawInsert = async (dir: string, perTx: number) => {
  const path = join(dir, `raw-${perTx}.db`)
  await openSqliteStore(path).close()
  const db = new Database(path)
  configure(db)
  const insert = db.prepare(INSERT_SQL)
  const tx = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(...row)
  })
  const rows = Array.from({ length: 200_000 / BATCH_SIZE }, (_, b) => sampleEvents(`raw-${b}`))
    .flat()
    .map((e) => ['bench', e.messageId, e.type, e.event ?? null, null, e.anonymousId, 0, 0, JSON.stringify(e)])
  const started = performance.now()
  let done = 0
  while (done < rows.length && performance.now() - started < SECONDS * 1000) {
    tx(rows.slice(done, done + perTx))
    done += perTx
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { eventsPerSecond: Math.min(done, rows.length) / seconds }
}

/** A part of the script tag, built alone from an entry in test/bench/entries as p.js is built. */
const partBytes = async (entry: string) => {
  const bundle = await rollup({ input: join(ROOT, 'test/bench/entries', entry), plugins: scriptTagPlugins() })
  const { output } = await bundle.generate({ format: 'es' })
  return gzipSync(output[0].code, { level: 9 }).length
}

const main = async () => {
  const bundle = readFileSync(join(ROOT, 'dist', TAG.file))
  const gzip = gzipSync(bundle, { level: 9 }).length
  const consent = await partBytes('consent-ui.ts')
  const consentAll = await partBytes('consent-all.ts')
  const tracker = await partBytes('tracker.ts')
  const chunk = (file: string) => gzipSync(readFileSync(join(ROOT, 'dist', file)), { level: 9 }).length
  const [consentChunk, vitalsChunk, personalizeChunk] = [CONSENT_CHUNK, VITALS_CHUNK, PERSONALIZE_CHUNK].map(
    ({ file }) => chunk(file),
  ) as [number, number, number]

  const dir = mkdtempSync(join(tmpdir(), 'precis-bench-'))
  const config = join(dir, 'precis.config.json')
  writeFileSync(config, JSON.stringify({ sites: [{ id: 'bench', writeKey: BENCH_WRITE_KEY }] }))
  const dbPath = join(dir, 'collector.db')

  console.log(`measuring: ${SECONDS} s per phase, ${CONNECTIONS} connections, ${BATCH_SIZE}-event batches`)
  const bare = await measureServer(['test/bench/bare-server.ts'])
  const collector = await measureServer(['collector/node.ts'], {
    PRECIS_CONFIG: config,
    DATABASE_URL: `sqlite:${dbPath}`,
  })
  const reportsCost = await measureReportsCost(config, dir)
  const deliveryCost = await measureDeliveryCost(dir)
  const deliveryRates = await measureDeliveryRates(dir)
  const audience = await measureAudienceLatency()
  const identity = await measureIdentity(dir)
  const experiments = await measureExperiments(dir)
  const segments = await measureSegments()
  const pg = await measurePostgres(config)
  const raw = await rawInsert(dir, BATCH_SIZE)
  const rawGrouped = await rawInsert(dir, 1000)
  const paint = await measurePaint()
  const wire = await measureWire()
  const reports = await measureReports(dir)
  const pgReports = await measurePostgresReports()

  // The bench also checks what it measured: every acknowledged event is stored, once.
  const db = new Database(dbPath, { readonly: true })
  const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n
  db.close()

  const rows: [string, string, string, string][] = [
    ['SDK script tag (dist/p.js), raw', `${fmt(bundle.length)} B`, '', ''],
    [
      'SDK script tag, min+gzip (level 9)',
      `${fmt(gzip)} B`,
      `budget ${fmt(BUDGET.sdk)} B`,
      pct(gzip / BUDGET.sdk),
    ],
    [
      '  consent core, UI, CSS, en+zh',
      `${fmt(consent)} B`,
      `target ${fmt(BUDGET.consent)} B`,
      pct(consent / BUDGET.consent),
    ],
    ['  consent in p.js (core, tag gate, cleanup, Consent Mode)', `${fmt(consentAll)} B`, '', ''],
    [
      '  tracker, outbox, delivery, autocapture',
      `${fmt(tracker)} B`,
      `target ${fmt(BUDGET.tracker)} B`,
      pct(tracker / BUDGET.tracker),
    ],
    [
      'chunk: consent banner (p-consent.js), first visit only',
      `${fmt(consentChunk)} B`,
      'loaded when needed',
      '',
    ],
    [
      'chunk: web-vitals (p-vitals.js), after analytics consent',
      `${fmt(vitalsChunk)} B`,
      'loaded when needed',
      '',
    ],
    [
      'chunk: segments and slots (p-personalize.js), with consent',
      `${fmt(personalizeChunk)} B`,
      'loaded when needed',
      '',
    ],
    [
      'tag on the wire in Chromium, demo shop, before the choice',
      `${fmt(wire.beforeChoice.wire)} B`,
      `budget ${fmt(BUDGET.wireBeforeChoice)} B; ${wire.beforeChoice.scripts} scripts, ${fmt(wire.beforeChoice.identity)} B as they are`,
      pct(wire.beforeChoice.wire / BUDGET.wireBeforeChoice),
    ],
    [
      '  the same after Accept all and 3 more pages',
      `${fmt(wire.afterAccept.wire)} B`,
      `budget ${fmt(BUDGET.wireAfterAccept)} B; ${wire.afterAccept.scripts} scripts, ${fmt(wire.afterAccept.identity)} B as they are`,
      pct(wire.afterAccept.wire / BUDGET.wireAfterAccept),
    ],
    [
      `segments in Chromium: ${RULES} rules, ${fmt(EVENTS)} events, evaluate`,
      `p95 ${segments.evaluateP95.toFixed(2)} ms`,
      `goal p95 ≤ ${GOAL.decisionP95} ms`,
      pct(segments.evaluateP95 / GOAL.decisionP95),
    ],
    [
      '  one more event remembered, then evaluate',
      `p95 ${segments.updateP95.toFixed(2)} ms`,
      `goal p95 ≤ ${GOAL.decisionP95} ms (timer step 0.1 ms)`,
      pct(segments.updateP95 / GOAL.decisionP95),
    ],
    [
      `slots before first paint (${CPU_SLOWDOWN}× CPU, +${LATENCY_MS} ms), with the plan`,
      `${(paint.plan.shown * 100).toFixed(1)} % shown, p95 ${fmt(paint.plan.waitP95)} ms`,
      `goal ≥ ${pct(GOAL.slotsShown)}, p95 ≤ ${GOAL.slotWaitP95} ms, 0 changed after paint; ${paint.plan.changedAfterPaint} changed, ${paint.plan.eligible} views, p50 ${fmt(paint.plan.waitP50)} ms, p95 ${fmt(paint.plan.decisionP95)} ms from navigation start (the slot itself is in the page at p95 ${fmt(paint.plan.insertedP95)} ms)`,
      pct(paint.plan.waitP95 / GOAL.slotWaitP95),
    ],
    [
      '  the same before the plan (waits for the chunk and IndexedDB)',
      `${(paint.beforePlan.shown * 100).toFixed(1)} % shown, p95 ${fmt(paint.beforePlan.waitP95)} ms`,
      `today's figure without the plan; ${paint.beforePlan.late} late, ${paint.beforePlan.changedAfterPaint} changed, ${paint.beforePlan.eligible} views, p95 ${fmt(paint.beforePlan.decisionP95)} ms from navigation start`,
      `plan = ${pct(paint.plan.waitP95 / paint.beforePlan.waitP95)}`,
    ],
    [
      'bare Hono handler (parse JSON, 204)',
      `${fmt(bare.eventsPerSecond)} ev/s`,
      `${fmt(bare.requestsPerSecond)} req/s, p99 ${bare.p99} ms`,
      '',
    ],
    [
      'collector ingest, durable SQLite',
      `${fmt(collector.eventsPerSecond)} ev/s`,
      `goal ≥ ${fmt(GOAL.eventsPerSecond)} ev/s and ≥ ${pct(GOAL.ofBare)} of bare; p99 ${collector.p99} ms`,
      `${pct(collector.eventsPerSecond / bare.eventsPerSecond)} of bare`,
    ],
    [
      '  a device and a visit a batch, report tables kept every second',
      `${fmt(reportsCost.kept)} ev/s`,
      `goal ≥ ${pct(REPORTS_COST_LIMIT)} of the same left to the first report read (${fmt(reportsCost.deferred)} ev/s); ${fmt(reportsCost.summaries.kept)} visit summaries made while ingesting (${fmt(reportsCost.summaries.deferred)} by the other, at its start)`,
      pct(reportsCost.ratio),
    ],
    [
      '  one webhook destination attached, its deliveries queued in the insert',
      `${fmt(deliveryCost.enqueued)} ev/s`,
      `goal ≥ ${pct(DELIVERY_COST_LIMIT)} of the same without (${fmt(deliveryCost.none)} ev/s); ${fmt(deliveryCost.queued)} queued`,
      pct(deliveryCost.enqueuedRatio),
    ],
    [
      '  the same delivered meanwhile, 100 a request (receiver in its own process)',
      `${fmt(deliveryCost.delivering)} ev/s`,
      `${fmt(deliveryCost.delivered)} delivered while ingesting on the same 2 cores`,
      `${pct(deliveryCost.deliveringRatio)} of without`,
    ],
    [
      'deliveries to a local receiver, one event a request',
      `${fmt(deliveryRates.single)} ev/s`,
      'signed, 4 requests at once, each settled in the store',
      '',
    ],
    [
      '  100 events a request',
      `${fmt(deliveryRates.batched)} ev/s`,
      '',
      `${(deliveryRates.batched / deliveryRates.single).toFixed(1)}× one a request`,
    ],
    [
      'Audience Entered at a receiver after the event that made the member, p95',
      `${fmt(audience.p95)} ms`,
      `budget ≤ ${fmt(AUDIENCE_P95_LIMIT_MS)} ms; p50 ${fmt(audience.p50)} ms, max ${fmt(audience.max)} ms, ${fmt(audience.people)} people one request each`,
      pct(audience.p95 / AUDIENCE_P95_LIMIT_MS),
    ],
    [
      'raw better-sqlite3 insert, 50/tx',
      `${fmt(raw.eventsPerSecond)} ev/s`,
      'storage, one request per transaction',
      `collector = ${pct(collector.eventsPerSecond / raw.eventsPerSecond)}`,
    ],
    [
      'raw better-sqlite3 insert, 1000/tx',
      `${fmt(rawGrouped.eventsPerSecond)} ev/s`,
      'storage with group commit: its limit',
      `collector = ${pct(collector.eventsPerSecond / rawGrouped.eventsPerSecond)}`,
    ],
    ...postgresRows(pg, fmt, pct),
    [
      `identity resolution, ${fmt(LINKS)} links`,
      `${identity.seconds.toFixed(1)} s`,
      `goal ≤ ${GOAL.identitySeconds} s; ${fmt(identity.linksPerSecond)} links/s, ${fmt(identity.profiles)} profiles`,
      pct(identity.seconds / GOAL.identitySeconds),
    ],
    [
      '  raw insert of the same identifier and profile rows',
      `${identity.raw.seconds.toFixed(1)} s`,
      `storage floor, ${fmt(identity.raw.rows)} rows`,
      `resolver = ${(identity.seconds / identity.raw.seconds).toFixed(1)}× floor`,
    ],
    [
      `experiment results, ${fmt(EXPOSURES)} exposures`,
      `${experiments.seconds.toFixed(2)} s`,
      `goal ≤ ${GOAL.experimentSeconds} s; best of 3, each after ${fmt(FRESH)} fresh events`,
      pct(experiments.seconds / GOAL.experimentSeconds),
    ],
    [
      '  people, counters and values derived (rebuild, backfill)',
      `${experiments.derivedSeconds.toFixed(1)} s`,
      `once; ${fmt(experiments.people)} people, data built in ${experiments.buildSeconds.toFixed(0)} s`,
      '',
    ],
    [
      `  experiment sync of ${fmt(SYNC_EVENTS)} new events`,
      `${fmt(experiments.syncEventsPerSecond)} ev/s`,
      `after identity resolution (${experiments.resolutionSeconds.toFixed(1)} s for them)`,
      '',
    ],
    [
      'profile look-up by anonymousId',
      `p99 ${identity.p99.toFixed(3)} ms`,
      `goal p99 ≤ ${GOAL.lookupP99} ms; p50 ${identity.p50.toFixed(3)} ms`,
      pct(identity.p99 / GOAL.lookupP99),
    ],
    ...reportRows(reports, fmt),
    ...reportRows(pgReports, fmt),
  ]
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 8))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  console.log(`\n${line(['measure', 'value', 'limit / reference', 'ratio'])}`)
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))

  const problems = [
    gzip > BUDGET.sdk && `bundle is over budget: ${gzip} B > ${BUDGET.sdk} B`,
    consent > BUDGET.consent && `consent is over its target: ${consent} B > ${BUDGET.consent} B`,
    tracker > BUDGET.tracker && `the tracker is over its target: ${tracker} B > ${BUDGET.tracker} B`,
    wire.beforeChoice.wire > BUDGET.wireBeforeChoice &&
      `the tag before the choice is over budget on the wire: ${wire.beforeChoice.wire} B > ${BUDGET.wireBeforeChoice} B`,
    wire.afterAccept.wire > BUDGET.wireAfterAccept &&
      `the tag after Accept all is over budget on the wire: ${wire.afterAccept.wire} B > ${BUDGET.wireAfterAccept} B`,
    collector.failed > 0 && `${collector.failed} collector requests failed`,
    identity.p99 > GOAL.lookupP99 && `profile look-up p99 ${identity.p99} ms > ${GOAL.lookupP99} ms`,
    experiments.seconds > GOAL.experimentSeconds &&
      `experiment results took ${experiments.seconds.toFixed(2)} s > ${GOAL.experimentSeconds} s`,
    Math.max(segments.evaluateP95, segments.updateP95) > GOAL.decisionP95 &&
      `segment decisions p95 over ${GOAL.decisionP95} ms`,
    ...postgresProblems(pg),
    paint.plan.shown < GOAL.slotsShown &&
      `slots with the plan: ${(paint.plan.shown * 100).toFixed(1)} % shown < ${pct(GOAL.slotsShown)}`,
    paint.plan.waitP95 > GOAL.slotWaitP95 &&
      `slot decisions with the plan: p95 ${fmt(paint.plan.waitP95)} ms > ${GOAL.slotWaitP95} ms`,
    paint.plan.changedAfterPaint + paint.beforePlan.changedAfterPaint > 0 &&
      `${paint.plan.changedAfterPaint + paint.beforePlan.changedAfterPaint} page views changed a slot after its paint`,
    stored < collector.ok * BATCH_SIZE &&
      `only ${stored} of ${collector.ok * BATCH_SIZE} acknowledged events stored`,
  ].filter(Boolean)
  console.log(
    `\nstored events: ${fmt(stored)} (acknowledged in the measured phase: ${fmt(collector.ok * BATCH_SIZE)}, plus warm-up)`,
  )
  for (const p of problems) console.log(`PROBLEM: ${p}`)
  process.exitCode = problems.length > 0 ? 1 : 0
  // The databases measured here are hundreds of MB: nothing of them is kept.
  rmSync(dir, { recursive: true, force: true })
}

await main()
