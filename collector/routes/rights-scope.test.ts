// What a browser's self-service token reaches: its own device, and what the site vouched for.
// The attack: a browser claims a victim's user id (or email) with the public write key, then
// downloads or deletes "its" data.
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
import { userHash } from '../identity/verification.ts'

const SECRET = 'site-identity-secret-0123456789abcdef'
type App = ReturnType<typeof testApp>['app']

const call = async (app: App, path: string, body: object) => {
  const req = post(
    path,
    { writeKey: WRITE_KEY, ...body },
    { 'content-type': 'text/plain', origin: SHOP_ORIGIN },
  )
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: await res.json() }
}
/** The ids each app has seen: an id's first event carries the messageId its browser keeps. */
const seen = new WeakMap<App, Set<unknown>>()
const send = (app: App, ...batch: Record<string, unknown>[]) => {
  const ids = seen.get(app) ?? seen.set(app, new Set()).get(app)!
  const tagged = batch.map((e) => {
    if (ids.has(e.anonymousId)) return e
    ids.add(e.anonymousId)
    return { ...e, messageId: firstMessageOf(String(e.anonymousId)) }
  })
  return call(app, '/v1/batch', { batch: tagged })
}
const token = async (app: App, anonymousId: string) =>
  (await call(app, '/v1/identity/token', tokenRequest(anonymousId))).body.token as string
const admin = async (app: App, path: string, method = 'GET') =>
  (await app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()

const identify = (anonymousId: string, userId: string | undefined, traits: object, context: object = {}) =>
  event({
    type: 'identify',
    event: undefined,
    anonymousId,
    userId,
    traits,
    context: { ...event().context, ...context },
  })

/** The victim on their phone, signed in on the site (which vouches for the user id). */
const victim = async (app: App) => {
  await send(
    app,
    identify(
      'v-phone',
      'victim-7',
      { email: 'vic@example.com', name: 'Victoria', phone: '+44 7700 900123' },
      { userHash: userHash(SECRET, 'victim-7') },
    ),
    event({ anonymousId: 'v-phone', userId: 'victim-7', event: 'Order Completed' }),
  )
}

describe("a browser's token reaches its own data only", () => {
  it.each([
    ["the victim's user id", identify('x-1', 'victim-7', { name: 'Mallory' })],
    ["the victim's email", identify('x-1', undefined, { email: 'vic@example.com' })],
    ['a forged signature', identify('x-1', 'victim-7', {}, { userHash: 'ab'.repeat(32) })],
  ])('an attacker claiming %s downloads and deletes nothing of the victim', async (_, claim) => {
    const { app, store } = testApp({ identitySecrets: { demo: SECRET } })
    const p = await store.pseudonyms('demo')
    await victim(app)
    await send(app, claim, event({ anonymousId: 'x-1', event: 'Browsed' }))
    const attacker = await token(app, 'x-1')

    const download = await call(app, '/v1/identity/export', { token: attacker })
    expect(download.status).toBe(200)
    const text = JSON.stringify(download.body)
    for (const secret of ['Victoria', '+44 7700 900123', 'v-phone', p('v-phone'), 'Order Completed'])
      expect(text).not.toContain(secret)
    // Device ids are kept (and shown) only as pseudonyms.
    expect(download.body.events.every((e: { anonymousId: string }) => e.anonymousId === p('x-1'))).toBe(true)
    expect(download.body.profile.identifiers).toEqual([{ kind: 'anonymous', value: p('x-1') }])

    const erased = await call(app, '/v1/identity/delete', { token: attacker })
    expect(erased).toEqual({ status: 200, body: { success: true, events: 2 } })
    const kept = await admin(app, '/admin/api/profiles/victim-7/export?site=demo')
    expect(kept.events.map((e: { event?: string; type: string }) => e.event ?? e.type)).toEqual([
      'identify',
      'Order Completed',
    ])
    expect(kept.profile.traits.name).toBe('Victoria')
    // The victim is not suppressed: their next event is stored and counted.
    await send(app, event({ anonymousId: 'v-phone', userId: 'victim-7', event: 'Came Back' }))
    const after = await admin(app, '/admin/api/profiles/victim-7?site=demo')
    expect(after.profile.counts).toEqual({ identify: 1, track: 2 })
  })

  it("a verified sign-in extends the token to the person's other signed-in devices", async () => {
    const { app, store } = testApp({ identitySecrets: { demo: SECRET } })
    const p = await store.pseudonyms('demo')
    await victim(app)
    await send(app, identify('v-laptop', 'victim-7', {}, { userHash: userHash(SECRET, 'victim-7') }))
    const laptop = await token(app, 'v-laptop')
    const download = await call(app, '/v1/identity/export', { token: laptop })
    expect(download.body.profile.identifiers).toHaveLength(3)
    expect(download.body.profile.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'user', value: 'victim-7' },
        { kind: 'anonymous', value: p('v-laptop') },
        { kind: 'anonymous', value: p('v-phone') },
      ]),
    )
    expect(download.body.events).toHaveLength(3)
    expect(download.body.profile.traits.name).toBe('Victoria')
  })

  it('without a site secret nothing is verified: a token reaches its browser alone', async () => {
    const { app, store } = testApp()
    const p = await store.pseudonyms('demo')
    await victim(app)
    await send(app, identify('v-laptop', 'victim-7', {}, { userHash: userHash(SECRET, 'victim-7') }))
    const laptop = await token(app, 'v-laptop')
    const download = await call(app, '/v1/identity/export', { token: laptop })
    expect(download.body.profile.identifiers).toEqual([{ kind: 'anonymous', value: p('v-laptop') }])
    expect(download.body.events).toHaveLength(1)
  })
})

it('a delete after retention removed everything answers 404 and still revokes the token', async () => {
  const { app, store } = testApp()
  await send(app, event({ anonymousId: 'pruned' }))
  const t = await token(app, 'pruned')
  expect(await store.deleteEventsBefore('demo', NOW + 1)).toBe(1)
  const erased = await call(app, '/v1/identity/delete', { token: t })
  expect([erased.status, erased.body.error.code]).toEqual([404, 'profile_not_found'])
  const again = await call(app, '/v1/identity/export', { token: t })
  expect([again.status, again.body.error.code]).toEqual([403, 'invalid_token'])
})

describe('identity verification at ingest', () => {
  it('stores the verdict, never the hash, and never a verdict the client claimed', async () => {
    const { app, store } = testApp({ identitySecrets: { demo: SECRET } })
    await send(
      app,
      identify('a1', 'u1', {}, { userHash: userHash(SECRET, 'u1') }),
      identify('a2', 'u2', {}, { userHash: userHash(SECRET, 'u1') }),
      identify('a3', 'u3', {}, { userVerified: true }),
    )
    const { events } = await store.listEvents('demo', { limit: 10 })
    const p = await store.pseudonyms('demo')
    const byAnon = Object.fromEntries(events.map((e) => [e.anonymousId, JSON.parse(e.payload).context]))
    expect(byAnon[p('a1')].userVerified).toBe(true)
    expect(byAnon[p('a2')].userVerified).toBeUndefined()
    expect(byAnon[p('a3')].userVerified).toBeUndefined()
    for (const e of events) expect(e.payload).not.toContain('userHash')
  })
})
