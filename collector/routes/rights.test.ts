import { describe, expect, it } from 'vitest'
import {
  event,
  firstMessageOf,
  post,
  SHOP_ORIGIN,
  testApp,
  tokenRequest,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'

type App = ReturnType<typeof testApp>['app']
const call = async (app: App, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const req = post(path, body, { 'content-type': 'text/plain', origin: SHOP_ORIGIN, ...headers })
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: await res.json() }
}
const visit = async (app: App, anonymousId: string) => {
  const first = event({ anonymousId, messageId: firstMessageOf(anonymousId), event: 'Viewed' })
  const req = post('/v1/batch', { writeKey: WRITE_KEY, batch: [first] })
  await app.request(req.path, req.init)
}
const tokenFor = async (app: App, anonymousId: string) =>
  (await call(app, '/v1/identity/token', tokenRequest(anonymousId))).body.token as string

describe('visitor self-service', () => {
  it('issues a token once per anonymousId', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const first = await call(app, '/v1/identity/token', tokenRequest('a1'))
    expect(first.status).toBe(200)
    expect(first.body.token).toMatch(/^~[\w-]{22}\.[\w-]{43}$/)
    const again = await call(app, '/v1/identity/token', tokenRequest('a1'))
    expect([again.status, again.body.error.code]).toEqual([409, 'token_already_issued'])
  })

  it('downloads the data of the browser that holds the token', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const token = await tokenFor(app, 'a1')
    const res = await call(app, '/v1/identity/export', { writeKey: WRITE_KEY, token })
    expect(res.status).toBe(200)
    expect(res.body.events.map((e: { event: string }) => e.event)).toEqual(['Viewed'])
  })

  it.each([
    ['a forged signature', (t: string) => `${t.slice(0, -4)}AAAA`],
    ['another id with a real signature', (t: string) => `a2.${t.split('.')[1]}`],
    ['the bare anonymousId', () => 'a1'],
  ])('refuses %s', async (_, forge) => {
    const { app } = testApp()
    await visit(app, 'a1')
    await visit(app, 'a2')
    const token = await tokenFor(app, 'a1')
    const res = await call(app, '/v1/identity/export', { writeKey: WRITE_KEY, token: forge(token) })
    expect([res.status, res.body.error.code]).toEqual([403, 'invalid_token'])
  })

  it("refuses a token on another site's write key", async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const token = await tokenFor(app, 'a1')
    const res = await call(
      app,
      '/v1/identity/export',
      { writeKey: 'other-write-key', token },
      { origin: 'https://other.example' },
    )
    expect([res.status, res.body.error.code]).toEqual([403, 'invalid_token'])
  })

  it('deletes the data; afterwards the token reaches nothing (erasure revoked it)', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const token = await tokenFor(app, 'a1')
    const deleted = await call(app, '/v1/identity/delete', { writeKey: WRITE_KEY, token })
    expect(deleted).toEqual({ status: 200, body: { success: true, events: 1 } })
    const after = await call(app, '/v1/identity/export', { writeKey: WRITE_KEY, token })
    expect([after.status, after.body.error.code]).toEqual([403, 'invalid_token'])
  })

  it.each([
    [
      'no anonymousId',
      '/v1/identity/token',
      { writeKey: WRITE_KEY, firstMessageId: 'm' },
      400,
      'invalid_body',
    ],
    [
      'no first messageId',
      '/v1/identity/token',
      { writeKey: WRITE_KEY, anonymousId: 'a1' },
      400,
      'invalid_body',
    ],
    ['no write key', '/v1/identity/token', { anonymousId: 'a1', firstMessageId: 'm' }, 401, 'unauthorized'],
    [
      'a huge body',
      '/v1/identity/export',
      { writeKey: WRITE_KEY, token: 'x'.repeat(3000) },
      413,
      'payload_too_large',
    ],
  ])('%s: %s answers %i %s', async (_, path, body, status, code) => {
    const { app } = testApp()
    const res = await call(app, path, body)
    expect([res.status, res.body.error.code]).toEqual([status, code])
  })
})
