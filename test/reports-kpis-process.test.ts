// KPIs and spend through the collector process: the public write key gets nothing on all three
// routes, an analyst (reports.read) may read but not import spend, an editor may import; a bad CSV
// is refused with a code and the row named, storing nothing; an order from a campaign link meets
// its spend in the report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, startCollector } from './support/collector-process.ts'
import {
  ANALYTICS_CONSENT,
  addUser,
  CHROME,
  notAdmin,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
  signIn,
} from './support/report-process.ts'

const WRITE_KEY = 'kpi-write-key-0001'
const SITE = {
  id: 'kpi',
  name: 'KPI shop',
  writeKey: WRITE_KEY,
  allowedOrigins: [ORIGIN],
  goals: { order: { name: 'Order', event: 'Order Completed', revenue: 'revenue' } },
}
const user = (role: string) => ({
  name: `${role} user`,
  email: `${role}@example.com`,
  role,
  password: `${role} password 0001`,
})

describe('KPIs and spend on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const api = (path: string, init: RequestInit = {}) => fetch(`${collector.url}/admin/api/${path}`, init)
  const signInAs = async (role: string) => {
    const { cookie, csrf } = await signIn(collector, user(role))
    return { cookie, 'x-csrf-token': csrf }
  }
  const today = () => new Date().toISOString().slice(0, 10)
  const importCsv = (csv: string, headers: Record<string, string>) =>
    api('spend?site=kpi', { method: 'POST', headers: { 'content-type': 'text/csv', ...headers }, body: csv })

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN], extraSites: [SITE] })
    const context = {
      page: {
        path: '/',
        url: `${ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=spring`,
        referrer: '',
      },
      campaign: { source: 'google', medium: 'cpc', name: 'spring' },
      session: { id: 'session-1' },
      userAgent: CHROME,
      consent: ANALYTICS_CONSENT,
    }
    const at = Date.now() - 60_000
    const batch = [
      {
        type: 'page',
        messageId: 'kpi-page',
        anonymousId: 'visitor-1',
        properties: { path: '/' },
        timestamp: new Date(at).toISOString(),
        context,
      },
      {
        type: 'track',
        messageId: 'kpi-order',
        anonymousId: 'visitor-1',
        event: 'Order Completed',
        properties: { revenue: 80 },
        timestamp: new Date(at + 1000).toISOString(),
        context,
      },
    ]
    await sendBatch(collector, WRITE_KEY, batch)
    for (const role of ['analyst', 'editor']) await addUser(collector, user(role))
  })
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of notAdmin(WRITE_KEY)) {
      const headers: Record<string, string> = authorization ? { authorization } : {}
      for (const [method, path] of [
        ['GET', 'reports/kpis?site=kpi'],
        ['GET', 'spend?site=kpi'],
        ['POST', 'spend?site=kpi'],
      ] as const) {
        const res = await api(path, {
          method,
          headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'text/csv' } : {}) },
          ...(method === 'POST' ? { body: `date,campaign,cost,currency\n${today()},x,1,EUR` } : {}),
        })
        expect(res.status, `${method} ${path} ${authorization}`).toBe(401)
      }
    }
    const stored = await (await api('spend?site=kpi', { headers: admin })).json()
    expect(stored.rows).toEqual([])
  })

  it('lets an analyst read but not import; an editor imports, and the report joins it', async () => {
    const analyst = await signInAs('analyst')
    const csv = `date,campaign,source,medium,cost,currency\n${today()},spring,google,cpc,20,EUR`
    const refused = await importCsv(csv, analyst)
    expect(refused.status).toBe(403)
    expect((await refused.json()).error.code).toBe('forbidden')
    const editor = await signInAs('editor')
    const imported = await importCsv(csv, editor)
    expect(imported.status, await imported.clone().text()).toBe(200)
    expect(await imported.json()).toMatchObject({ rows: 1, days: 1, replaced: 0 })
    const report = await api('reports/kpis?site=kpi', { headers: analyst })
    expect(report.status).toBe(200)
    const answer = await report.json()
    expect(answer).toMatchObject({ goal: 'order', currency: 'EUR' })
    expect(answer.rows).toEqual([
      {
        value: 'spring',
        visitors: 1,
        visits: 1,
        conversions: 1,
        customers: 1,
        conversionRate: 1,
        revenue: 80,
        aov: 80,
        revenuePerCustomer: 80,
        spend: 20,
        cpc: 20,
        cac: 20,
        roas: 4,
        roi: 3,
        // The visitor's first order ever, from the campaign: acquired, with its 80 to date.
        acquired: 1,
        clv: 80,
        clvToCac: 4,
      },
    ])
    expect(JSON.stringify(answer)).not.toContain('visitor-1')
    const spend = await api('spend?site=kpi', { headers: analyst })
    expect((await spend.json()).rows).toHaveLength(1)
  })

  it('refuses a bad CSV with a code and the row named, storing nothing', async () => {
    const before = await (await api('spend?site=kpi', { headers: admin })).json()
    const res = await importCsv(
      `date,campaign,source,medium,cost,currency\n${today()},a,,,1,EUR\n${today()},b,,,1.005,EUR`,
      admin,
    )
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toMatchObject({ code: 'invalid_body', path: 'rows.1.cost' })
    expect(body.error.message).toMatch(/^row 2, column cost:/)
    const header = await importCsv('day,campaign,cost,currency\n', admin)
    expect((await header.json()).error.message).toContain('unknown column "day"')
    const json = await api('spend?site=kpi', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [{ date: 'yesterday', campaign: 'a', cost: 1, currency: 'EUR' }] }),
    })
    expect(await json.json()).toMatchObject({ error: { code: 'invalid_body', path: 'rows.0.date' } })
    expect(await (await api('spend?site=kpi', { headers: admin })).json()).toEqual(before)
  })
})
