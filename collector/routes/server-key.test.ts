// Two kinds of key per site: the public write key (it ships to every browser) stores only events
// made with consent; the secret server key, for servers, may store events without a stamp and
// import history, and is refused from browser pages.
import { describe, expect, it } from 'vitest'
import {
  consentRecord,
  event,
  post,
  SERVER_KEY,
  SHOP_ORIGIN,
  testApp,
  testSites,
  tokenRequest,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { parseConfig } from '../config/site-config.ts'

type App = ReturnType<typeof testApp>['app']
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
/** An event with no consent stamp at all, as a server library sends it. */
const unstamped = (messageId: string) =>
  event({ messageId, context: { library: { name: 'analytics-node' } } })

const send = async (
  app: App,
  path: string,
  key: string,
  batch: object[],
  headers: Record<string, string> = {},
) => {
  const req = post(path, { batch }, { authorization: basic(key), ...headers })
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: await res.json() }
}

describe('the public write key and the secret server key', () => {
  it('the write key stores no event without a consent stamp, with or without an Origin', async () => {
    const { app, store } = testApp()
    const bare = await send(app, '/v1/batch', WRITE_KEY, [unstamped('w-1')])
    expect([bare.status, bare.body.error.code]).toEqual([403, 'consent_required'])
    const page = await send(app, '/v1/batch', WRITE_KEY, [unstamped('w-2')], { origin: SHOP_ORIGIN })
    expect([page.status, page.body.error.code]).toEqual([403, 'consent_required'])
    // Events made with consent are stored as before.
    expect((await send(app, '/v1/batch', WRITE_KEY, [event({ messageId: 'w-3' })])).status).toBe(200)
    expect((await store.listEvents('demo', { limit: 10 })).events.map((e) => e.messageId)).toEqual(['w-3'])
  })

  it('the server key stores events without a stamp, and imports; never from a browser page', async () => {
    const { app, store } = testApp()
    expect((await send(app, '/v1/batch', SERVER_KEY, [unstamped('s-1')])).body).toMatchObject({ inserted: 1 })
    expect((await send(app, '/v1/import', SERVER_KEY, [unstamped('s-2')])).body).toMatchObject({
      inserted: 1,
    })
    const single = await app.request('/v1/track', {
      method: 'POST',
      headers: { authorization: basic(SERVER_KEY), 'content-type': 'application/json' },
      body: JSON.stringify(unstamped('s-3')),
    })
    expect(single.status).toBe(200)
    const leaked = await send(app, '/v1/batch', SERVER_KEY, [unstamped('s-4')], { origin: SHOP_ORIGIN })
    expect([leaked.status, leaked.body.error.code]).toEqual([403, 'server_key_in_browser'])
    expect((await store.listEvents('demo', { limit: 10 })).total).toBe(3)
  })

  it('imports take the server key only; rights and consent routes take the write key only', async () => {
    const { app } = testApp()
    const imported = await send(app, '/v1/import', WRITE_KEY, [event()])
    expect([imported.status, imported.body.error.code]).toEqual([403, 'server_key_required'])
    const consent = post('/v1/consent', { ...consentRecord(), writeKey: SERVER_KEY })
    const refused = await app.request(consent.path, consent.init)
    expect([refused.status, (await refused.json()).error.code]).toEqual([401, 'unauthorized'])
    const token = post('/v1/identity/token', tokenRequest('a-1', SERVER_KEY))
    expect((await app.request(token.path, token.init)).status).toBe(401)
  })

  it('a previous server key keeps working during a rotation; keys are unique across kinds and sites', async () => {
    const sites = testSites()
    const rotated = {
      ...sites,
      sites: sites.sites.map((s) =>
        s.id === 'demo'
          ? { ...s, serverKey: 'demo-server-key-NEW-0123456789', previousServerKey: SERVER_KEY }
          : s,
      ),
    }
    const { app } = testApp({ sites: parseConfig(rotated) })
    expect((await send(app, '/v1/batch', SERVER_KEY, [unstamped('r-1')])).status).toBe(200)
    expect((await send(app, '/v1/batch', 'demo-server-key-NEW-0123456789', [unstamped('r-2')])).status).toBe(
      200,
    )
    const clash = {
      sites: [
        { id: 'a', writeKey: 'same-key-0123456789abcdefghij' },
        { id: 'b', writeKey: 'b-write-key', serverKey: 'same-key-0123456789abcdefghij' },
      ],
    }
    expect(() => parseConfig(clash)).toThrow(/sites\[1\]\.serverKey: duplicate serverKey/)
  })
})
