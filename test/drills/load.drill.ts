// Load: sustained ingest at a fixed rate against the real collector process (SQLite), with its
// resident memory sampled every second. Latency stays bounded, nothing fails, every acknowledged
// event is stored, and memory levels off instead of climbing with the events served.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { BATCH_SIZE, BENCH_WRITE_KEY, batchBodies } from '../bench/payload.ts'
import { startServer, stop } from '../bench/server-load.ts'
import type { Drill, DrillMode } from './drill.ts'

/** Requests a second (50 events each), and seconds; DRILL_RATE and DRILL_SECONDS override. */
const PLAN: Record<DrillMode, { rate: number; seconds: number }> = {
  short: { rate: 100, seconds: 12 },
  full: { rate: 300, seconds: 180 },
}

/** Enough connections that the rate, not their round trips, sets the pace. */
const CONNECTIONS = 32

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

export const drill: Drill = {
  name: 'load',
  summary: 'sustained ingest at a fixed rate; p50/p99, errors, RSS over time (must level off)',
  async run(mode) {
    const rate = Number(process.env.DRILL_RATE ?? PLAN[mode].rate)
    const seconds = Number(process.env.DRILL_SECONDS ?? PLAN[mode].seconds)
    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-load-'))
    const config = join(dir, 'precis.config.json')
    writeFileSync(config, JSON.stringify({ sites: [{ id: 'bench', writeKey: BENCH_WRITE_KEY }] }))
    const dbPath = join(dir, 'precis.db')
    const { url, child } = await startServer(['collector/node.ts'], {
      PRECIS_CONFIG: config,
      DATABASE_URL: `sqlite:${dbPath}`,
    })
    const samples: number[] = []
    const sampler = setInterval(() => samples.push(rssMb(child.pid!)), 1000)
    const nextBody = batchBodies(`load-${Date.now()}`)
    let result: autocannon.Result
    try {
      result = await autocannon({
        url,
        connections: CONNECTIONS,
        overallRate: rate,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/v1/batch',
            headers: { 'content-type': 'text/plain' },
            setupRequest: (req) => ({ ...req, body: nextBody() }),
          },
        ],
      })
    } finally {
      clearInterval(sampler)
      await stop(child)
    }
    const db = new Database(dbPath, { readonly: true })
    const { stored, distinct } = db
      .prepare('SELECT count(*) AS stored, count(DISTINCT message_id) AS "distinct" FROM events')
      .get() as { stored: number; distinct: number }
    db.close()

    const ok = result['2xx']
    const failed = result.non2xx + result.errors + result.timeouts
    // Memory levels off: the last third of the run holds no more than the middle third plus 15 %
    // (and 20 MB of slack for a short run's noise).
    const third = Math.floor(samples.length / 3)
    const middle = mean(samples.slice(third, 2 * third))
    const last = mean(samples.slice(2 * third))
    const failures = [
      failed > 0 &&
        `${failed} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
      // Requests still in flight when the run ends are stored but not counted as acknowledged.
      (stored < ok * BATCH_SIZE || stored > (ok + CONNECTIONS) * BATCH_SIZE) &&
        `stored ${stored} events for ${ok * BATCH_SIZE} acknowledged`,
      distinct !== stored && `${stored - distinct} events stored twice`,
      last > middle * 1.15 + 20 && `RSS still climbing: ${middle.toFixed(0)} MB → ${last.toFixed(0)} MB`,
      // Only in full: the short run shares the test command's machine with other work.
      mode === 'full' &&
        ok < rate * seconds * 0.9 &&
        `served ${ok} requests of the ${rate * seconds} planned: the collector fell behind`,
    ].filter((f): f is string => typeof f === 'string')
    return {
      name: 'load',
      figures: {
        'events/s': Math.round((ok * BATCH_SIZE) / seconds),
        seconds,
        'events stored': stored,
        p50: `${result.latency.p50} ms`,
        p99: `${result.latency.p99} ms`,
        'error rate': `${((failed / Math.max(1, ok + failed)) * 100).toFixed(2)} %`,
        RSS: `${samples[0]?.toFixed(0)} → ${Math.max(...samples).toFixed(0)} peak → ${samples.at(-1)?.toFixed(0)} MB`,
      },
      failures,
    }
  },
}
