// The row limit of reports through the collector process: a report that would read more events of
// its period than PRECIS_REPORTS_MAX_ROWS is refused with report_too_large before it reads them
// (the collector's heap is ingest's too); up to the limit it answers, and so do the reports that
// read a row per visit whatever the events; a funnel reads only its steps' page views and events,
// and is refused when those are more. An experiment counting a page goal reads the rows since its
// first exposure, within the same limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import {
  ANALYTICS_CONSENT,
  CHROME,
  expectRefused,
  getReport,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
} from './support/report-process.ts'

const LIMIT = 1000

/** `n` page views of visitor `v`, numbered from `from`, in one session. */
const pageViews = (v: number, from: number, n: number, at = new Date()) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'page',
    messageId: `limit-${v}-${from + i}`,
    anonymousId: `visitor-${v}`,
    timestamp: at.toISOString(),
    properties: { path: `/p/${(from + i) % 7}` },
    context: {
      page: { path: `/p/${(from + i) % 7}`, url: `${ORIGIN}/p/${(from + i) % 7}`, referrer: '' },
      session: { id: `session-${v}` },
      userAgent: CHROME,
      consent: ANALYTICS_CONSENT,
    },
  }))

describe('the row limit of reports on the collector process', () => {
  let collector: Collector
  const admin = `Bearer ${ADMIN_TOKEN}`
  const get = (path: string) => getReport(collector, path, admin)
  const funnel = (pages = ['/p/1', '/p/2']) =>
    fetch(`${collector.url}/admin/api/reports/funnel?site=demo`, {
      method: 'POST',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: pages.map((page) => ({ page })) }),
    })

  beforeAll(async () => {
    collector = await startCollector({
      allowedOrigins: [ORIGIN],
      env: { PRECIS_REPORTS_MAX_ROWS: String(LIMIT) },
    })
    // Exactly the limit: ten visitors of 100 page views each, in batches of 50.
    for (let v = 0; v < 10; v++)
      for (const from of [0, 50]) await sendBatch(collector, DEMO_WRITE_KEY, pageViews(v, from, 50))
  }, 60_000)
  afterAll(() => collector?.stop())

  it('answers up to the limit, refuses beyond it with report_too_large, and still answers visit-level reports', async () => {
    const pages = await get('breakdown?site=demo&dimension=page')
    expect(pages.status).toBe(200)
    expect(
      (await pages.json()).rows.reduce((n: number, r: { pageviews: number }) => n + r.pageviews, 0),
    ).toBe(LIMIT)
    expect((await funnel(['/p/*'])).status).toBe(200)

    await sendBatch(collector, DEMO_WRITE_KEY, pageViews(10, 0, 1))
    for (const [what, res] of [
      ['breakdown by page', await get('breakdown?site=demo&dimension=page')],
      ['goals', await get('goals?site=demo')],
      ['funnel of every page', await funnel(['/p/*'])],
      ['retention on a page', await get(`retention?site=demo&filter=${encodeURIComponent('page:/p/1')}`)],
    ] as const)
      await expectRefused(res, what, [422, 'report_too_large', 'choose a shorter period'])
    // A row per visit, whatever the events: the overview and visit-level breakdowns answer.
    const overview = await get('overview?site=demo')
    expect(overview.status).toBe(200)
    expect(await overview.json()).toMatchObject({ visits: 11, pageviews: LIMIT + 1 })
    expect((await get('breakdown?site=demo&dimension=channel')).status).toBe(200)
    // A funnel reads its steps' page views only: 2 of 7 paths, far below the limit.
    const steps = await funnel()
    expect(steps.status).toBe(200)
    expect((await steps.json()).steps[0].people).toBe(10) // the eleventh visitor saw /p/0 only
    // A period without those events reads nothing, and answers.
    expect((await get('breakdown?site=demo&dimension=page&from=2020-01-01&to=2020-01-31')).status).toBe(200)
  }, 60_000)
})

describe('the row limit of an experiment counting a page goal, on the collector process', () => {
  const limit = 1000
  let collector: Collector
  const results = () =>
    fetch(`${collector.url}/admin/api/experiments/thanks-test/results?site=demo`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
  const exposure = (v: number, variation: string, at: Date) => ({
    type: 'track',
    event: 'Experiment Viewed',
    messageId: `exposure-${v}`,
    anonymousId: `visitor-${v}`,
    timestamp: at.toISOString(),
    properties: { experiment_id: 'thanks-test', variation_id: variation, bucket_version: 0 },
    context: {
      session: { id: `session-${v}` },
      userAgent: CHROME,
      consent: {
        categoryPreferences: { ...ANALYTICS_CONSENT.categoryPreferences, personalization: true },
      },
    },
  })

  beforeAll(async () => {
    collector = await startCollector({
      allowedOrigins: [ORIGIN],
      goals: { thanks: { page: '/p/1' } },
      experiments: [
        {
          key: 'thanks-test',
          status: 'running',
          variations: [{ key: 'control' }, { key: 'treat' }],
          goals: [{ goal: 'thanks' }],
        },
      ],
      env: { PRECIS_REPORTS_MAX_ROWS: String(limit) },
    })
  }, 60_000)
  afterAll(() => collector?.stop())

  it('counts the goal up to the limit and refuses with report_too_large beyond it', async () => {
    const exposed = new Date(Date.now() - 60_000)
    // Visitors without an exposure: 960 page views (20 of 48), on the limit with the 40 rows below.
    for (let v = 10; v < 30; v++) await sendBatch(collector, DEMO_WRITE_KEY, pageViews(v, 0, 48))
    // Four people: 4 exposures and 36 page views. Paths are /p/(n % 7):
    // visitors 0, 1 and 2 reach /p/1 after their exposure, visitor 3 (/p/2 to /p/0) does not.
    for (const [v, variation, from, n] of [
      [0, 'control', 0, 12],
      [1, 'control', 2, 9],
      [2, 'treat', 2, 9],
      [3, 'treat', 2, 6],
    ] as const)
      await sendBatch(collector, DEMO_WRITE_KEY, [exposure(v, variation, exposed), ...pageViews(v, from, n)])
    const res = await results()
    expect(res.status, await res.clone().text()).toBe(200)
    const { metrics } = await res.json()
    expect(metrics[0]).toMatchObject({ event: 'page', goal: 'thanks' })
    const counted = metrics[0].variations.map((v: { key: string; users: number; conversions: number }) => [
      v.key,
      v.users,
      v.conversions,
    ])
    expect(counted).toEqual([
      ['control', 2, 2],
      ['treat', 2, 1],
    ])

    await sendBatch(collector, DEMO_WRITE_KEY, pageViews(30, 0, 1))
    await expectRefused(await results(), 'results', [
      422,
      'report_too_large',
      'count an event metric instead',
    ])
  }, 60_000)
})
