import { describe, expect, it } from 'vitest'
import { UA } from '../../test/support/enrich.ts'
import { enrichmentSchema } from './config.ts'
import { type RequestInput, readLocation, requestEnricher } from './enrich.ts'
import { createAgentParser } from './user-agent.ts'

const config = (fields: Record<string, unknown> = {}) => enrichmentSchema.parse(fields)
const request = (headers: Record<string, string> = {}, fields: Partial<RequestInput> = {}): RequestInput => ({
  peer: '203.0.113.77',
  header: (name) => headers[name],
  browser: true,
  ...fields,
})
const enrich = (input: RequestInput, fields: Record<string, unknown> = {}) =>
  requestEnricher(input, config(fields), createAgentParser())

describe('requestEnricher: user agent and bots', () => {
  it("adds browser, OS and device from the event's own userAgent and keeps the rest", () => {
    const context = { userAgent: UA.safariIphone, locale: 'en-US', page: { path: '/' } }
    const out = enrich(request({ 'user-agent': UA.chromeWindows }))(context)
    expect(out.bot).toBe(false)
    expect(out.context).toMatchObject({
      userAgent: UA.safariIphone,
      locale: 'en-US',
      page: { path: '/' },
      browser: { name: 'Mobile Safari', version: '17.5' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
    })
    expect(context).not.toHaveProperty('browser') // the event's own object is left alone
  })

  it("falls back to a browser request's User-Agent header", () => {
    const out = enrich(request({ 'user-agent': UA.chromeWindows }))(undefined)
    expect(out.context).toMatchObject({ browser: { name: 'Chrome' }, device: { type: 'desktop' } })
  })

  it('counts every event of a browser request whose own header is a bot as a bot', () => {
    const out = enrich(request({ 'user-agent': UA.headlessChrome }))({ userAgent: UA.chromeWindows })
    expect(out.bot).toBe(true)
    expect(out.context).toMatchObject({ bot: true, browser: { name: 'Chrome' } })
  })

  it("does not take a server request's header for the visitor's agent (no bot, no browser)", () => {
    const server = request({ 'user-agent': UA.analyticsNode }, { browser: false })
    const out = enrich(server)({ page: { path: '/' } })
    expect(out.bot).toBe(false)
    expect(out.context).not.toHaveProperty('browser')
    // A server that passes its visitor's agent on is read as usual.
    expect(enrich(server)({ userAgent: UA.googlebot }).bot).toBe(true)
  })

  it('flags a bot with context.bot and replaces what the client said about itself', () => {
    const out = enrich(request())({ userAgent: UA.googlebot, browser: { name: 'Made Up' }, bot: false })
    expect(out.bot).toBe(true)
    expect(out.context.bot).toBe(true)
    expect(out.context.browser).toBeUndefined()
    expect(JSON.parse(JSON.stringify(out.context))).toEqual({
      userAgent: UA.googlebot,
      bot: true,
      device: { type: 'desktop' },
      ip: '203.0.113.0',
    })
  })

  it('leaves context.bot out for people, even when the client claimed one', () => {
    const out = enrich(request())({ userAgent: UA.chromeWindows, bot: true })
    expect(out.bot).toBe(false)
    expect(JSON.stringify(out.context)).not.toContain('"bot"')
  })
})

describe('requestEnricher: IP', () => {
  it('stores the peer network in place of any context.ip the client sent', () => {
    const out = enrich(request())({ ip: '198.51.100.23' })
    expect(out.context.ip).toBe('203.0.113.0')
  })

  it('drops a client context.ip when the peer is unknown', () => {
    const out = enrich(request({}, { peer: undefined }))({ ip: '198.51.100.23' })
    expect(JSON.stringify(out.context)).toBe('{}')
  })

  it('keeps no address with ip: discard', () => {
    const out = enrich(request(), { ip: 'discard' })({ ip: '198.51.100.23' })
    expect(JSON.stringify(out.context)).toBe('{}')
  })

  it('ignores X-Forwarded-For unless the proxy is trusted', () => {
    const headers = { 'x-forwarded-for': '2001:db8:aa:bb::1, 10.0.0.1' }
    expect(enrich(request(headers))({}).context.ip).toBe('203.0.113.0')
    expect(enrich(request(headers), { trustProxy: true })({}).context.ip).toBe('2001:db8:aa::')
  })

  it("behind a trusted proxy, never stores the proxy's own address", () => {
    expect(enrich(request(), { trustProxy: true })({}).context.ip).toBeUndefined()
    const garbage = request({ 'x-forwarded-for': 'unknown' })
    expect(enrich(garbage, { trustProxy: true })({}).context.ip).toBeUndefined()
  })
})

describe('requestEnricher: geo', () => {
  const geo = { trustProxy: true, geoHeaders: { country: 'cf-ipcountry', region: 'x-region' } }

  it('reads country and region from the configured headers of a trusted proxy', () => {
    const headers = { 'cf-ipcountry': 'de', 'x-region': 'BY' }
    expect(enrich(request(headers), geo)({}).context.location).toEqual({ country: 'DE', region: 'BY' })
  })

  it('replaces whatever location the client sent: no city, no coordinates', () => {
    const client = { location: { city: 'Munich', latitude: 48.1, longitude: 11.6 } }
    expect(enrich(request({ 'cf-ipcountry': 'DE' }), geo)(client).context.location).toEqual({ country: 'DE' })
    expect(enrich(request())(client).context.location).toBeUndefined()
  })

  it.each([
    [
      'a full ISO 3166-2 code',
      { 'cf-ipcountry': 'US', 'x-region': 'US-CA' },
      { country: 'US', region: 'CA' },
    ],
    ['an unknown country (XX)', { 'cf-ipcountry': 'XX', 'x-region': 'ENG' }, { region: 'ENG' }],
    ['Tor (T1) and a region name', { 'cf-ipcountry': 'T1', 'x-region': 'California' }, undefined],
    ['a long country', { 'cf-ipcountry': 'Germany' }, undefined],
    ['no headers', {}, undefined],
  ])('validates the values: %s', (_name, headers, expected) => {
    expect(readLocation((name) => (headers as Record<string, string>)[name], geo.geoHeaders)).toEqual(
      expected,
    )
  })
})

describe('requestEnricher: Global Privacy Control', () => {
  const stamp = { categoryPreferences: { analytics: true, marketing: true } }
  it('adds gpc to the consent stamp of a request sent with Sec-GPC: 1', () => {
    const out = enrich(request({ 'sec-gpc': '1' }))({ consent: stamp })
    expect(out.context.consent).toEqual({ ...stamp, gpc: true })
    expect(stamp).not.toHaveProperty('gpc')
  })
  it('keeps the stamp as sent without the header, and a gpc the browser stamped itself', () => {
    expect(enrich(request())({ consent: stamp }).context.consent).toEqual(stamp)
    const own = { ...stamp, gpc: true }
    expect(enrich(request({ 'sec-gpc': '0' }))({ consent: own }).context.consent).toEqual(own)
  })
  it('makes no stamp where there was none (a server event)', () => {
    expect(enrich(request({ 'sec-gpc': '1' }))({}).context).not.toHaveProperty('consent')
  })
})
