// The attribution report through the collector process: only an admin credential reads it (the
// public write key gets 401), refusals carry their codes, and an order is credited end to end from
// ingest to report, its campaign visit on another device of the same person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'

const ORIGIN = 'https://shop.example'
const WRITE_KEY = 'attribution-shop-write-key'
// A browser's agent: Node's own would make the visits bot traffic, which reports leave out.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const consent = {
  categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
}

describe('the attribution report on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const get = (path: string, authorization?: string) =>
    fetch(`${collector.url}/admin/api/reports/attribution?${path}`, {
      headers: authorization ? { authorization } : {},
    })
  const admin = `Bearer ${ADMIN_TOKEN}`

  beforeAll(async () => {
    collector = await startCollector({
      extraSites: [
        {
          id: 'shop',
          writeKey: WRITE_KEY,
          allowedOrigins: [ORIGIN],
          goals: { order: { event: 'Order Completed', revenue: 'revenue' } },
        },
      ],
    })
    const now = Date.now()
    const event = (device: string, session: string, at: number, query: string) => ({
      anonymousId: device,
      userId: 'user-1',
      timestamp: new Date(at).toISOString(),
      context: {
        page: { path: '/shoes', url: `${ORIGIN}/shoes${query}`, referrer: '' },
        // The laptop's landing carried an ad click id, kept because that visitor granted marketing.
        ...(query
          ? { campaign: { source: 'newsletter', medium: 'email', name: 'spring', gclid: 'abc' } }
          : {}),
        session: { id: session },
        userAgent: CHROME,
        consent: query
          ? { categoryPreferences: { ...consent.categoryPreferences, marketing: true } }
          : consent,
      },
    })
    const laptop = event(
      'laptop-1',
      'session-1',
      now - 2 * 3_600_000,
      '?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
    )
    const phone = event('phone-1', 'session-2', now - 3_600_000, '')
    const batch = [
      { ...laptop, type: 'page', messageId: 'a-1', name: 'Shoes', properties: { path: '/shoes' } },
      { ...phone, type: 'page', messageId: 'a-2', name: 'Shoes', properties: { path: '/shoes' } },
      {
        ...phone,
        type: 'track',
        messageId: 'a-3',
        event: 'Order Completed',
        timestamp: new Date(now - 3_500_000).toISOString(),
        properties: { revenue: 42.5 },
      },
    ]
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME },
      body: JSON.stringify({ writeKey: WRITE_KEY, batch }),
    })
    expect(res.status, await res.text()).toBe(200)
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write keys included', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${DEMO_WRITE_KEY}`,
      `Bearer ${WRITE_KEY}`,
      `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    ]) {
      const res = await get('site=shop&goal=order', authorization)
      expect(res.status, String(authorization)).toBe(401)
      expect(await res.text()).not.toContain('conversions')
    }
  })

  it("credits the phone's order to the laptop's campaign visit", async () => {
    const answer = await (await get('site=shop&goal=order&by=campaign', admin)).json()
    expect(answer).toMatchObject({
      site: 'shop',
      goal: 'order',
      lookback: 30,
      by: 'campaign',
      conversions: 1,
      revenue: 42.5,
      attributed: { conversions: 1, revenue: 42.5 },
    })
    expect(answer.rows).toEqual([
      {
        key: 'spring',
        touches: 1,
        clicks: 1,
        first: { conversions: 1, revenue: 42.5 },
        lastNonDirect: { conversions: 1, revenue: 42.5 },
        linear: { conversions: 0.5, revenue: 21.25 },
        position: { conversions: 0.5, revenue: 21.25 },
        timeDecay: expect.objectContaining({}),
      },
      expect.objectContaining({
        key: '(none)',
        touches: 1,
        clicks: 0,
        first: { conversions: 0, revenue: 0 },
      }),
    ])
    const csv = await get('site=shop&goal=order&format=csv', admin)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect((await csv.text()).split('\r\n')[1]).toMatch(/^Email,1,1,1,42\.5,1,42\.5,0\.5,21\.25,0\.5,21\.25,/)
  })

  it('refuses bad queries with a stable code and names what is wrong', async () => {
    const cases: [string, number, string, string][] = [
      ['site=shop', 400, 'invalid_query', 'goal'],
      ['site=shop&goal=nothing', 404, 'goal_not_found', 'nothing'],
      ['site=shop&goal=Bad%20Key', 400, 'invalid_query', 'goal'],
      ['site=shop&goal=order&lookback=0', 400, 'invalid_query', 'lookback'],
      ['site=shop&goal=order&lookback=181', 400, 'invalid_query', 'lookback'],
      ['site=shop&goal=order&by=source', 400, 'invalid_query', 'by'],
      ['site=shop&goal=order&filter=nothing', 400, 'invalid_query', 'filter'],
      ['site=shop&goal=order&from=2026-11-02&to=2026-11-01', 400, 'invalid_query', 'from'],
      ['site=nowhere&goal=order', 404, 'site_not_found', ''],
      ['goal=order', 400, 'invalid_query', 'site'],
    ]
    for (const [path, status, code, field] of cases) {
      const res = await get(path, admin)
      expect(res.status, path).toBe(status)
      const body = await res.json()
      expect(body.error.code, path).toBe(code)
      expect(body.error.message, path).toContain(field)
    }
  })
})
