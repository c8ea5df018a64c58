// The resolver on a worker thread with its own connection, so resolving never competes with
// request handling on the main thread. Started by resolverThread() below.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { ResolverCacheStats } from '../../identity/shared-resolver.ts'
import type { SiteRules } from '../../identity/types.ts'
import { createResolver, DEFAULT_CACHE_BYTES, identitySql, resolvePending } from './resolver.ts'
import { configure } from './writer.mjs'

interface Job {
  id: number
  settings: SiteRules
  now: number
}
type Answer = { id: number; processed: number } | { id: number; error: string }
/** The thread's last word before it closes. */
interface Closing {
  closing: ResolverCacheStats
}

if (!isMainThread && workerData?.precisResolver && parentPort) {
  const port = parentPort
  const db = new Database(workerData.path as string)
  configure(db)
  // Derived rows, replayable from the events: no fsync needed (see sqliteIdentity).
  db.pragma('synchronous = NORMAL')
  const sql = identitySql(db)
  const resolver = createResolver(sql, () => crypto.randomUUID(), workerData.cacheBytes as number | undefined)
  port.on('message', (job: Job | 'close') => {
    if (job === 'close') {
      db.close()
      port.postMessage({ closing: resolver.cache() } satisfies Closing)
      port.close()
      return
    }
    let answer: Answer
    try {
      answer = { id: job.id, processed: resolvePending(db, sql, resolver, job.settings, job.now) }
    } catch (err) {
      answer = { id: job.id, error: String((err as Error).message ?? err) }
    }
    port.postMessage(answer)
  })
}

export interface ResolverThreadOptions {
  /** The resolver's cache budget (sqlite/resolver.ts). */
  cacheBytes?: number | undefined
  /** Told, when the thread closes, how full its cache got: what PRECIS_RESOLVER_CACHE_MB needs. */
  log?: ((line: string) => void) | undefined
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

/**
 * The thread's heap limit, from its cache budget. Without one V8 lets a busy thread's heap grow to
 * about four times what it holds before collecting (300 MB for a 64 MB cache); near a limit it
 * collects sooner. Room for the cache twice over (its estimate is within 35 %), plus the code and
 * one transaction's rows. Past it the thread dies and resolution falls back to the main thread.
 */
export const heapLimitMb = (cacheBytes: number) => Math.ceil((2 * cacheBytes) / 2 ** 20) + 96

/**
 * Resolution on a worker thread: the same work as resolvePending, off the main thread. If the
 * thread cannot run (no TypeScript loader, a crash), `fallback` resolves on this thread instead.
 */
export const resolverThread = (
  path: string,
  fallback: (settings: SiteRules, now: number) => Promise<number>,
  { cacheBytes, log }: ResolverThreadOptions = {},
) => {
  const worker = new Worker(new URL('./resolver-thread.mjs', import.meta.url), {
    workerData: { precisResolver: true, path, cacheBytes },
    resourceLimits: { maxOldGenerationSizeMb: heapLimitMb(cacheBytes ?? DEFAULT_CACHE_BYTES) },
  })
  worker.unref()
  let dead = false
  const waiting = new Map<number, { resolve(n: number): void; reject(e: Error): void }>()
  let next = 0
  worker.on('message', (answer: Answer | Closing) => {
    if ('closing' in answer) {
      const { peak, budget, evictions } = answer.closing
      log?.(
        `resolver cache: peak ${peak} of ${budget} bytes (${mb(peak)} of ${mb(budget)} MB), ${evictions} evictions`,
      )
      return
    }
    const job = waiting.get(answer.id)
    waiting.delete(answer.id)
    if (waiting.size === 0) worker.unref()
    if (!job) return
    if ('error' in answer) job.reject(new Error(answer.error))
    else job.resolve(answer.processed)
  })
  const die = (err: Error) => {
    dead = true
    for (const job of waiting.values()) job.reject(err)
    waiting.clear()
  }
  worker.on('error', die)
  worker.on('exit', () => die(new Error('the resolver thread exited')))
  return {
    resolve: (settings: SiteRules, now: number): Promise<number> =>
      dead
        ? fallback(settings, now)
        : new Promise<number>((resolve, reject) => {
            const id = ++next
            if (waiting.size === 0) worker.ref()
            waiting.set(id, { resolve, reject })
            worker.postMessage({ id, settings, now } satisfies Job)
          }),
    close: () =>
      new Promise<void>((resolve) => {
        if (dead) return resolve()
        worker.ref()
        worker.once('exit', () => resolve())
        worker.postMessage('close')
      }),
  }
}
