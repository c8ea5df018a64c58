import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, event, post, testApp, WRITE_KEY } from '../testing.ts'

const get = (app: ReturnType<typeof testApp>['app'], path: string, token?: string) =>
  app.request(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

describe('GET /admin/api/events', () => {
  it('lists stored events newest first with the total', async () => {
    const { app } = testApp()
    for (const id of ['first', 'second', 'third']) {
      const req = post('/v1/batch', { batch: [event({ messageId: id })], writeKey: WRITE_KEY })
      await app.request(req.path, req.init)
    }
    const res = await get(app, '/admin/api/events?site=demo&limit=2', ADMIN_TOKEN)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { total: number; events: { messageId: string; receivedAt: string }[] }
    expect(body.total).toBe(3)
    // Same receivedAt (fixed clock): arrival order decides.
    expect(body.events.map((e) => e.messageId)).toEqual(['third', 'second'])
    expect(body.events[0]).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      receivedAt: '2026-11-23T12:00:00.000Z',
    })
  })

  it.each([
    ['no token', undefined],
    ['a wrong token', 'wrong'],
    ['a token that is a prefix of the right one', ADMIN_TOKEN.slice(0, -1)],
  ])('refuses %s', async (_name, token) => {
    const { app } = testApp()
    const res = await get(app, '/admin/api/events?site=demo', token)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
  })

  it('refuses every call when no admin token is configured', async () => {
    const { app } = testApp({ adminToken: undefined })
    const res = await get(app, '/admin/api/events?site=demo', '')
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/PRECIS_ADMIN_TOKEN/)
  })

  it.each([
    ['no site', '/admin/api/events', 400, 'invalid_query'],
    ['a limit over 1000', '/admin/api/events?site=demo&limit=1001', 400, 'invalid_query'],
    ['a limit that is not a number', '/admin/api/events?site=demo&limit=ten', 400, 'invalid_query'],
    ['an unknown site', '/admin/api/events?site=ghost', 404, 'site_not_found'],
  ])('answers %s with a stable code', async (_name, path, status, code) => {
    const { app } = testApp()
    const res = await get(app, path, ADMIN_TOKEN)
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
  })
})
