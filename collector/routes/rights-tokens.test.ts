// The token's life through the routes: issue with an expiry, renew, revoke, expiry by the app's
// clock, erasure. The store-level rules are in test/contracts/tokens.contract.ts.
import { describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  event,
  firstMessageOf,
  NOW,
  post,
  SHOP_ORIGIN,
  testApp,
  tokenRequest,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { TOKEN_TTL_MS } from '../identity/tokens.ts'

const DAY = 86_400_000
type App = ReturnType<typeof testApp>['app']

const call = async (app: App, path: string, body: unknown, origin = SHOP_ORIGIN) => {
  const req = post(path, body, { 'content-type': 'text/plain', origin })
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: await res.json(), cors: res.headers.get('access-control-allow-origin') }
}
const issue = (app: App, anonymousId: string, firstMessageId = firstMessageOf(anonymousId)) =>
  call(app, '/v1/identity/token', { ...tokenRequest(anonymousId), firstMessageId })
const renew = (app: App, token: string) =>
  call(app, '/v1/identity/token/renew', { writeKey: WRITE_KEY, token })
const revoke = (app: App, token: string) => call(app, '/v1/identity/revoke', { writeKey: WRITE_KEY, token })
const download = (app: App, token: string) => call(app, '/v1/identity/export', { writeKey: WRITE_KEY, token })
/** A page view; the id's first one carries the messageId its browser keeps. */
const visit = async (app: App, anonymousId: string, messageId = firstMessageOf(anonymousId)) => {
  const req = post('/v1/batch', {
    writeKey: WRITE_KEY,
    batch: [event({ anonymousId, messageId, event: 'Viewed' })],
  })
  await app.request(req.path, req.init)
}
/** An app whose clock the test moves. */
const clocked = () => {
  let now = NOW
  const { app } = testApp({ now: () => now })
  return { app, at: (ms: number) => (now = ms) }
}
const refusal = (res: { status: number; body: { error: { code: string } } }) => [
  res.status,
  res.body.error.code,
]

