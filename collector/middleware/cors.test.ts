import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { event, post, SHOP_ORIGIN, testApp, testSites, WRITE_KEY } from '../../test/support/collector-app.ts'
import { createSites } from '../config/sites.ts'
import { cors } from './cors.ts'

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/batch', {
      method: 'OPTIONS',
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    expect(res.headers.get('access-control-allow-headers')).toContain('Content-Type')
  })

  it('lets analytics.js send its write key as Basic auth and retry with X-Retry-Count', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/t', {
      method: 'OPTIONS',
      headers: {
        origin: SHOP_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-retry-count',
      },
    })
    expect(res.status).toBe(204)
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/)
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']))
  })

  it('refuses a preflight from an unknown origin without CORS headers', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/batch', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('lets an allowed page read the response, errors included', async () => {
    const { app } = testApp()
    const good = post('/v1/batch', { batch: [event()], writeKey: WRITE_KEY }, { origin: SHOP_ORIGIN })
    const ok = await app.request(good.path, good.init)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    const bad = post('/v1/batch', '{', { origin: SHOP_ORIGIN })
    expect((await app.request(bad.path, bad.init)).headers.get('access-control-allow-origin')).toBe(
      SHOP_ORIGIN,
    )
  })

  it('exposes Retry-After to allowed pages, on successes and refusals', async () => {
    const { app } = testApp()
    const good = post('/v1/batch', { batch: [event()], writeKey: WRITE_KEY }, { origin: SHOP_ORIGIN })
    const bad = post('/v1/batch', '{', { origin: SHOP_ORIGIN })
    for (const req of [good, bad]) {
      const res = await app.request(req.path, req.init)
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After')
    }
    // Servers (no Origin) and unknown origins get no CORS headers at all.
    const server = post('/v1/batch', { batch: [event()], writeKey: WRITE_KEY })
    expect(
      (await app.request(server.path, server.init)).headers.get('access-control-expose-headers'),
    ).toBeNull()
    const evil = post(
      '/v1/batch',
      { batch: [event()], writeKey: WRITE_KEY },
      { origin: 'https://evil.example' },
    )
    expect((await app.request(evil.path, evil.init)).headers.get('access-control-expose-headers')).toBeNull()
  })

  it('keeps the Retry-After of a 429 or 503 beside the CORS headers', async () => {
    // No route throttles yet: a stand-in handler shows what the browser receives when one does.
    for (const status of [429, 503] as const) {
      const app = new Hono()
      app.use('*', cors(createSites(testSites())))
      app.post('/v1/batch', (c) => c.json({ busy: true }, status, { 'Retry-After': '7' }))
      const res = await app.request('/v1/batch', { method: 'POST', headers: { origin: SHOP_ORIGIN } })
      expect(res.status).toBe(status)
      expect(res.headers.get('retry-after')).toBe('7')
      expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After')
    }
  })

  it('treats pages the collector serves itself as allowed', async () => {
    const { app, store } = testApp()
    const req = post('/v1/batch', { batch: [event()], writeKey: WRITE_KEY }, { origin: 'http://localhost' })
    expect((await app.request(`http://localhost${req.path}`, req.init)).status).toBe(200)
    expect((await store.listEvents('demo', { limit: 10 })).events).toHaveLength(1)
  })

  it("never takes the request's Host for the collector's own origin", async () => {
    const { app, store } = testApp()
    const req = post(
      '/v1/batch',
      { batch: [event()], writeKey: WRITE_KEY },
      { origin: 'http://evil.example' },
    )
    const res = await app.request(`http://evil.example${req.path}`, req.init)
    expect([res.status, (await res.json()).error.code]).toEqual([403, 'origin_not_allowed'])
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect((await store.listEvents('demo', { limit: 10 })).events).toHaveLength(0)
  })
})
