// The browser chaos drill's way into the network: a proxy in front of the collector, as a load
// balancer would be, that can answer batches with faults, lose answers after the collector has
// stored the batch, or reset connections. Pages, the SDK and its config always pass through,
// waiting out a collector restart, so a tab can be reloaded while the collector is down.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * What a batch meets: `none` passes; `http500`, `http503`, `http429` are answered by the proxy
 * (the last two with Retry-After: 1); `lost` reaches the collector, which stores it, but its
 * answer is cut off; `reset` closes the connection before the collector sees anything.
 */
export type Fault = 'none' | 'http500' | 'http503' | 'http429' | 'lost' | 'reset'

export interface ChaosProxy {
  origin: string
  /** The fault batches meet from now on, each with probability `share` (the rest pass). */
  fault(kind: Fault, share?: number): void
  /** Batch requests by outcome: `stored` (2xx passed back), a fault's name, `down` (502, collector unreachable). */
  outcomes: Map<string, number>
  /** Events the collector reported as duplicates: sends repeated after a lost answer or a closed tab. */
  duplicates: number
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((done, fail) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => done(Buffer.concat(chunks)))
    req.on('error', fail)
  })

/** A proxy to the collector on `port` (fixed: a restarted collector comes back on it). */
export const startChaosProxy = async (port: number, random: () => number): Promise<ChaosProxy> => {
  let kind: Fault = 'none'
  let share = 1
  const outcomes = new Map<string, number>()
  const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1)
  const agent = new Agent({ keepAlive: true })

  /** One attempt at the collector: its status, headers and body, or the connection error. */
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((done, fail) => {
      const out = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent },
        (res) => {
          readBody(res).then(
            (b) => done({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
            fail,
          )
        },
      )
      out.on('error', fail)
      out.end(body)
    })

  const answer = (
    res: ServerResponse,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify({ error: { code, message: `chaos proxy: ${code}` } }))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req)
    const isBatch = req.method === 'POST' && (req.url ?? '').startsWith('/v1/batch')
    if (!isBatch) {
      // Everything else waits for the collector to be back (up to 30 s), then passes.
      for (let tries = 0; ; tries++) {
        try {
          const got = await forward(req, body)
          res.writeHead(got.status, got.headers)
          return res.end(got.body)
        } catch (err) {
          if (tries >= 300) return answer(res, 502, 'collector_down')
          if (req.method !== 'GET' && req.method !== 'HEAD' && !/ECONNREFUSED/.test(String(err)))
            return answer(res, 502, 'collector_down') // it may have been applied: the caller decides
          await sleep(100)
        }
      }
    }
    const fault = kind !== 'none' && random() < share ? kind : 'none'
    if (fault === 'reset') {
      count(fault)
      return req.socket.destroy()
    }
    if (fault === 'http500' || fault === 'http503' || fault === 'http429') {
      count(fault)
      const status = Number(fault.slice(4))
      return answer(res, status, fault, status === 500 ? {} : { 'retry-after': '1' })
    }
    let got: Awaited<ReturnType<typeof forward>>
    try {
      got = await forward(req, body)
    } catch {
      count('down')
      return answer(res, 502, 'collector_down')
    }
    if (got.status >= 200 && got.status < 300) {
      proxy.duplicates += (JSON.parse(got.body.toString()) as { duplicates?: number }).duplicates ?? 0
      if (fault === 'lost') {
        count(fault)
        return req.socket.destroy()
      }
      count('stored')
    } else count(String(got.status))
    res.writeHead(got.status, got.headers)
    res.end(got.body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const proxy: ChaosProxy = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault(k, s = 1) {
      kind = k
      share = s
    },
    outcomes,
    duplicates: 0,
    stop: () =>
      new Promise((done) => {
        server.close(() => done())
        server.closeAllConnections()
        agent.destroy()
      }),
  }
  return proxy
}
