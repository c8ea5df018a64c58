// Enrichment through the real routes: createApp, app.request, SQLite in memory.
import { describe, expect, it } from 'vitest'
import { basic, event, GRANTED, post, SHOP_ORIGIN, WRITE_KEY } from '../../test/support/collector-app.ts'
import { enrichedApp, fromPeer, UA } from '../../test/support/enrich.ts'

type App = ReturnType<typeof enrichedApp>

const send = async ({ app }: App, req: ReturnType<typeof post>, peer = '203.0.113.77') => {
  const res = await app.request(req.path, req.init, fromPeer(peer))
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
/** The stored events' contexts, by messageId. */
const contexts = async ({ store }: App) => {
  const { events } = await store.listEvents('demo', { limit: 100 })
  return Object.fromEntries(events.map((e) => [e.messageId, JSON.parse(e.payload).context]))
}
const browserEvent = (messageId: string, userAgent: string, extra: Record<string, unknown> = {}) =>
  event({ messageId, context: { consent: { categoryPreferences: GRANTED }, userAgent, ...extra } })
const fromShop = { origin: SHOP_ORIGIN }

describe('enrichment at ingest', () => {
  it('stores browser, OS, device and the /24 instead of the address the client sent', async () => {
    const app = enrichedApp()
    const batch = [browserEvent('m1', UA.safariIphone, { ip: '198.51.100.23' })]
    expect((await send(app, post('/v1/batch', { batch, writeKey: WRITE_KEY }, fromShop))).status).toBe(200)
    const { m1 } = await contexts(app)
    expect(m1).toMatchObject({
      browser: { name: 'Mobile Safari', version: '17.5' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
      ip: '203.0.113.0',
    })
    expect(m1).not.toHaveProperty('bot')
  })

  it('reads an IPv4 peer of a dual-stack socket as IPv4', async () => {
    const app = enrichedApp()
    await send(
      app,
      post('/v1/batch', { batch: [event({ messageId: 'm1' })], writeKey: WRITE_KEY }),
      '::ffff:192.0.2.9',
    )
    expect((await contexts(app)).m1.ip).toBe('192.0.2.0')
  })

  it('stores no address at all where no peer is known, the client one included', async () => {
    const app = enrichedApp()
    const req = post('/v1/batch', {
      batch: [browserEvent('m1', UA.chromeWindows, { ip: '198.51.100.23' })],
      writeKey: WRITE_KEY,
    })
    expect((await app.app.request(req.path, req.init)).status).toBe(200)
    expect((await contexts(app)).m1).not.toHaveProperty('ip')
  })

  it('stores no address with ip: discard', async () => {
    const app = enrichedApp({ ip: 'discard' })
    await send(
      app,
      post('/v1/batch', {
        batch: [browserEvent('m1', UA.chromeWindows, { ip: '198.51.100.23' })],
        writeKey: WRITE_KEY,
      }),
    )
    expect(JSON.stringify(await contexts(app))).not.toMatch(/198\.51|203\.0|"ip"/)
  })
})

describe('bot traffic', () => {
  const batch = () => [browserEvent('bot', UA.googlebot), browserEvent('person', UA.chromeWindows)]

  it('is stored and flagged by default, headless Chromium included (the e2e tests drive it)', async () => {
    const app = enrichedApp()
    const body = { batch: [...batch(), browserEvent('headless', UA.headlessChrome)], writeKey: WRITE_KEY }
    expect((await send(app, post('/v1/batch', body, fromShop))).body).toMatchObject({
      inserted: 3,
      rejected: [],
    })
    const stored = await contexts(app)
    expect([stored.bot?.bot, stored.person?.bot, stored.headless?.bot]).toEqual([true, undefined, true])
  })

  it('is refused per event with bots: drop, keeping the people of the batch', async () => {
    const app = enrichedApp({ bots: 'drop' })
    const res = await send(app, post('/v1/batch', { batch: batch(), writeKey: WRITE_KEY }, fromShop))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 1, inserted: 1 })
    const [rejection, ...more] = res.body.rejected as Record<string, unknown>[]
    expect(more).toEqual([])
    expect(rejection).toEqual({
      index: 0,
      messageId: 'bot',
      code: 'bot_traffic',
      message: expect.any(String),
      path: 'batch[0]',
    })
    expect(Object.keys(await contexts(app))).toEqual(['person'])
  })

  it('makes a batch of bots only a 400, like any batch without a valid event', async () => {
    const app = enrichedApp({ bots: 'drop' })
    const body = {
      batch: [browserEvent('b1', UA.googlebot), browserEvent('b2', UA.headlessChrome)],
      writeKey: WRITE_KEY,
    }
    const res = await send(app, post('/v1/batch', body, fromShop))
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'bot_traffic', path: 'batch[0]' })
    expect(res.body.rejected).toHaveLength(2)
    expect(await contexts(app)).toEqual({})
  })

  it("is told from a browser request's User-Agent header when the event names none", async () => {
    const app = enrichedApp({ bots: 'drop' })
    const single = {
      event: 'Clicked',
      anonymousId: 'a',
      context: { consent: { categoryPreferences: GRANTED } },
    }
    const headers = { ...fromShop, 'user-agent': UA.headlessChrome }
    const res = await send(app, post('/v1/track', { ...single, writeKey: WRITE_KEY }, headers))
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'bot_traffic' })
  })

  it("keeps server events: the server library's User-Agent is not the visitor's", async () => {
    const app = enrichedApp({ bots: 'drop' })
    const headers = { authorization: basic(WRITE_KEY), 'user-agent': UA.analyticsNode }
    const res = await send(app, post('/v1/batch', { batch: [event({ messageId: 's1' })] }, headers))
    expect(res.body).toMatchObject({ inserted: 1, rejected: [] })
    expect((await contexts(app)).s1).not.toHaveProperty('bot')
  })
})

describe('behind a proxy', () => {
  const headers = {
    ...fromShop,
    'x-forwarded-for': '2001:db8:aa:bb::1, 10.0.0.1',
    'cf-ipcountry': 'DE',
    'x-vercel-ip-country-region': 'BY',
  }
  const geoHeaders = { country: 'cf-ipcountry', region: 'x-vercel-ip-country-region' }
  const body = () => ({
    batch: [browserEvent('m1', UA.chromeWindows, { location: { city: 'Munich' } })],
    writeKey: WRITE_KEY,
  })

  it('takes the first X-Forwarded-For entry and the geo headers with trustProxy', async () => {
    const app = enrichedApp({ trustProxy: true, geoHeaders })
    await send(app, post('/v1/batch', body(), headers), '10.0.0.1')
    expect((await contexts(app)).m1).toMatchObject({
      ip: '2001:db8:aa::',
      location: { country: 'DE', region: 'BY' },
    })
  })

  it('believes neither without trustProxy, and drops the client location', async () => {
    const app = enrichedApp()
    await send(app, post('/v1/batch', body(), headers), '10.0.0.1')
    const { m1 } = await contexts(app)
    expect(m1.ip).toBe('10.0.0.0')
    expect(m1).not.toHaveProperty('location')
  })
})
