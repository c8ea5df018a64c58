// Reports through the collector process: who may read them, what a caller holding the public write
// key gets (nothing), refusals with their codes, and a page view counted once from ingest to report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'

const ORIGIN = 'https://shop.example'
// A browser's agent: Node's own would make the page view bot traffic, which reports leave out.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

describe('reports on the collector process', () => {
  let collector: Collector
  const get = (path: string, authorization?: string) =>
    fetch(`${collector.url}/admin/api/reports/${path}`, { headers: authorization ? { authorization } : {} })
  const admin = `Bearer ${ADMIN_TOKEN}`

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN] })
    const context = {
      page: { path: '/shoes', url: `${ORIGIN}/shoes?utm_source=newsletter&utm_medium=email`, referrer: '' },
      campaign: { source: 'newsletter', medium: 'email' },
      session: { id: 'session-1' },
      userAgent: CHROME,
      consent: {
        categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
      },
    }
    const page = {
      type: 'page',
      anonymousId: 'visitor-1',
      name: 'Shoes',
      properties: { path: '/shoes' },
      context,
    }
    const batch = [
      { ...page, messageId: 'report-page-1', timestamp: new Date().toISOString() },
      { ...page, messageId: 'report-page-1', timestamp: new Date().toISOString() }, // a retry
    ]
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME },
      body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch }),
    })
    expect(res.status).toBe(200)
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${DEMO_WRITE_KEY}`,
      `Basic ${Buffer.from(`${DEMO_WRITE_KEY}:`).toString('base64')}`,
    ]) {
      for (const path of ['overview?site=demo', 'breakdown?site=demo&dimension=page', 'goals?site=demo']) {
        const res = await get(path, authorization)
        expect(res.status, `${path} ${authorization}`).toBe(401)
        expect(await res.text()).not.toContain('visitors')
      }
    }
  })

  it('counts a page view sent twice once, from its channel', async () => {
    const overview = await (await get('overview?site=demo', admin)).json()
    expect(overview).toMatchObject({
      site: 'demo',
      visitors: 1,
      devices: 1,
      visits: 1,
      pageviews: 1,
      bounceRate: 1,
    })
    expect(overview.realtime.visitors).toBe(1)
    const channels = await (await get('breakdown?site=demo&dimension=channel', admin)).json()
    expect(channels.rows).toEqual([
      { value: 'Email', visitors: 1, visits: 1, pageviews: 1, bounceRate: 1, visitDuration: 0 },
    ])
    const csv = await get('breakdown?site=demo&dimension=page&format=csv', admin)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(await csv.text()).toBe(
      'page,visitors,visits,pageviews,bounce_rate,visit_duration\r\n/shoes,1,1,1,1,0\r\n',
    )
  })

  it('refuses bad queries with a stable code and names what is wrong', async () => {
    const cases: [string, number, string, string][] = [
      ['breakdown?site=demo&dimension=colour', 400, 'invalid_query', 'dimension'],
      ['overview?site=demo&from=2026-02-30', 400, 'invalid_query', 'from'],
      ['overview?site=demo&from=2026-11-02&to=2026-11-01', 400, 'invalid_query', 'from'],
      ['overview?site=demo&filter=nothing', 400, 'invalid_query', 'filter'],
      ['overview?site=nowhere', 404, 'site_not_found', ''],
      ['goals?site=demo&goal=no-such-goal', 404, 'goal_not_found', 'no-such-goal'],
      ['breakdown?site=demo&dimension=page&goal=no-such-goal', 404, 'goal_not_found', 'no-such-goal'],
      ['goals?site=demo&goal=Bad%20Key', 400, 'invalid_query', 'goal'],
      ['overview', 400, 'invalid_query', 'site'],
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
