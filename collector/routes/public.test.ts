import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SHOP_ORIGIN, testApp, WRITE_KEY } from '../../test/support/collector-app.ts'
import { TEST_LEDGER_KEYRING } from '../../test/support/ledger-keys.ts'
import { PERSONALIZATION, personalizedSites } from '../../test/support/personalization.ts'
import { createApp } from '../app.ts'
import { parseConfig } from '../config/site-config.ts'
import { openSqliteStore } from '../store/sqlite/store.ts'

/** An app serving bundles from a temp folder; `files` are written there first (the build's output). */
const withAssets = (files: Record<string, string> = BUILT) => {
  const dir = mkdtempSync(join(tmpdir(), 'precis-assets-'))
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  writeFileSync(join(dir, 'index.html'), '<h1>shop</h1>')
  const app = createApp({
    store: openSqliteStore(':memory:'),
    clock: { now: Date.now },
    config: {
      ledgerKeys: TEST_LEDGER_KEYRING,
      sites: parseConfig({ sites: [{ id: 'demo', writeKey: WRITE_KEY }] }),
      bundleDir: dir,
      demoRoot: dir,
    },
  })
  return { app, dir }
}
const BUILT = {
  'p.js': 'console.log("sdk")',
  'p-vitals.js': 'precisVitals({})',
  'p-consent.js': 'precisConsentUi(() => {})',
  'p-personalize.js': 'precisPersonalize(() => {})',
}

describe('public routes', () => {
  it('GET /healthz', async () => {
    expect(await (await testApp().app.request('/healthz')).json()).toEqual({ ok: true })
  })

  it.each(Object.keys(BUILT))('serves /%s with an ETag and answers 304 when unchanged', async (file) => {
    const { app } = withAssets()
    const res = await app.request(`/${file}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400')
    expect(await res.text()).toBe(BUILT[file as keyof typeof BUILT])
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]{27}"$/)
    const again = await app.request(`/${file}`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    expect(await again.text()).toBe('')
    expect((await app.request(`/${file}`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200)
  })

  it('gives each bundle its own ETag', async () => {
    const { app } = withAssets()
    const etags = await Promise.all(
      Object.keys(BUILT).map(async (file) => (await app.request(`/${file}`)).headers.get('etag')),
    )
    expect(new Set(etags).size).toBe(Object.keys(BUILT).length)
  })

  it.each([
    ['/p.js', 'the SDK bundle'],
    ['/p-vitals.js', 'the web-vitals chunk'],
    ['/p-consent.js', 'the consent banner chunk'],
    ['/p-personalize.js', 'the segments and slots chunk'],
  ])('explains an unconfigured %s with the stable error shape', async (path, name) => {
    const res = await testApp().app.request(path)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: `${name} is not configured` } })
  })

  it('answers 404 until the web-vitals chunk is built, then serves it', async () => {
    const { app, dir } = withAssets({ 'p.js': BUILT['p.js'] })
    const missing = await app.request('/p-vitals.js')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'the web-vitals chunk is not built: run npm run build' },
    })
    expect((await app.request('/p.js')).status).toBe(200)
    writeFileSync(join(dir, 'p-vitals.js'), BUILT['p-vitals.js'])
    const built = await app.request('/p-vitals.js')
    expect(built.status).toBe(200)
    expect(await built.text()).toBe(BUILT['p-vitals.js'])
  })

  it('serves the demo site under /demo/', async () => {
    const { app } = withAssets()
    expect(await (await app.request('/demo/')).text()).toBe('<h1>shop</h1>')
    expect((await app.request('/demo')).status).toBe(302)
  })

  it('gives a page of an allowed origin its site config', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/sites/demo/config', { headers: { origin: SHOP_ORIGIN } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    expect(await res.json()).toEqual({
      site: 'demo',
      writeKey: WRITE_KEY,
      consent: { version: 1, maxAgeDays: 182, mode: 'opt-in', language: 'auto', strings: {}, services: [] },
      personalization: {
        segments: {},
        slots: {},
        history: { maxEvents: 1000, maxDays: 90, properties: [] },
        rfm: {
          event: 'Order Completed',
          revenue: 'revenue',
          within: '365d',
          recency: [7, 30, 90, 180],
          frequency: [2, 3, 5, 8],
          monetary: [50, 200, 500, 1000],
        },
      },
      experiments: [],
    })
    expect(res.headers.get('cache-control')).toBe('public, max-age=60')
  })

  it("includes the site's segments and slots, as configured and with defaults filled", async () => {
    const { app } = testApp({ sites: personalizedSites() })
    const res = await app.request('/v1/sites/demo/config', { headers: { origin: SHOP_ORIGIN } })
    expect(res.headers.get('cache-control')).toBe('public, max-age=60')
    const { personalization } = await res.json()
    expect(personalization.segments).toEqual(PERSONALIZATION.segments)
    expect(personalization.slots['home-hero']).toEqual({
      ...PERSONALIZATION.slots['home-hero'],
      timeout: 300,
      variants: PERSONALIZATION.slots['home-hero'].variants.map((v) => ({ priority: 0, ...v })),
    })
    expect(personalization.slots.banner).toMatchObject({ holdout: 0.05, timeout: 300 })
    expect(personalization.history.maxDays).toBe(90)
  })

  it.each([
    ['an unknown site', '/v1/sites/ghost/config', SHOP_ORIGIN, 404, 'site_not_found'],
    ['a disallowed origin', '/v1/sites/demo/config', 'https://evil.example', 403, 'origin_not_allowed'],
    ['an unknown route', '/v1/nothing', SHOP_ORIGIN, 404, 'not_found'],
    ['NUL in the address', '/v1/sites/demo%00/config', SHOP_ORIGIN, 400, 'invalid_query'],
  ])('refuses %s', async (_name, path, origin, status, code) => {
    const res = await testApp().app.request(path, { headers: { origin } })
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
  })
})
