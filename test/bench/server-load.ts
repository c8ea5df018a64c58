// Collector processes and the load generator the bench drives them with.
import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import autocannon from 'autocannon'
import { BATCH_SIZE, batchBodies } from './payload.ts'

const ROOT = resolve(import.meta.dirname, '../..')
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
export const CONNECTIONS = 32

export const startServer = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ url: string; child: ChildProcess }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /listening on (http:\/\/localhost:\d+)/.exec(out)
      if (match) done({ url: match[1]!, child })
    })
    child.once('exit', (code) => fail(new Error(`${args.join(' ')} exited with ${code}`)))
  })

export const stop = (child: ChildProcess) =>
  new Promise<void>((done) => {
    child.removeAllListeners('exit')
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })

let runs = 0
export const load = async (url: string, seconds: number, connections = CONNECTIONS, visitors = false) => {
  const nextBody = batchBodies(`run${++runs}`, { visitors })
  const result = await autocannon({
    url,
    connections,
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
  const ok = result['2xx']
  return {
    requestsPerSecond: ok / seconds,
    eventsPerSecond: (ok * BATCH_SIZE) / seconds,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    p99: result.latency.p99,
  }
}
