// The resolver on a worker thread with its own connection, so resolving never competes with
// request handling on the main thread. Started by resolverThread() below.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { configure } from '../store/sqlite-writer.mjs'
import { createResolver, identitySql, resolvePending } from './sqlite-resolver.ts'
import type { SiteRules } from './types.ts'

interface Job {
  id: number
  settings: SiteRules
  now: number
}
type Answer = { id: number; processed: number } | { id: number; error: string }

if (!isMainThread && workerData?.precisResolver && parentPort) {
  const port = parentPort
  const db = new Database(workerData.path as string)
  configure(db)
  // Derived rows, replayable from the events: no fsync needed (see sqliteIdentity).
  db.pragma('synchronous = NORMAL')
  const sql = identitySql(db)
  const resolver = createResolver(sql, () => crypto.randomUUID())
  port.on('message', (job: Job | 'close') => {
    if (job === 'close') {
      db.close()
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

/**
 * Resolution on a worker thread: the same work as resolvePending, off the main thread. If the
 * thread cannot run (no TypeScript loader, a crash), `fallback` resolves on this thread instead.
 */
export const resolverThread = (
  path: string,
  fallback: (settings: SiteRules, now: number) => Promise<number>,
) => {
  const worker = new Worker(new URL('./resolver-thread.mjs', import.meta.url), {
    workerData: { precisResolver: true, path },
  })
  worker.unref()
  let dead = false
  const waiting = new Map<number, { resolve(n: number): void; reject(e: Error): void }>()
  let next = 0
  worker.on('message', (answer: Answer) => {
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
