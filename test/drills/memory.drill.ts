// Memory: many distinct people, each with an email, ingested at a steady pace by several senders
// into the real collector process (SQLite), until every event is stored and resolved into
// profiles. The process's resident memory is sampled throughout (all its threads) and /healthz is
// timed from a thread of its own, so the drill's own work never shows up as collector latency.
// Memory must stay under a bound however many people arrive: the resolver's caches are held to a
// byte budget (PRECIS_RESOLVER_CACHE_MB), which the resolver thread reports when it stops.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { startServer, stop } from '../bench/server-load.ts'
import { TEST_MASTER_KEY } from '../support/collector-process.ts'
import { TEST_LEDGER_KEY_BASE64 } from '../support/ledger-keys.ts'
import type { Drill, DrillMode } from './drill.ts'

interface Plan {
  people: number
  /** Events a second the senders aim for, together. */
  rate: number
  /** PRECIS_RESOLVER_CACHE_MB; undefined: the collector's default. */
  cacheMb?: number
  /**
   * Most seconds to wait, after the last batch, for every event to be resolved: generous, as a
   * stuck resolver is what it catches, not a slow one (the short run shares a busy machine).
   */
  drainSeconds: number
}

/**
 * DRILL_PEOPLE, DRILL_RATE and DRILL_CACHE_MB override. The pace is steady, about two thirds of
 * what one collector ingests on two cores (identify events make a data key each), so latency
 * measures the collector at work rather than a queue of batches it cannot keep up with.
 */
const PLAN: Record<DrillMode, Plan> = {
  // A budget far below what 20,000 people need, so eviction runs all the time.
  short: { people: 20_000, rate: 2_500, cacheMb: 2, drainSeconds: 200 },
  full: { people: 1_000_000, rate: 2_500, drainSeconds: 900 },
}

/** What must hold in full; the short run asserts memory only (it shares a busy machine). */
const LIMITS = { rssMb: 512, healthzP99Ms: 100, shortRssMb: 400 }

const BATCH = 50
const SENDERS = 4
/** People between a person's identify and their track: their cache entries are gone by then. */
const LAG = 5_000
const SITE = 'memory'
const WRITE_KEY = 'memory-write-key-0001'
const GRANTED = '{"necessary":true,"analytics":true,"personalization":false,"marketing":false}'

/** The events in send order: person p's identify, then the track of person p - LAG. */
const eventsOf = function* (people: number, run: string): Generator<string> {
  const context = `"context":{"consent":{"categoryPreferences":${GRANTED}},"library":{"name":"precis","version":"0.1.0"}}`
  const ids = (p: number) => `"anonymousId":"anon-${run}-${p}","userId":"user-${run}-${p}"`
  const at = new Date().toISOString()
  const track = (p: number) =>
    `{"type":"track","event":"Product Viewed","messageId":"t-${run}-${p}",${ids(p)},"timestamp":"${at}","properties":{"sku":"sku-${p % 500}"},${context}}`
  for (let p = 0; p < people; p++) {
    yield `{"type":"identify","messageId":"i-${run}-${p}",${ids(p)},"timestamp":"${at}","traits":{"email":"person.${p}.${run}@example.com","plan":"free"},${context}}`
    if (p >= LAG) yield track(p - LAG)
  }
  for (let p = Math.max(0, people - LAG); p < people; p++) yield track(p)
}

const batchesOf = function* (people: number, run: string): Generator<string> {
  let batch: string[] = []
  for (const event of eventsOf(people, run)) {
    batch.push(event)
    if (batch.length === BATCH) {
      yield `{"writeKey":"${WRITE_KEY}","batch":[${batch.join(',')}]}`
      batch = []
    }
  }
  if (batch.length > 0) yield `{"writeKey":"${WRITE_KEY}","batch":[${batch.join(',')}]}`
}

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

