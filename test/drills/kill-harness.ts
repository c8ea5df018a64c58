// The kill drill's moving parts: the real collector process on a fixed port that can be SIGKILLed
// and started again on the same database, and senders that retry a batch as the SDK's outbox does.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { probePostgres } from '../../collector/store/postgres/schema.ts'
import { ADMIN_TOKEN, ROOT, TEST_MASTER_KEY } from '../support/collector-process.ts'
import { TEST_LEDGER_KEY_BASE64 } from '../support/ledger-keys.ts'

export const PG_URL = process.env.PRECIS_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test'

/** Why PostgreSQL cannot be used, or undefined when it can. */
export const pgProbe = () => probePostgres(PG_URL)

/** A port free right now: every restart must come back on the same one, as a supervisor's would. */
export const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The collector under a supervisor that restarts it at once after each kill. */
export const supervisedCollector = (env: Record<string, string>, port: number) => {
  let child: ChildProcess | undefined
  // The last output of the current process, for the failure message when it will not start.
  let output = ''
  const start = () =>
    new Promise<void>((done, fail) => {
      output = ''
      const proc = spawn(process.execPath, ['--import', 'tsx', 'collector/node.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          PRECIS_MASTER_KEY: TEST_MASTER_KEY,
          PRECIS_LEDGER_KEY: TEST_LEDGER_KEY_BASE64,
          ...env,
          PORT: String(port),
          PRECIS_ADMIN_TOKEN: ADMIN_TOKEN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child = proc
      let up = false
      const onData = (chunk: Buffer) => {
        // Keep reading (a full pipe would stall the collector) but keep only the tail.
        output = (output + chunk.toString()).slice(-4000)
        if (!up && output.includes('listening on')) {
          up = true
          done()
        }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code, signal) => {
        if (!up) fail(new Error(`collector exited (${code ?? signal}) before listening:\n${output}`))
      })
    })
  const exited = (proc: ChildProcess) =>
    new Promise<void>((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done()
      proc.once('exit', () => done())
    })
  return {
    start,
    pid: () => child?.pid,
    /** SIGKILL: no graceful stop, no pending write committed, nothing flushed by the process. */
    async kill() {
      const proc = child!
      proc.kill('SIGKILL')
      await exited(proc)
    },
    async stop() {
      const proc = child
      if (!proc) return
      proc.kill('SIGTERM')
      // A graceful stop that hangs is cut short, without the timer keeping this process alive.
      const hung = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await exited(proc)
      clearTimeout(hung)
    },
  }
}

export interface SendStats {
  /** Requests beyond the first for a send: connection errors, 5xx, timeouts. */
  retries: number
  /** Why requests were retried, by kind, for the report. */
  errors: Map<string, number>
  /** Answers that are neither 2xx nor retryable: the drill fails on any. */
  refused: string[]
  /** Events the collector reported as duplicates on the deliberate re-sends. */
  reportedDuplicates: number
}

export const newStats = (): SendStats => ({
  retries: 0,
  errors: new Map(),
  refused: [],
  reportedDuplicates: 0,
})

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)

/**
 * Posts one body until a 2xx, as the SDK's outbox does: a connection error, a timeout or a 5xx
 * (and a 429) means the same body again after a short, growing, jittered backoff; any other answer
 * is final. Resolves to the 2xx's JSON, or undefined when refused.
 */
export const sendUntilAcknowledged = async (
  url: string,
  body: string,
  stats: SendStats,
  /** Aborted when the drill gives up (its deadline, a restart that failed): stop retrying. */
  signal: AbortSignal,
): Promise<{ inserted: number; duplicates: number } | undefined> => {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      stats.retries++
      await sleep(Math.min(500, 25 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()))
    }
    signal.throwIfAborted()
    let status: number
    let text: string
    try {
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
      })
      status = res.status
      text = await res.text()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code
      bump(stats.errors, cause ?? (err as Error).name ?? 'error')
      continue
    }
    if (status >= 200 && status < 300) return JSON.parse(text)
    if (status >= 500 || status === 429) {
      bump(stats.errors, String(status))
      continue
    }
    stats.refused.push(`${status} ${text.slice(0, 200)}`)
    return undefined
  }
}
