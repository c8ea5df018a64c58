// The attribution report through the collector process: only an admin credential reads it (the
// public write key gets 401), refusals carry their codes, and an order is credited end to end from
// ingest to report, its campaign visit on another device of the same person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, startCollector } from './support/collector-process.ts'
import {
  CHROME,
  ANALYTICS_CONSENT as consent,
  expectRefused,
  expectUnauthorized,
  getReport,
  notAdmin,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
} from './support/report-process.ts'

const WRITE_KEY = 'attribution-shop-write-key'

describe('the attribution report on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const get = (path: string, authorization?: string) =>
    getReport(collector, `attribution?${path}`, authorization)
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
    await sendBatch(collector, WRITE_KEY, batch)
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write keys included', async () => {
    for (const authorization of notAdmin(WRITE_KEY))
      await expectUnauthorized(
        await get('site=shop&goal=order', authorization),
        String(authorization),
        'conversions',
      )
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
    for (const [path, ...refusal] of cases) await expectRefused(await get(path, admin), path, refusal)
  })
})
