// The fuzz drill's raw-HTTP half: bytes no HTTP client library would send (invalid UTF-8, bodies
// shorter or longer than announced, bodies trickled in or never finished) written on a socket to a
// real collector process, whose memory is sampled meanwhile.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { LIMITS } from '../../sdk/rules/event-schema.ts'
import { startServer, stop } from '../bench/server-load.ts'
import type { DrillMode } from './drill.ts'
import { UNLIMITED } from './fuzz-payloads.ts'

// The raw cases play a server (no Origin, events without a consent stamp): the site's server key.
const RAW_KEY = 'fuzz-server-key-0123456789abcdef'
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

export interface RawAnswer {
  /** Undefined when the server sent nothing before the socket closed or we gave up. */
  status: number | undefined
  code: string | undefined
}

interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string | number>
  /** Sent in this order, `gapMs` apart. */
  chunks: (string | Buffer)[]
  gapMs?: number
  /** Give up waiting for an answer after this long (the never-finished body). */
  waitMs?: number
  /** After the chunks, half-close the socket (the body ends early). */
  end?: boolean
  /**
   * Wait this long after the head before the body. The collector refuses an oversized
   * Content-Length from the head alone and closes; a client still writing then gets a reset that
   * can swallow the answer.
   */
  headFirstMs?: number
}

/** One request on a fresh socket, with Connection: close so the answer ends with the socket. */
export const rawRequest = (port: number, r: RawRequest) =>
  new Promise<RawAnswer>((done) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]
      done({
        status: status ? Number(status) : undefined,
        code: /"code":"([a-z_]+)"/.exec(received)?.[1],
      })
    }
    const timer = setTimeout(finish, r.waitMs ?? 20_000)
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
    })
    socket.on('close', finish)
    // The server may answer (413) and close while we still write: that is an answer, not a failure.
    socket.on('error', () => {})
    socket.on('connect', async () => {
      const head = Object.entries({ host: 'localhost', connection: 'close', ...r.headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')
      socket.write(`${r.method ?? 'POST'} ${r.path} HTTP/1.1\r\n${head}\r\n`)
      if (r.headFirstMs) await sleep(r.headFirstMs)
      for (const [i, chunk] of r.chunks.entries()) {
        if (i > 0 && r.gapMs) await sleep(r.gapMs)
        // Answered early (413): stop writing, as a client reading the answer would.
        if (settled || socket.destroyed || received !== '') return
        socket.write(chunk)
      }
      if (r.end) socket.end()
    })
  })

