import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { parseConfig } from '../config/site-config.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { SHOP_ORIGIN, testApp, WRITE_KEY } from '../testing.ts'

const withAssets = () => {
  const dir = mkdtempSync(join(tmpdir(), 'precis-assets-'))
  writeFileSync(join(dir, 'p.js'), 'console.log("sdk")')
  writeFileSync(join(dir, 'index.html'), '<h1>shop</h1>')
  const app = createApp({
    store: openSqliteStore(':memory:'),
    clock: { now: Date.now },
    config: {
      sites: parseConfig({ sites: [{ id: 'demo', writeKey: WRITE_KEY }] }),
      sdkBundlePath: join(dir, 'p.js'),
      demoRoot: dir,
    },
  })
  return app
}

describe('public routes', () => {
  it('GET /healthz', async () => {
    expect(await (await testApp().app.request('/healthz')).json()).toEqual({ ok: true })
  })

  it('serves the SDK bundle with an ETag and answers 304 when unchanged', async () => {
    const app = withAssets()
    const res = await app.request('/p.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/javascript/)
    expect(await res.text()).toBe('console.log("sdk")')
    const etag = res.headers.get('etag')!
    expect((await app.request('/p.js', { headers: { 'if-none-match': etag } })).status).toBe(304)
  })

  it('explains a missing bundle', async () => {
    const res = await testApp().app.request('/p.js')
    expect(res.status).toBe(404)
  })

  it('serves the demo site under /demo/', async () => {
    const app = withAssets()
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
    })
  })

  it.each([
    ['an unknown site', '/v1/sites/ghost/config', SHOP_ORIGIN, 404, 'site_not_found'],
    ['a disallowed origin', '/v1/sites/demo/config', 'https://evil.example', 403, 'origin_not_allowed'],
    ['an unknown route', '/v1/nothing', SHOP_ORIGIN, 404, 'not_found'],
  ])('refuses %s', async (_name, path, origin, status, code) => {
    const res = await testApp().app.request(path, { headers: { origin } })
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
  })
})