describe('rights tokens through the routes', () => {
  it('issues a token with its expiry, 30 days ahead, and answers with CORS for the site', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const res = await issue(app, 'a1')
    expect(res).toEqual({
      status: 200,
      body: {
        token: expect.stringMatching(/^~[\w-]{22}\.[\w-]{43}$/),
        expiresAt: new Date(NOW + 30 * DAY).toISOString(),
      },
      cors: SHOP_ORIGIN,
    })
  })

  it('renews a live token: a new one with a new expiry; the old one is refused from then on', async () => {
    const { app, at } = clocked()
    await visit(app, 'a1')
    const first = (await issue(app, 'a1')).body.token as string
    at(NOW + 20 * DAY)
    const renewed = await renew(app, first)
    expect(renewed.status).toBe(200)
    expect(renewed.body.expiresAt).toBe(new Date(NOW + 50 * DAY).toISOString())
    expect(renewed.body.token).not.toBe(first)
    expect(refusal(await renew(app, first))).toEqual([403, 'invalid_token'])
    expect(refusal(await download(app, first))).toEqual([403, 'invalid_token'])
    at(NOW + 40 * DAY) // past the first token's life, inside the second's
    expect((await download(app, renewed.body.token)).status).toBe(200)
  })

  it('refuses an expired token everywhere, and issues a new one for the id', async () => {
    const { app, at } = clocked()
    await visit(app, 'a1')
    const { token } = (await issue(app, 'a1')).body
    at(NOW + TOKEN_TTL_MS)
    expect(refusal(await download(app, token))).toEqual([403, 'invalid_token'])
    expect(refusal(await renew(app, token))).toEqual([403, 'invalid_token'])
    const next = await issue(app, 'a1')
    expect(next.status).toBe(200)
    expect(next.body.token).not.toBe(token)
  })

  it('revokes a token on withdrawal: it reaches nothing more, and the next grant gets a new one', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const { token } = (await issue(app, 'a1')).body
    expect(await revoke(app, token)).toMatchObject({ status: 200, body: { success: true } })
    expect(refusal(await download(app, token))).toEqual([403, 'invalid_token'])
    expect(refusal(await renew(app, token))).toEqual([403, 'invalid_token'])
    expect(refusal(await revoke(app, token))).toEqual([403, 'invalid_token'])
    const next = await issue(app, 'a1')
    expect([next.status, next.body.token === token]).toEqual([200, false])
  })

  it('revokes the token when the visitor deletes their data: the erased id gets no other', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const { token } = (await issue(app, 'a1')).body
    expect((await call(app, '/v1/identity/delete', { writeKey: WRITE_KEY, token })).status).toBe(200)
    expect(refusal(await renew(app, token))).toEqual([403, 'invalid_token'])
    // The id's later events are dropped, so it never gets another: the browser starts a new id.
    await visit(app, 'a1', 'after-erasure')
    expect(refusal(await issue(app, 'a1'))).toEqual([409, 'token_not_ready'])
    expect(refusal(await issue(app, 'a1', 'after-erasure'))).toEqual([409, 'token_not_ready'])
  })

  it('gives no token for an id with nothing stored (no analytics consent): the browser asks again later', async () => {
    const { app } = testApp()
    const unstamped = event({ anonymousId: 'a1', messageId: firstMessageOf('a1'), context: {} })
    const req = post('/v1/batch', { writeKey: WRITE_KEY, batch: [unstamped] }, { origin: SHOP_ORIGIN })
    await app.request(req.path, req.init)
    expect(refusal(await issue(app, 'a1'))).toEqual([409, 'token_not_ready'])
    await visit(app, 'a1')
    expect((await issue(app, 'a1')).status).toBe(200)
  })

  it("refuses whoever merely knows the id, and they cannot squat the real browser's token", async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    await visit(app, 'a1', 'second-page')
    for (const guess of ['second-page', 'made-up', 'a1', `${firstMessageOf('a1')}x`]) {
      expect(refusal(await issue(app, 'a1', guess))).toEqual([403, 'token_unproven'])
    }
    const real = await issue(app, 'a1')
    expect(real.status).toBe(200)
    expect((await download(app, real.body.token)).body.events).toHaveLength(2)
  })

  it('revokes the tokens of a person an admin erases', async () => {
    const { app } = testApp()
    await visit(app, 'a1')
    const { token } = (await issue(app, 'a1')).body
    const erased = await app.request('/admin/api/profiles/a1?site=demo', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(erased.status).toBe(200)
    expect(refusal(await download(app, token))).toEqual([403, 'invalid_token'])
  })

  it.each([
    ['renew', '/v1/identity/token/renew'],
    ['revoke', '/v1/identity/revoke'],
  ])(
    "%s refuses another site's token, a forged one, a missing one, and a foreign origin",
    async (_, path) => {
      const { app } = testApp()
      await visit(app, 'a1')
      const { token } = (await issue(app, 'a1')).body
      const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
      const other = await call(app, path, { writeKey: 'other-write-key', token }, 'https://other.example')
      expect(refusal(other)).toEqual([403, 'invalid_token'])
      expect(refusal(await call(app, path, { writeKey: WRITE_KEY, token: forged }))).toEqual([
        403,
        'invalid_token',
      ])
      expect(refusal(await call(app, path, { writeKey: WRITE_KEY }))).toEqual([400, 'invalid_body'])
      expect(refusal(await call(app, path, { token }))).toEqual([401, 'unauthorized'])
      const stranger = await call(app, path, { writeKey: WRITE_KEY, token }, 'https://evil.example')
      expect(refusal(stranger)).toEqual([403, 'origin_not_allowed'])
      // None of it touched the real token.
      expect((await renew(app, token)).status).toBe(200)
    },
  )
})