// The prober runs on a thread of its own: one GET /healthz at a time, every few ms, each timed.
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads')
const times = []
let running = true
parentPort.on('message', () => { running = false })
;(async () => {
  while (running) {
    const t0 = performance.now()
    try {
      const res = await fetch(workerData.url + '/healthz')
      await res.text()
      times.push(res.ok ? performance.now() - t0 : -1)
    } catch { times.push(-1) }
    await new Promise((r) => setTimeout(r, workerData.gapMs))
  }
  parentPort.postMessage(times)
})()`

const probeHealthz = (url: string) => {
  const worker = new Worker(PROBER, { eval: true, workerData: { url, gapMs: 10 } })
  return {
    stop: () =>
      new Promise<number[]>((done, fail) => {
        worker.once('message', (times: number[]) => void worker.terminate().then(() => done(times)))
        worker.once('error', fail)
        worker.postMessage('stop')
      }),
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

/** Counts in the collector's database, read as its owner would (a second connection, WAL). */
const countsOf = (dbPath: string) => {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number | string | null }).n
    return {
      events: Number(one('SELECT count(*) AS n FROM events')),
      lastEvent: Number(one('SELECT max(id) AS n FROM events') ?? 0),
      watermark: Number(one("SELECT value AS n FROM meta WHERE key = 'identity_watermark'")),
      profiles: Number(one('SELECT count(*) AS n FROM profiles')),
      identifiers: Number(one('SELECT count(*) AS n FROM identifiers')),
    }
  } finally {
    db.close()
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The resolver thread's line at shutdown: its cache's peak and budget, in bytes. */
const CACHE_LINE = /resolver cache: peak (\d+) of (\d+) bytes/

export const drill: Drill = {
  name: 'memory',
  summary:
    'people with emails at a steady pace until all are stored and resolved; peak RSS, /healthz latency, the resolver cache within its budget',
  async run(mode) {
    const plan: Plan = {
      ...PLAN[mode],
      people: Number(process.env.DRILL_PEOPLE ?? PLAN[mode].people),
      rate: Number(process.env.DRILL_RATE ?? PLAN[mode].rate),
      cacheMb: process.env.DRILL_CACHE_MB ? Number(process.env.DRILL_CACHE_MB) : PLAN[mode].cacheMb,
    }
    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-memory-'))
    const config = join(dir, 'precis.config.json')
    writeFileSync(config, JSON.stringify({ sites: [{ id: SITE, writeKey: WRITE_KEY }] }))
    const dbPath = join(dir, 'precis.db')
    const { url, child } = await startServer(['collector/node.ts'], {
      PRECIS_CONFIG: config,
      DATABASE_URL: `sqlite:${dbPath}`,
      PRECIS_MASTER_KEY: TEST_MASTER_KEY,
      PRECIS_LEDGER_KEY: TEST_LEDGER_KEY_BASE64,
      ...(plan.cacheMb === undefined ? {} : { PRECIS_RESOLVER_CACHE_MB: String(plan.cacheMb) }),
    })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk
    })
    const failures: string[] = []
    const rss: number[] = []
    const sampler = setInterval(() => rss.push(rssMb(child.pid!)), 250)
    const prober = probeHealthz(url)
    const expected = plan.people * 2
    let healthz: number[] = []
    let sendSeconds = 0
    let resolvedSeconds = 0
    let counts: ReturnType<typeof countsOf> | undefined
    try {
      const started = performance.now()
      const batches = batchesOf(plan.people, Date.now().toString(36))
      const interval = (1000 * BATCH) / plan.rate
      let next = 0
      let accepted = 0
      let refused = 0
      const sender = async () => {
        for (let item = batches.next(); !item.done; item = batches.next()) {
          const b = next++
          const wait = started + b * interval - performance.now()
          if (wait > 0) await sleep(wait)
          const res = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: item.value,
          })
          const answer = (await res.json()) as { accepted?: number; rejected?: unknown[] }
          accepted += answer.accepted ?? 0
          if (res.status === 200 && (answer.rejected?.length ?? 0) === 0) continue
          // The first few say why; the count says how many.
          if (++refused <= 3)
            failures.push(`batch ${b}: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`)
        }
      }
      await Promise.all(Array.from({ length: SENDERS }, sender))
      sendSeconds = (performance.now() - started) / 1000
      if (accepted !== expected)
        failures.push(`${accepted} events accepted of ${expected} sent (${refused} batches refused)`)
      // Resolution runs behind ingest: wait until every acknowledged event is behind the watermark.
      const deadline = performance.now() + plan.drainSeconds * 1000
      for (;;) {
        counts = countsOf(dbPath)
        if (counts.events >= accepted && counts.watermark >= counts.lastEvent) break
        if (performance.now() > deadline) {
          failures.push(`not resolved ${plan.drainSeconds} s after the last batch`)
          break
        }
        await sleep(250)
      }
      resolvedSeconds = (performance.now() - started) / 1000
      counts = countsOf(dbPath)
    } finally {
      clearInterval(sampler)
      healthz = await prober.stop()
      await stop(child)
    }
    // Each person: one profile holding their user id, device and email; nothing lost or doubled.
    if (counts) {
      if (counts.events !== expected) failures.push(`stored ${counts.events} events of ${expected}`)
      if (counts.profiles !== plan.people)
        failures.push(`${counts.profiles} profiles for ${plan.people} people`)
      if (counts.identifiers !== plan.people * 3)
        failures.push(`${counts.identifiers} identifiers for ${plan.people * 3}`)
    }
    const cache = CACHE_LINE.exec(output)
    const [cachePeak, cacheBudget] = cache ? [Number(cache[1]), Number(cache[2])] : [Number.NaN, Number.NaN]
    if (!cache) failures.push('the resolver thread did not report its cache')
    else if (cachePeak > cacheBudget)
      failures.push(`resolver cache peaked at ${cachePeak} bytes, over its budget of ${cacheBudget}`)
    else if (plan.cacheMb !== undefined && cacheBudget !== plan.cacheMb * 2 ** 20)
      failures.push(`resolver cache budget ${cacheBudget} bytes, not the ${plan.cacheMb} MB asked for`)
    const errors = healthz.filter((t) => t < 0).length
    const times = healthz.filter((t) => t >= 0).sort((a, b) => a - b)
    const peak = Math.max(...rss)
    if (errors > 0) failures.push(`${errors} /healthz requests failed`)
    if (mode === 'full') {
      if (peak >= LIMITS.rssMb) failures.push(`peak RSS ${peak.toFixed(0)} MB, limit ${LIMITS.rssMb} MB`)
      const p99 = quantile(times, 0.99)
      if (p99 >= LIMITS.healthzP99Ms)
        failures.push(`/healthz p99 ${p99.toFixed(0)} ms, limit ${LIMITS.healthzP99Ms} ms`)
    } else if (peak >= LIMITS.shortRssMb)
      failures.push(`peak RSS ${peak.toFixed(0)} MB, limit ${LIMITS.shortRssMb} MB`)
    rmSync(dir, { recursive: true, force: true })
    const ms = (v: number) => `${v.toFixed(1)} ms`
    return {
      name: 'memory',
      failures,
      figures: {
        people: plan.people,
        events: counts?.events ?? 0,
        'events/s': Math.round(expected / Math.max(sendSeconds, 1e-3)),
        'resolved after': `${resolvedSeconds.toFixed(0)} s`,
        'peak RSS': `${peak.toFixed(0)} MB`,
        'resolver cache': cache
          ? `peak ${(cachePeak / 2 ** 20).toFixed(1)} of ${(cacheBudget / 2 ** 20).toFixed(0)} MB`
          : 'unreported',
        'healthz p50': ms(quantile(times, 0.5)),
        'healthz p99': ms(quantile(times, 0.99)),
        'healthz max': ms(times.at(-1) ?? 0),
      },
    }
  },
}
