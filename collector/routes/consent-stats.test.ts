import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, consentRecord, post, testApp } from '../../test/support/collector-app.ts'

const at = (day: number, time = '10:00') => Date.parse(`2026-11-${day}T${time}:00.000Z`)
const choice = (analytics: boolean, personalization: boolean, marketing: boolean) => ({
  necessary: true,
  analytics,
  personalization,
  marketing,
})
const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }

/** The collector's clock moves as the records arrive; the stats are asked on Nov 23 at noon. */
const seeded = async () => {
  let now = 0
  const { app } = testApp({ now: () => now })
  const records: [number, Record<string, unknown>][] = [
    [at(19), { consentId: 'c5', purposes: choice(true, true, true) }], // before a 3-day window
    [at(21), { consentId: 'c1', purposes: choice(true, true, true) }],
    [at(21, '11:00'), { consentId: 'c2', purposes: choice(false, false, false) }],
    [at(22, '09:00'), { consentId: 'c3', purposes: choice(true, false, false), gpc: true }],
    [at(22), { consentId: 'c1', purposes: choice(true, true, false), source: 'preferences' }], // c1 changes
    [at(23, '08:00'), { consentId: 'c4', purposes: choice(true, true, true), source: 'api' }],
  ]
  for (const [time, fields] of records) {
    now = time
    const req = post('/v1/consent', consentRecord(fields))
    expect((await app.request(req.path, req.init)).status).toBe(200)
  }
  now = at(23, '12:00')
  return app
}

const day = (date: string, fields: Record<string, unknown> = {}) => ({
  date,
  visitors: 0,
  acceptAll: 0,
  rejectAll: 0,
  custom: 0,
  gpc: 0,
  granted: { analytics: 0, personalization: 0, marketing: 0 },
  ...fields,
})

describe('GET /admin/api/sites/:site/consent/stats', () => {
  it("gives shares of the window's browsers, each counted once with its latest choice", async () => {
    const app = await seeded()
    const res = await app.request('/admin/api/sites/demo/consent/stats?days=3', auth)
    expect(res.status).toBe(200)
    // Counted: c2 (reject all), c3 (analytics only, GPC), c1 (now analytics and personalization),
    // c4 (accept all). c5 chose before the window.
    expect(await res.json()).toEqual({
      site: 'demo',
      days: 3,
      from: '2026-11-21',
      to: '2026-11-23',
      visitors: 4,
      purposes: {
        analytics: { count: 3, share: 0.75 },
        personalization: { count: 2, share: 0.5 },
        marketing: { count: 1, share: 0.25 },
      },
      choices: {
        acceptAll: { count: 1, share: 0.25 },
        rejectAll: { count: 1, share: 0.25 },
        custom: { count: 2, share: 0.5 },
      },
      gpc: { count: 1, share: 0.25 },
      sources: { banner: 2, preferences: 1, api: 1, gpc: 0, default: 0 },
      daily: [
        day('2026-11-21', { visitors: 1, rejectAll: 1 }),
        day('2026-11-22', {
          visitors: 2,
          custom: 2,
          gpc: 1,
          granted: { analytics: 2, personalization: 1, marketing: 0 },
        }),
        day('2026-11-23', {
          visitors: 1,
          acceptAll: 1,
          granted: { analytics: 1, personalization: 1, marketing: 1 },
        }),
      ],
      evaluatedAt: '2026-11-23T12:00:00.000Z',
    })
  })

  it('defaults to 30 days, every date listed, and c5 counted', async () => {
    const app = await seeded()
    const body = (await (await app.request('/admin/api/sites/demo/consent/stats', auth)).json()) as {
      days: number
      from: string
      visitors: number
      daily: { date: string; visitors: number }[]
      choices: { acceptAll: { count: number } }
    }
    expect([body.days, body.from, body.visitors, body.choices.acceptAll.count]).toEqual([
      30,
      '2026-10-25',
      5,
      2,
    ])
    expect(body.daily).toHaveLength(30)
    expect(body.daily.find((d) => d.date === '2026-11-19')?.visitors).toBe(1)
    expect(body.daily.reduce((n, d) => n + d.visitors, 0)).toBe(5)
  })

  it('answers an empty ledger with null shares', async () => {
    const { app } = testApp()
    const body = (await (
      await app.request('/admin/api/sites/other/consent/stats?days=1', auth)
    ).json()) as object
    expect(body).toMatchObject({
      site: 'other',
      visitors: 0,
      purposes: { analytics: { count: 0, share: null } },
      gpc: { count: 0, share: null },
      daily: [day('2026-11-23')],
    })
  })

  it('refuses a bad period, an unknown site and a missing token', async () => {
    const { app } = testApp()
    const bad = await app.request('/admin/api/sites/demo/consent/stats?days=0', auth)
    expect([bad.status, ((await bad.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'invalid_query',
    ])
    expect((await app.request('/admin/api/sites/nope/consent/stats', auth)).status).toBe(404)
    expect((await app.request('/admin/api/sites/demo/consent/stats')).status).toBe(401)
  })
})
