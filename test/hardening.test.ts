// Hardening against the running collector process, as a hostile client meets it: a spoofed Host
// does not make an origin the collector's own, every answer carries its safety headers, slow
// requests are cut off, one address cannot hold every connection, and a 413 can be read.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import { slowBody as stalled } from './support/slow-client.ts'

let collector: Collector
beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector.stop()
})

/** A raw HTTP request: fetch may not set Host, a hostile client can. */
const raw = (path: string, headers: Record<string, string>, body?: string) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (done, fail) => {
      const url = new URL(collector.url)
      const req = request(
        { host: '127.0.0.1', port: url.port, path, method: body ? 'POST' : 'GET', headers },
        (res) => {
          let text = ''
          res.on('data', (chunk) => {
            text += chunk
          })
          res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: text }))
        },
      )
      req.on('error', fail)
      req.end(body)
    },
  )

describe('the collector process against hostile requests', () => {
  it('takes no origin for its own from the Host header: the evil origin is refused, never reflected', async () => {
    const batch = JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      batch: [{ type: 'track', event: 'Spoofed', anonymousId: 'a-1', messageId: 'spoofed-1' }],
    })
    const res = await raw(
      '/v1/batch',
      { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'text/plain' },
      batch,
    )
    expect(res.status).toBe(403)
    expect(JSON.parse(res.body).error.code).toBe('origin_not_allowed')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await raw('/v1/batch', { host: 'evil.example', origin: 'http://evil.example' })
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(collector.rows().filter((r) => r.name === 'Spoofed')).toEqual([])
  })

  it('answers everything with nosniff and a referrer policy; the demo shop with a strict policy', async () => {
    for (const path of [
      '/p.js',
      '/p-consent.js',
      '/v1/sites/demo/config',
      '/healthz',
      '/nothing-here',
      '/demo/',
    ])
      expect(
        await fetch(`${collector.url}${path}`).then((r) => [
          path,
          r.headers.get('x-content-type-options'),
          r.headers.get('referrer-policy'),
        ]),
      ).toEqual([path, 'nosniff', 'strict-origin-when-cross-origin'])
    const policy = (await fetch(`${collector.url}/demo/product.html`)).headers.get('content-security-policy')!
    expect(policy).toMatch(/script-src 'self' 'sha256-[\w+/=]+'/)
    expect(policy).toContain("frame-ancestors 'self'")
    expect(policy).not.toContain('unsafe')
  })
})

describe('slow and oversized requests against the collector process', () => {
  let limited: Collector
  beforeAll(async () => {
    limited = await startCollector({
      // A timeout long enough that every attacker connection is open before the first is cut off.
      env: { PRECIS_REQUEST_TIMEOUT_MS: '4000', PRECIS_MAX_CONNECTIONS_PER_ADDRESS: '4' },
    })
  })
  afterAll(async () => {
    await limited.stop()
  })

  const slowBody = (from: string) => stalled(limited.url, from)

  it('closes slow bodies within the request timeout and caps one address, while others are served', async () => {
    // The attacker's address (127.0.0.2 is loopback too) holds every connection it may.
    const held = Array.from({ length: 4 }, () => slowBody('127.0.0.2'))
    await Promise.all(held.map((h) => h.connected))
    // One more from that address is closed at once, unanswered.
    expect(await slowBody('127.0.0.2').closed).toBe('')
    // Another address is served meanwhile.
    expect((await fetch(`${limited.url}/healthz`)).status).toBe(200)
    // The slow ones end: the collector answers 408 and closes, it does not wait for them.
    for (const answer of await Promise.all(held.map((h) => h.closed)))
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
  }, 60_000)

  it('answers an oversized body with a 413 the client reads, each time', async () => {
    const body = JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch: [], pad: 'x'.repeat(3 * 500 * 1024) })
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${limited.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
      })
      expect([res.status, (await res.json()).error.code]).toEqual([413, 'payload_too_large'])
    }
  })
})
