import { describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  event,
  NOW,
  post,
  SHOP_ORIGIN,
  testApp,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { fromPeer } from '../../test/support/enrich.ts'
import { parseConfig, type SiteConfig } from '../config/site-config.ts'
import { clientAddress, createRateLimiter, take } from './rate-limit.ts'

const rate = { perSecond: 2, burst: 3 }

const siteWith = (rateLimit: unknown, extra: Record<string, unknown> = {}): SiteConfig =>
  parseConfig({ sites: [{ id: 'demo', writeKey: WRITE_KEY, rateLimit, ...extra }] }).sites[0]!

/** A clock the test moves by hand. */
const fakeClock = (start = NOW) => {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('token bucket (take)', () => {
  it('starts full, lets a burst through, then refuses with whole seconds to wait', () => {
    let bucket: Parameters<typeof take>[0]
    for (let i = 0; i < 3; i++) {
      const r = take(bucket, rate, NOW)
      expect(r.ok).toBe(true)
      bucket = r.bucket
    }
    const refused = take(bucket, rate, NOW)
    expect(refused).toMatchObject({ ok: false, retryAfter: 1 })
    // Half a second at 2/s is one token.
    expect(take(bucket, rate, NOW + 500).ok).toBe(true)
  })

  it('refills at the rate and never above the burst', () => {
    const empty = { tokens: 0, at: NOW }
    expect(take(empty, rate, NOW + 60_000).bucket.tokens).toBe(2) // full (3), minus the one taken
    expect(take(empty, rate, NOW + 250)).toMatchObject({ ok: false, retryAfter: 1 })
  })

  it('asks slow rates to wait as long as the next token takes, rounded up', () => {
    const slow = { perSecond: 0.1, burst: 1 }
    const r = take({ tokens: 0, at: NOW }, slow, NOW + 1000)
    expect(r).toMatchObject({ ok: false, retryAfter: 9 })
  })

  it('takes nothing when it refuses, and a clock going backwards refills nothing', () => {
    const r = take({ tokens: 0.5, at: NOW }, rate, NOW - 10_000)
    expect(r).toMatchObject({ ok: false, bucket: { tokens: 0.5 } })
  })
})

describe('rate limiter', () => {
  it('limits each address separately, and the site as a whole', () => {
    const clock = fakeClock()
    const limiter = createRateLimiter(clock)
    const site = siteWith({ perIp: { perSecond: 1, burst: 2 }, perSite: { perSecond: 1, burst: 5 } })
    expect([1, 2, 3].map(() => limiter.check(site, '192.0.2.1'))).toEqual([undefined, undefined, 1])
    expect([1, 2, 3, 4].map(() => limiter.check(site, '192.0.2.2'))).toEqual([undefined, undefined, 1, 1])
    // The site has had 4 of its 5: one more address gets one request, then the site is full.
    expect(limiter.check(site, '192.0.2.3')).toBeUndefined()
    expect(limiter.check(site, '192.0.2.4')).toBe(1)
    clock.advance(1000)
    expect(limiter.check(site, '192.0.2.1')).toBeUndefined()
  })

  it('a refusal by one limit takes no token from the other', () => {
    const clock = fakeClock()
    const limiter = createRateLimiter(clock)
    const site = siteWith({ perIp: { perSecond: 1, burst: 1 }, perSite: { perSecond: 1, burst: 3 } })
    expect(limiter.check(site, 'a')).toBeUndefined()
    for (let i = 0; i < 10; i++) expect(limiter.check(site, 'a')).toBe(1)
    expect(limiter.check(site, 'b')).toBeUndefined()
    expect(limiter.check(site, 'c')).toBeUndefined()
  })

  it('without an address only the site limit applies', () => {
    const limiter = createRateLimiter(fakeClock())
    const site = siteWith({ perIp: { perSecond: 1, burst: 1 }, perSite: { perSecond: 1, burst: 3 } })
    expect([1, 2, 3, 4].map(() => limiter.check(site, undefined))).toEqual([
      undefined,
      undefined,
      undefined,
      1,
    ])
    expect(limiter.size()).toBe(0)
  })

  it('keeps memory bounded: idle buckets are dropped, and the map never passes its cap', () => {
    const clock = fakeClock()
    const limiter = createRateLimiter({ ...clock, maxAddresses: 100 })
    const site = siteWith({ perIp: { perSecond: 10, burst: 20 } })
    for (let i = 0; i < 10_000; i++) limiter.check(site, `10.0.${i >> 8}.${i & 255}`)
    expect(limiter.size()).toBe(100)
    // Two seconds later every bucket is full again (same as none): new traffic sweeps them out.
    clock.advance(2_000)
    for (let i = 0; i < 60; i++) limiter.check(site, `192.0.2.${i}`)
    // Each request sweeps up to two idle buckets: the 100 old ones are gone after 50 requests.
    expect(limiter.size()).toBe(60)
  })

  it('reads the address as enrichment does: X-Forwarded-For only behind a trusted proxy', () => {
    const direct = siteWith({})
    const proxied = siteWith({}, { enrichment: { trustProxy: true } })
    expect(clientAddress(direct, '10.0.0.1', '203.0.113.5')).toBe('10.0.0.1')
    expect(clientAddress(proxied, '10.0.0.1', '203.0.113.5, 10.0.0.1')).toBe('203.0.113.5')
    expect(clientAddress(proxied, '10.0.0.1', undefined)).toBe('10.0.0.1')
  })

  it('counts IPv6 clients per /64, which one subscriber holds whole, and mapped IPv4 as IPv4', () => {
    const clock = fakeClock()
    const limiter = createRateLimiter(clock)
    const site = siteWith({ perIp: { perSecond: 1, burst: 2 } })
    const check = (peer: string) => limiter.check(site, clientAddress(site, peer, undefined))
    expect([check('2001:db8:1:2::1'), check('2001:db8:1:2:ffff::9'), check('2001:db8:1:2::abcd')]).toEqual([
      undefined,
      undefined,
      1,
    ])
    expect(check('2001:db8:1:3::1')).toBeUndefined() // the next /64
    expect(clientAddress(site, '::ffff:192.0.2.7', undefined)).toBe('192.0.2.7')
  })
})

describe('rate limits on the write routes', () => {
  const limited = (extra: Record<string, unknown> = {}) => {
    const clock = fakeClock()
    const sites = parseConfig({
      sites: [
        {
          id: 'demo',
          writeKey: WRITE_KEY,
          allowedOrigins: [SHOP_ORIGIN],
          rateLimit: { perIp: { perSecond: 1, burst: 2 }, perSite: { perSecond: 100, burst: 100 } },
          ...extra,
        },
      ],
    })
    return { ...testApp({ sites, now: clock.now }), clock }
  }
  const send = (
    app: ReturnType<typeof limited>['app'],
    peer: string,
    headers: Record<string, string> = {},
  ) => {
    const req = post('/v1/track', { ...event(), writeKey: WRITE_KEY }, { origin: SHOP_ORIGIN, ...headers })
    return app.request(req.path, req.init, fromPeer(peer))
  }

  it('refuses with 429 rate_limited and Retry-After (readable by pages), then accepts again', async () => {
    const { app, clock } = limited()
    expect((await send(app, '203.0.113.7')).status).toBe(200)
    expect((await send(app, '203.0.113.7')).status).toBe(200)
    const refused = await send(app, '203.0.113.7')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    expect((await send(app, '203.0.113.8')).status).toBe(200)
    clock.advance(1000)
    expect((await send(app, '203.0.113.7')).status).toBe(200)
  })

  it('ignores X-Forwarded-For unless the site trusts a proxy', async () => {
    const direct = limited()
    for (const [i, status] of [200, 200, 429].entries()) {
      expect((await send(direct.app, '10.0.0.1', { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(
        status,
      )
    }
    const proxied = limited({ enrichment: { trustProxy: true } })
    for (let i = 0; i < 5; i++) {
      expect((await send(proxied.app, '10.0.0.1', { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(200)
    }
  })
})

describe('refusal counters', () => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const counts = async (app: ReturnType<typeof testApp>['app']) => {
    const res = await app.request('/admin/api/refusals', { headers: admin })
    expect(res.status).toBe(200)
    return (await res.json()) as { since: string; counts: Record<string, number> }
  }

  it('counts every refusal by its code, and admins read them', async () => {
    const { app } = testApp()
    const track = (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const req = post('/v1/track', { ...event(), ...body }, headers)
      return app.request(req.path, req.init)
    }
    expect((await track({ writeKey: WRITE_KEY })).status).toBe(200)
    expect((await track({})).status).toBe(401)
    expect((await track({ writeKey: 'wrong-write-key' })).status).toBe(401)
    expect((await track({ writeKey: WRITE_KEY }, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await app.request('/admin/api/refusals')).status).toBe(401)
    expect(
      (await app.request('/admin/api/refusals', { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401)
    expect(
      (await app.request('/admin/api/events?site=demo&limit=1000000000', { headers: admin })).status,
    ).toBe(400)
    expect((await app.request('/nowhere')).status).toBe(404)
    const body = await counts(app)
    expect(body.since).toBe(new Date(NOW).toISOString())
    expect(body.counts).toMatchObject({
      unauthorized: 4,
      origin_not_allowed: 1,
      invalid_query: 1,
      not_found: 1,
      rate_limited: 0,
      internal: 0,
    })
    expect(Object.values(body.counts).reduce((a, b) => a + b, 0)).toBe(7)
  })
})
