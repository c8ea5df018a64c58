// Reports through the collector process: who may read them, what a caller holding the public write
// key gets (nothing), refusals with their codes, and a page view counted once from ingest to report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import {
  ANALYTICS_CONSENT,
  CHROME,
  expectRefused,
  expectUnauthorized,
  getReport,
  notAdmin,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
} from './support/report-process.ts'

describe('reports on the collector process', () => {
  let collector: Collector
  const get = (path: string, authorization?: string) => getReport(collector, path, authorization)
  const admin = `Bearer ${ADMIN_TOKEN}`

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN] })
    const context = {
      page: { path: '/shoes', url: `${ORIGIN}/shoes?utm_source=newsletter&utm_medium=email`, referrer: '' },
      campaign: { source: 'newsletter', medium: 'email' },
      session: { id: 'session-1' },
      userAgent: CHROME,
      consent: ANALYTICS_CONSENT,
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
    await sendBatch(collector, DEMO_WRITE_KEY, batch)
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of notAdmin()) {
      for (const path of ['overview?site=demo', 'breakdown?site=demo&dimension=page', 'goals?site=demo']) {
        await expectUnauthorized(await get(path, authorization), `${path} ${authorization}`, 'visitors')
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
    for (const [path, ...refusal] of cases) await expectRefused(await get(path, admin), path, refusal)
  })
})
