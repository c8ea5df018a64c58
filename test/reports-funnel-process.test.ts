// The funnel report through the collector process: the public write key gets nothing, an analyst
// signed in may ask (with the session's CSRF token), bad bodies are refused with invalid_query
// naming the field, and an oversized body with payload_too_large.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import {
  ANALYTICS_CONSENT,
  addUser,
  CHROME,
  expectRefused,
  expectUnauthorized,
  notAdmin,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
  signIn,
} from './support/report-process.ts'

const ANALYST = {
  name: 'Ana Lyst',
  email: 'ana@example.com',
  role: 'analyst',
  password: 'analyst password 0001',
}
const STEPS = [{ page: '/' }, { page: '/cart' }, { event: 'Order Completed' }]

describe('the funnel report on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const funnel = (body: unknown, headers: Record<string, string> = {}, query = '?site=demo') =>
    fetch(`${collector.url}/admin/api/reports/funnel${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN] })
    const context = (path: string) => ({
      page: { path, url: `${ORIGIN}${path}`, referrer: '' },
      session: { id: 'session-1' },
      userAgent: CHROME,
      consent: ANALYTICS_CONSENT,
    })
    const at = Date.now() - 60_000
    const page = (path: string, i: number) => ({
      type: 'page',
      messageId: `funnel-page-${i}`,
      anonymousId: 'visitor-1',
      name: path,
      properties: { path },
      timestamp: new Date(at + i * 1000).toISOString(),
      context: context(path),
    })
    const batch = [
      page('/', 0),
      page('/cart', 1),
      {
        type: 'track',
        messageId: 'funnel-order',
        anonymousId: 'visitor-1',
        event: 'Order Completed',
        properties: { revenue: 30 },
        timestamp: new Date(at + 3000).toISOString(),
        context: context('/cart'),
      },
    ]
    await sendBatch(collector, DEMO_WRITE_KEY, batch)
    await addUser(collector, ANALYST)
  })
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of notAdmin()) {
      const res = await funnel({ steps: STEPS }, authorization ? { authorization } : {})
      await expectUnauthorized(res, String(authorization), 'people')
    }
  })

  it('lets an analyst ask, signed in with the session CSRF token', async () => {
    const { cookie, csrf } = await signIn(collector, ANALYST)
    const without = await funnel({ steps: STEPS }, { cookie })
    expect(without.status).toBe(403)
    expect((await without.json()).error.code).toBe('csrf_failed')
    const res = await funnel({ steps: STEPS, window: '1h' }, { cookie, 'x-csrf-token': csrf })
    expect(res.status).toBe(200)
    const answer = await res.json()
    expect(answer.steps.map((s: { people: number }) => s.people)).toEqual([1, 1, 1])
    expect(answer.steps[2]).toMatchObject({ step: 3, label: 'Order Completed', dropOff: 0, fromFirst: 1 })
    expect(JSON.stringify(answer)).not.toContain('visitor-1')
    const csv = await funnel({ steps: STEPS }, { cookie, 'x-csrf-token': csrf }, '?site=demo&format=csv')
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'step,label,people,from_previous,from_first,drop_off,median_seconds',
    )
  })

  it('refuses bad bodies with invalid_query and names the field', async () => {
    const cases: [unknown, string, number, string, string][] = [
      [{}, '?site=demo', 400, 'invalid_query', 'steps'],
      [{ steps: [] }, '?site=demo', 400, 'invalid_query', 'steps'],
      [
        { steps: Array.from({ length: 11 }, () => ({ page: '/' })) },
        '?site=demo',
        400,
        'invalid_query',
        'steps',
      ],
      [{ steps: [{ page: '/', event: 'A' }] }, '?site=demo', 400, 'invalid_query', 'steps.page'],
      [{ steps: [{ name: 'no target' }] }, '?site=demo', 400, 'invalid_query', 'steps.event'],
      [{ steps: STEPS, window: 'a week' }, '?site=demo', 400, 'invalid_query', 'window'],
      [{ steps: STEPS, order: 'loose' }, '?site=demo', 400, 'invalid_query', 'order'],
      [{ steps: STEPS, breakdown: 'colour' }, '?site=demo', 400, 'invalid_query', 'breakdown'],
      [{ steps: STEPS, filter: ['nothing'] }, '?site=demo', 400, 'invalid_query', 'filter'],
      [{ steps: STEPS, from: '2026-11-02', to: '2026-11-01' }, '?site=demo', 400, 'invalid_query', 'from'],
      [{ steps: STEPS }, '?site=demo&filter=device:mobile', 400, 'invalid_query', 'filter'],
      [{ steps: STEPS }, '', 400, 'invalid_query', 'site'],
      [{ steps: STEPS }, '?site=nowhere', 404, 'site_not_found', 'nowhere'],
      ['{"steps": [', '?site=demo', 400, 'invalid_json', 'JSON'],
    ]
    for (const [body, query, ...refusal] of cases)
      await expectRefused(await funnel(body, admin, query), `${JSON.stringify(body)} ${query}`, refusal)
  })

  it('refuses an oversized body with payload_too_large', async () => {
    const steps = [{ event: 'A', where: { note: 'x'.repeat(20_000) } }]
    const res = await funnel({ steps }, admin)
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('payload_too_large')
  })
})