const event = (messageId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Raw Fuzz',
  anonymousId: 'raw-anon',
  messageId,
  ...extra,
})
const batchBody = (events: unknown[]) => JSON.stringify({ writeKey: RAW_KEY, batch: events })
const json = (body: string | Buffer) => ({
  'content-type': 'application/json',
  'content-length': Buffer.byteLength(body),
})
const split = (text: string, parts: number) => {
  const size = Math.ceil(text.length / parts)
  return Array.from({ length: parts }, (_, i) => text.slice(i * size, (i + 1) * size)).filter(Boolean)
}
/** Transfer-Encoding: chunked framing of one chunk. */
const chunked = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`

interface RawCase {
  name: string
  request: RawRequest
  /** Expected status; undefined accepts no answer at all (a body that never ended). */
  status?: number | 'none-or-4xx' | '200-or-4xx'
  code?: string
  /** The messageIds it must store when answered 200. */
  stores?: string[]
}

const PLAN: Record<DrillMode, { trickleMs: number; holdMs: number; idle: number; burst: number }> = {
  short: { trickleMs: 2_000, holdMs: 2_000, idle: 40, burst: 24 },
  full: { trickleMs: 6_000, holdMs: 8_000, idle: 200, burst: 300 },
}

/** A body 100 KB over the request limit. */
const big = 'x'.repeat(LIMITS.requestBytes + 100 * 1024)

const rawCases = (mode: DrillMode): RawCase[] => {
  const plan = PLAN[mode]
  const slow = batchBody([event('raw-slow-1'), event('raw-slow-2')])
  const bad = (bytes: number[]) => Buffer.from(bytes)
  const utf8Case = (name: string, id: string, bytes: number[]): RawCase => {
    const [before, after] = batchBody([event(id, { properties: { text: '@@' } })]).split('@@')
    const body = Buffer.concat([Buffer.from(before!), bad(bytes), Buffer.from(after!)])
    // Decoded with U+FFFD in place of the bad bytes: a 200 is fine, a refusal too, a 500 is not.
    return {
      name,
      request: { path: '/v1/batch', headers: json(body), chunks: [body] },
      status: '200-or-4xx',
      stores: [id],
    }
  }
  const partial = batchBody([event('raw-never')])
  return [
    utf8Case('invalid UTF-8 in a string', 'raw-utf8-1', [0xc3, 0x28, 0xff, 0xfe, 0x80]),
    utf8Case('overlong UTF-8 (C0 AF)', 'raw-utf8-2', [0xc0, 0xaf, 0xe0, 0x80, 0xaf]),
    utf8Case('UTF-8-encoded surrogate (ED A0 80)', 'raw-utf8-3', [0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]),
    {
      name: 'invalid UTF-8 outside strings',
      request: {
        path: '/v1/batch',
        headers: json(bad([0x7b, 0xff, 0xfe, 0x7d])),
        chunks: [bad([0x7b, 0xff, 0xfe, 0x7d])],
      },
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'invalid UTF-8 consent',
      request: {
        path: '/v1/consent',
        headers: json(bad([0xff, 0xff, 0xff])),
        chunks: [bad([0xff, 0xff, 0xff])],
      },
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'truncated JSON',
      request: { path: '/v1/batch', headers: json(slow.slice(0, 40)), chunks: [slow.slice(0, 40)] },
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'body shorter than its Content-Length',
      request: {
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(partial) + 500 },
        chunks: [partial],
        end: true,
        waitMs: 5_000,
      },
      status: 'none-or-4xx',
    },
    ...(
      [
        ['/v1/batch', 'application/x-www-form-urlencoded', `writeKey=${RAW_KEY}&batch=1`],
        ['/v1/track', 'multipart/form-data; boundary=zz', '--zz\r\n\r\n{}\r\n--zz--'],
        ['/v1/consent', 'text/xml', '<consent/>'],
        ['/v1/batch', 'application/json-patch+json', slow],
      ] as const
    ).map(
      ([path, type, body]): RawCase => ({
        name: `content type ${JSON.stringify(type)}`,
        request: {
          path,
          headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) },
          chunks: [body],
        },
        status: 415,
        code: 'unsupported_media_type',
      }),
    ),
    {
      name: 'oversized body with Content-Length',
      request: { path: '/v1/batch', headers: json(big), chunks: split(big, 10), headFirstMs: 200 },
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'oversized chunked body',
      request: {
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: [...split(big, 20).map(chunked), '0\r\n\r\n'],
        gapMs: 20,
      },
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'oversized chunked body that never ends',
      request: {
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: split(big, 20).map(chunked),
        gapMs: 20,
        waitMs: plan.holdMs + 5_000,
      },
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'oversized consent record',
      request: {
        path: '/v1/consent',
        headers: json(JSON.stringify({ writeKey: RAW_KEY, pad: 'p'.repeat(9000) })),
        chunks: [JSON.stringify({ writeKey: RAW_KEY, pad: 'p'.repeat(9000) })],
      },
      status: 413,
      code: 'payload_too_large',
    },
    (() => {
      const body = batchBody([
        event('raw-huge', { properties: { blob: 'é'.repeat(20_000) } }),
        event('raw-beside-huge'),
      ])
      return {
        name: 'event over 32 KB beside a valid one',
        request: { path: '/v1/batch', headers: json(body), chunks: [body] },
        status: 200,
        stores: ['raw-beside-huge'],
      }
    })(),
    {
      name: `body trickled over ${plan.trickleMs / 1000} s`,
      request: {
        path: '/v1/batch',
        headers: json(slow),
        chunks: split(slow, 20),
        gapMs: plan.trickleMs / 20,
      },
      status: 200,
      stores: ['raw-slow-1', 'raw-slow-2'],
    },
    {
      name: 'malformed HTTP request line',
      request: { method: 'P\u0000ST', path: '/v1/batch', chunks: [] },
      // Node's HTTP parser answers before the app: a bare 400 without our JSON body.
      status: 400,
    },
  ]
}

export interface RawResult {
  cases: number
  failures: string[]
  fiveHundreds: number
  codes: Record<string, number>
  rssMb: { start: number; peak: number; end: number }
  stored: number
  validSent: number
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

const statusOk = (want: RawCase['status'], got: number | undefined) => {
  if (want === undefined) return true
  if (want === 'none-or-4xx') return got === undefined || (got >= 400 && got < 500)
  if (want === '200-or-4xx') return got === 200 || (got !== undefined && got >= 400 && got < 500)
  return got === want
}

/** Every raw case against one collector process, then the idle and burst phases; then its health. */
export const runRaw = async (mode: DrillMode): Promise<RawResult> => {
  const plan = PLAN[mode]
  const dir = mkdtempSync(join(tmpdir(), 'precis-drill-fuzz-'))
  const config = join(dir, 'precis.config.json')
  writeFileSync(
    config,
    JSON.stringify({
      sites: [{ id: 'fuzz', writeKey: 'fuzz-write-key-0001', serverKey: RAW_KEY, rateLimit: UNLIMITED }],
    }),
  )
  const dbPath = join(dir, 'precis.db')
  const { url, child } = await startServer(['collector/node.ts'], {
    PRECIS_CONFIG: config,
    DATABASE_URL: `sqlite:${dbPath}`,
  })
  const port = Number(new URL(url).port)
  const pid = child.pid!
  const start = rssMb(pid)
  let peak = start
  const sampler = setInterval(() => {
    if (child.exitCode === null) peak = Math.max(peak, rssMb(pid))
  }, 100)
  const failures: string[] = []
  const codes: Record<string, number> = {}
  let fiveHundreds = 0
  const expected = new Set<string>()
  let cases = 0
  let end = 0
  let ids: string[] = []
  const record = (name: string, answer: RawAnswer) => {
    cases++
    if (answer.status !== undefined && answer.status >= 500) {
      fiveHundreds++
      failures.push(`raw "${name}": ${answer.status} ${answer.code ?? ''}`)
    }
    if (answer.code) codes[answer.code] = (codes[answer.code] ?? 0) + 1
  }
  const healthy = async (when: string) => {
    const answer = await rawRequest(port, { method: 'GET', path: '/healthz', chunks: [], waitMs: 5_000 })
    if (answer.status !== 200) failures.push(`GET /healthz ${when}: ${answer.status ?? 'no answer'}`)
  }

  try {
    for (const c of rawCases(mode)) {
      const answer = await rawRequest(port, c.request)
      record(c.name, answer)
      if (!statusOk(c.status, answer.status)) {
        failures.push(
          `raw "${c.name}": expected ${c.status}, got ${answer.status ?? 'no answer'} ${answer.code ?? ''}`,
        )
      }
      if (c.code && answer.code !== c.code)
        failures.push(`raw "${c.name}": expected ${c.code}, got ${answer.code}`)
      if (answer.status === 200) for (const id of c.stores ?? []) expected.add(id)
    }

    // Bodies that never finish: held open all at once while the server keeps answering others.
    const partial = batchBody([event('raw-idle')])
    const idle = Array.from({ length: plan.idle }, (_, i) =>
      rawRequest(port, {
        path: i % 2 ? '/v1/batch' : '/v1/consent',
        headers: { 'content-type': 'application/json', 'content-length': partial.length + 10_000 },
        chunks: [partial],
        waitMs: plan.holdMs,
      }),
    )
    await sleep(Math.min(1_000, plan.holdMs / 2))
    await healthy(`with ${plan.idle} unfinished bodies open`)
    for (const answer of await Promise.all(idle)) {
      record('unfinished body', answer)
      if (!statusOk('none-or-4xx', answer.status)) failures.push(`unfinished body answered ${answer.status}`)
    }

    // A burst of the largest bodies, 8 at a time: oversized, just-under-the-limit batches, and
    // deeply nested ones. Memory must not grow with them.
    const nearLimit = batchBody(
      Array.from({ length: 14 }, (_, i) =>
        event(`raw-burst-@-${i}`, { properties: { blob: 'b'.repeat(30_000) } }),
      ),
    )
    const deep = batchBody([event('raw-deep', { properties: { d: '@@' } })]).replace(
      '"@@"',
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    )
    for (let i = 0; i < plan.burst; i += 8) {
      const round = Array.from({ length: Math.min(8, plan.burst - i) }, (_, j) => {
        const n = i + j
        const body = [big, nearLimit.replaceAll('raw-burst-@', `raw-burst-${n}`), deep][n % 3]!
        const request = {
          path: '/v1/batch',
          headers: json(body),
          chunks: [body],
          headFirstMs: n % 3 ? 0 : 200,
        }
        return rawRequest(port, request).then((answer) => {
          record('burst', answer)
          const want = [413, 200, 400][n % 3]
          if (answer.status !== want)
            failures.push(`burst body ${n % 3}: expected ${want}, got ${answer.status}`)
          if (answer.status === 200) for (let k = 0; k < 14; k++) expected.add(`raw-burst-${n}-${k}`)
        })
      })
      await Promise.all(round)
    }
    await healthy('after the burst')
    if (child.exitCode !== null) failures.push(`the collector exited with ${child.exitCode}`)
  } finally {
    clearInterval(sampler)
    end = child.exitCode === null ? rssMb(pid) : 0
    await stop(child)
    const db = new Database(dbPath, { readonly: true })
    ids = (
      db.prepare("SELECT message_id AS id FROM events WHERE site = 'fuzz'").all() as { id: string }[]
    ).map((r) => r.id)
    db.close()
  }
  const stored = new Set(ids)
  const unexpected = ids.filter((id) => !expected.has(id))
  const missing = [...expected].filter((id) => !stored.has(id))
  if (unexpected.length > 0)
    failures.push(`raw: stored events nobody should have: ${unexpected.slice(0, 5).join(', ')}`)
  if (missing.length > 0) failures.push(`raw: acknowledged events missing: ${missing.slice(0, 5).join(', ')}`)
  if (ids.length !== stored.size) failures.push('raw: an event was stored twice')
  return {
    cases,
    failures,
    fiveHundreds,
    codes,
    rssMb: { start, peak, end },
    stored: ids.length,
    validSent: expected.size,
  }
}
