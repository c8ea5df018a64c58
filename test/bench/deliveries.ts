// Destinations in `npm run bench`: what one webhook destination costs ingest (the collector with
// it beside the same collector without, alternated twice, each on a fresh SQLite file, the
// receiver in a process of its own answering at once), and deliveries per second to such a
// receiver, one event a request and 100, from a store holding them queued.
import { type ChildProcess, fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { parseConfig } from '../../collector/config/site-config.ts'
import { httpSend } from '../../collector/destinations/send.ts'
import { createDeliveryWorker, deliverySites } from '../../collector/destinations/worker.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import type { StoredEvent } from '../../collector/store/types.ts'
import { CONNECTIONS, load, SECONDS, startServer, stop } from './server-load.ts'

/** The limit: ingest falls by at most 15 % with one destination attached. */
export const DELIVERY_COST_LIMIT = 0.85
const SECRET = `whsec_${Buffer.alloc(24, 3).toString('base64')}`
const QUEUED = Number(process.env.BENCH_DELIVERIES ?? 20_000)

/** A receiver in its own process: 204 at once, counting what it got. */
const startReceiver = () =>
  new Promise<{ url: string; child: ChildProcess; received: () => Promise<number> }>((done) => {
    const child = fork(join(import.meta.dirname, 'receiver-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    let waiting: ((n: number) => void) | undefined
    child.on('message', (msg: { port?: number; received?: number }) => {
      if (msg.port)
        done({
          url: `http://127.0.0.1:${msg.port}`,
          child,
          received: () =>
            new Promise((resolve) => {
              waiting = resolve
              child.send('count')
            }),
        })
      if (msg.received !== undefined) waiting?.(msg.received)
    })
  })

const site = (receiver: string, attached: boolean, batch = 1) => ({
  id: 'bench',
  writeKey: 'bench-write-key-0001',
  destinations: attached
    ? [{ key: 'hook', kind: 'webhook', url: `${receiver}/hook`, secret: SECRET, batch, concurrency: 4 }]
    : [],
})

/**
 * Each side's collector: without a destination; with one whose deliveries wait (the worker looks
 * only after the phase: what enqueuing in the insert costs); with one delivered meanwhile, 100
 * events a request (enqueuing and delivering on the same 2 cores).
 */
const SIDES = {
  none: { attached: false, pollMs: 250 },
  enqueued: { attached: true, pollMs: 60_000 },
  delivering: { attached: true, pollMs: 250 },
} as const

export const measureDeliveryCost = async (dir: string) => {
  const receiver = await startReceiver()
  const perSecond = { none: 0, enqueued: 0, delivering: 0 }
  const queued = { enqueued: 0, delivering: 0 }
  let delivered = 0
  try {
    for (let round = 0; round < 2; round++)
      for (const side of ['none', 'enqueued', 'delivering'] as const) {
        const config = join(dir, `deliveries-${side}-${round}.json`)
        writeFileSync(config, JSON.stringify({ sites: [site(receiver.url, SIDES[side].attached, 100)] }))
        const dbPath = join(dir, `deliveries-${side}-${round}.db`)
        const { url, child } = await startServer(['collector/node.ts'], {
          PRECIS_CONFIG: config,
          DATABASE_URL: `sqlite:${dbPath}`,
          PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true',
          PRECIS_DELIVERY_POLL_MS: String(SIDES[side].pollMs),
        })
        try {
          await load(url, 2, CONNECTIONS, true)
          perSecond[side] += (await load(url, SECONDS, CONNECTIONS, true)).eventsPerSecond / 2
        } finally {
          await stop(child)
        }
        if (side !== 'none') {
          const db = new Database(dbPath, { readonly: true })
          const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
          queued[side] +=
            count('SELECT count(*) AS n FROM delivery_outbox') + count('SELECT count(*) AS n FROM deliveries')
          if (side === 'delivering')
            delivered += count("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'")
          db.close()
        }
      }
    // The bench would compare nothing if a side with a destination queued or delivered nothing.
    if (queued.enqueued === 0 || delivered === 0)
      throw new Error(`the destination got nothing while ingesting: ${JSON.stringify({ queued, delivered })}`)
    return {
      ...perSecond,
      enqueuedRatio: perSecond.enqueued / perSecond.none,
      deliveringRatio: perSecond.delivering / perSecond.none,
      queued: queued.enqueued,
      delivered,
    }
  } finally {
    await stop(receiver.child)
  }
}

/** Deliveries a second from a store holding QUEUED events, with `batch` events a request. */
const deliveryRate = async (dir: string, receiverUrl: string, batch: number) => {
  const store = openSqliteStore(join(dir, `deliveries-rate-${batch}.db`))
  try {
    const config = parseConfig({ sites: [site(receiverUrl, true, batch)] })
    await store.setDeliverySites(deliverySites(config, () => 0))
    const consent = JSON.stringify({ context: { consent: { categoryPreferences: { analytics: true } } } })
    for (let i = 0; i < QUEUED; i += 1000)
      await store.insertEvents(
        Array.from(
          { length: 1000 },
          (_, k): StoredEvent => ({
            site: 'bench',
            messageId: `d${i + k}`,
            type: 'track',
            name: 'Benched',
            userId: null,
            anonymousId: `a${(i + k) % 500}`,
            timestamp: 1_800_000_000_000 + i + k,
            receivedAt: 1_800_000_000_000 + i + k,
            payload: consent,
          }),
        ),
      )
    const worker = createDeliveryWorker({
      store,
      sites: () => config,
      versionOf: () => 0,
      send: httpSend({ allowPrivate: true }),
      now: Date.now,
      random: Math.random,
      log: () => {},
    })
    const started = performance.now()
    await worker.drain()
    const seconds = (performance.now() - started) / 1000
    const [counts] = await store.deliveryCounts('bench')
    if (counts?.delivered !== QUEUED) throw new Error(`delivered ${JSON.stringify(counts)} of ${QUEUED}`)
    return QUEUED / seconds
  } finally {
    await store.close()
  }
}

export const measureDeliveryRates = async (dir: string) => {
  const receiver = await startReceiver()
  try {
    const single = await deliveryRate(dir, receiver.url, 1)
    const batched = await deliveryRate(dir, receiver.url, 100)
    return { single, batched, received: await receiver.received() }
  } finally {
    await stop(receiver.child)
  }
}
