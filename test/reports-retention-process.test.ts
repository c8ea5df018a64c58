// The retention report through the collector process: who may read it (not the public write key),
// refusals with their codes, and a person's first visit from ingest to their cohort.
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

describe('the retention report on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const get = (query: string, authorization?: string) =>
    getReport(collector, `retention?${query}`, authorization)
  const admin = `Bearer ${ADMIN_TOKEN}`

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN] })
    const page = {
      type: 'page',
      anonymousId: 'visitor-1',
      messageId: 'retention-page-1',
      timestamp: new Date().toISOString(),
      name: 'Shoes',
      properties: { path: '/shoes' },
      context: {
        page: { path: '/shoes', url: `${ORIGIN}/shoes`, referrer: '' },
        session: { id: 'session-1' },
        userAgent: CHROME,
        consent: ANALYTICS_CONSENT,
      },
    }
    await sendBatch(collector, DEMO_WRITE_KEY, [page])
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of notAdmin()) {
      for (const query of ['site=demo', 'site=demo&format=csv']) {
        await expectUnauthorized(await get(query, authorization), `${query} ${authorization}`, 'cohort')
      }
    }
  })

  it("puts today's first visitor in this week's cohort, still running", async () => {
    const answer = await (await get('site=demo', admin)).json()
    expect(answer).toMatchObject({ site: 'demo', by: 'week', periods: 12, return: null, people: 1 })
    expect(answer.cohorts).toHaveLength(14)
    // This week's cohort (last), which is not over: no period of it is complete yet.
    expect(answer.cohorts.filter((c: { people: number }) => c.people > 0)).toEqual([answer.cohorts.at(-1)])
    expect(answer.cohorts.at(-1)).toMatchObject({ people: 1, periods: [] })
    expect(JSON.stringify(answer)).not.toContain('visitor-1')
    const csv = await get('site=demo&by=day&format=csv', admin)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toContain('demo-retention-day-')
  })

  it('refuses bad queries with a stable code and names what is wrong', async () => {
    const cases: [string, number, string, string][] = [
      ['site=demo&by=month', 400, 'invalid_query', 'by'],
      ['site=demo&periods=0', 400, 'invalid_query', 'periods'],
      ['site=demo&periods=53', 400, 'invalid_query', 'periods'],
      ['site=demo&periods=two', 400, 'invalid_query', 'periods'],
      ['site=demo&return=Bad%20Key', 400, 'invalid_query', 'return'],
      ['site=demo&return=no-such-goal', 404, 'goal_not_found', 'no-such-goal'],
      ['site=demo&filter=goal:no-such-goal', 404, 'goal_not_found', 'no-such-goal'],
      ['site=demo&from=2026-02-30', 400, 'invalid_query', 'from'],
      ['site=demo&from=2026-11-02&to=2026-11-01', 400, 'invalid_query', 'from'],
      ['site=demo&from=2020-01-01&to=2026-11-01', 400, 'invalid_query', 'to'],
      ['site=demo&filter=nothing', 400, 'invalid_query', 'filter'],
      ['site=nowhere', 404, 'site_not_found', ''],
      ['', 400, 'invalid_query', 'site'],
    ]
    for (const [query, ...refusal] of cases) await expectRefused(await get(query, admin), query, refusal)
  })
})
