// The customers report through the collector process: the public write key gets nothing, an
// analyst (reports.read) reads it, refusals carry their codes, and two orders of one person sent
// from two devices (joined by a sign-in) make one customer whose id appears nowhere in the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type Collector, startCollector } from './support/collector-process.ts'
import {
  addUser,
  CHROME,
  ANALYTICS_CONSENT as consent,
  expectRefused,
  expectUnauthorized,
  notAdmin,
  SHOP_ORIGIN as ORIGIN,
  sendBatch,
  signIn,
} from './support/report-process.ts'

const WRITE_KEY = 'customers-write-key-0001'
const SITE = {
  id: 'club',
  name: 'Club shop',
  writeKey: WRITE_KEY,
  allowedOrigins: [ORIGIN],
  goals: {
    order: { name: 'Order', event: 'Order Completed', revenue: 'revenue' },
    signup: { event: 'Signed Up' },
  },
}
const ANALYST = {
  name: 'Analyst',
  email: 'analyst@example.com',
  role: 'analyst',
  password: 'analyst password 0001',
}

describe('the customers report on the collector process', { timeout: 60_000 }, () => {
  let collector: Collector
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const api = (path: string, init: RequestInit = {}) => fetch(`${collector.url}/admin/api/${path}`, init)

  beforeAll(async () => {
    collector = await startCollector({ allowedOrigins: [ORIGIN], extraSites: [SITE] })
    const visit = (device: string, session: string, at: number, revenue: number, userId?: string) => {
      const context = {
        page: { path: '/', url: `${ORIGIN}/` },
        session: { id: session },
        userAgent: CHROME,
        consent,
      }
      const base = { anonymousId: device, ...(userId ? { userId } : {}), context }
      return [
        {
          ...base,
          type: 'page',
          messageId: `${session}-p`,
          properties: { path: '/' },
          timestamp: new Date(at).toISOString(),
        },
        {
          ...base,
          type: 'track',
          messageId: `${session}-o`,
          event: 'Order Completed',
          properties: { revenue },
          timestamp: new Date(at + 1000).toISOString(),
        },
        ...(userId
          ? [
              {
                type: 'identify',
                anonymousId: device,
                userId,
                messageId: `${session}-i`,
                traits: {},
                context,
                timestamp: new Date(at + 2000).toISOString(),
              },
            ]
          : []),
      ]
    }
    const day = 86_400_000
    const now = Date.now()
    const batch = [
      ...visit('laptop-1', 's1', now - 10 * day, 40, 'member-7'),
      ...visit('phone-1', 's2', now - 2 * day, 60, 'member-7'),
      ...visit('tablet-9', 's3', now - 5 * day, 25),
    ]
    await sendBatch(collector, WRITE_KEY, batch)
    await addUser(collector, ANALYST)
  })
  afterAll(() => collector?.stop())

  it('answers nobody without an admin credential, the public write key included', async () => {
    for (const authorization of notAdmin(WRITE_KEY)) {
      const res = await api('reports/customers?site=club&goal=order', {
        headers: authorization ? { authorization } : {},
      })
      await expectUnauthorized(res, String(authorization), 'segments')
    }
  })

  it('lets an analyst read it: one customer across two devices, nobody named', async () => {
    const { cookie } = await signIn(collector, ANALYST)
    const res = await api('reports/customers?site=club&goal=order', { headers: { cookie } })
    expect(res.status, await res.clone().text()).toBe(200)
    const answer = await res.json()
    expect(answer).toMatchObject({ site: 'club', goal: 'order', customers: 2, orders: 3, revenue: 125 })
    expect(answer.predicted).toBeNull()
    expect(answer.predictedReason).toMatch(/at least 20/)
    const text = JSON.stringify(answer)
    for (const id of ['member-7', 'laptop-1', 'phone-1', 'tablet-9', 's1', 's3'])
      expect(text).not.toContain(`"${id}"`)
    expect(text).not.toMatch(/member-7|laptop-1|phone-1|tablet-9/)
  })

  it('refuses bad queries with a stable code and names what is wrong', async () => {
    const cases: [string, number, string, string][] = [
      ['reports/customers?site=club', 400, 'invalid_query', 'goal'],
      ['reports/customers?site=club&goal=signup', 400, 'invalid_query', 'revenue'],
      ['reports/customers?site=club&goal=nothing', 404, 'goal_not_found', 'nothing'],
      ['reports/customers?site=nowhere&goal=order', 404, 'site_not_found', 'nowhere'],
      ['reports/customers?site=club&goal=order&from=2020-01-01&to=2026-01-01', 400, 'invalid_query', 'from'],
      ['reports/customers?site=club&goal=order&discount=1', 400, 'invalid_query', 'discount'],
      ['reports/customers?site=club&goal=order&table=people&format=csv', 400, 'invalid_query', 'table'],
    ]
    for (const [path, ...refusal] of cases)
      await expectRefused(await api(path, { headers: admin }), path, refusal)
  })
})
