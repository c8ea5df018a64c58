import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, testApp } from '../../test/support/collector-app.ts'
import { parseConfig } from '../config/site-config.ts'
import { niceTicks } from './assets/charts.js'
import { count, interval, percent, points, pValue, signedPercent, when } from './assets/format.js'
import { DASHBOARD_CSP } from './routes.ts'

describe('the dashboard files', () => {
  it('serves the page with a strict CSP, no sniffing and no referrer', async () => {
    const { app } = testApp()
    const res = await app.request('/admin/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP)
    expect(DASHBOARD_CSP).toContain("script-src 'self';")
    expect(DASHBOARD_CSP).not.toContain('unsafe')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await res.text()).toContain('<script type="module" src="/admin/assets/main.js">')
    const bare = await app.request('/admin')
    expect([bare.status, bare.headers.get('location')]).toEqual([302, '/admin/'])
  })

  it('serves every module the page imports, with its type and an ETag', async () => {
    const { app } = testApp()
    const dir = join(import.meta.dirname, 'assets')
    const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f))
    const imported = new Set(
      files.flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/from '\.\/([\w-]+\.js)'/g)].map((m) => m[1]),
      ),
    )
    for (const name of imported) expect(files).toContain(name)
    for (const name of files) {
      const res = await app.request(`/admin/assets/${name}`)
      expect(res.status, name).toBe(200)
      expect(res.headers.get('content-type')).toMatch(
        name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
      )
      expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP)
      const again = await app.request(`/admin/assets/${name}`, {
        headers: { 'if-none-match': res.headers.get('etag') ?? '' },
      })
      expect(again.status).toBe(304)
    }
    for (const path of [
      '/admin/assets/nope.js',
      '/admin/assets/..%2Froutes.ts',
      '/admin/assets/stats.test.ts',
    ])
      expect((await app.request(path)).status, path).toBe(404)
  })

  it('lists the sites and their slots behind the admin token', async () => {
    const sites = parseConfig({
      sites: [
        {
          id: 'shop',
          name: 'The shop',
          timezone: 'Asia/Shanghai',
          writeKey: 'shop-write-key',
          personalization: {
            segments: { fans: { rule: { 'traits.plan': 'pro' } } },
            slots: { hero: { variants: [{ key: 'a', segment: 'fans', content: { heading: 'Hi' } }] } },
          },
        },
        { id: 'blog', writeKey: 'blog-write-key' },
      ],
    })
    const { app } = testApp({ sites })
    expect((await app.request('/admin/api/sites')).status).toBe(401)
    const res = await app.request('/admin/api/sites', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(await res.json()).toEqual({
      sites: [
        // Version 0: a config saved nowhere (tests); the collector serves the database's versions.
        { id: 'shop', name: 'The shop', timezone: 'Asia/Shanghai', slots: ['hero'], version: 0 },
        { id: 'blog', name: 'blog', timezone: 'UTC', slots: [], version: 0 },
      ],
    })
  })
})

describe("the page's numbers", () => {
  it('shows a time in the site time zone, named', () => {
    expect(when('2026-12-05T14:03:00Z', 'UTC')).toBe('5 Dec 2026, 14:03 UTC')
    expect(when('2026-12-05T14:03:00Z', 'Asia/Shanghai')).toBe('5 Dec 2026, 22:03 GMT+8')
    expect(when('not a time', 'UTC')).toBe('–')
  })

  it('gives ticks and text', () => {
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4])
    expect(niceTicks(-0.12, 0.3)).toEqual([-0.2, -0.1, 0, 0.1, 0.2, 0.3])
    expect(niceTicks(0, 0)).toEqual([0, 1])
    expect(niceTicks(0, 7)).toEqual([0, 2, 4, 6, 8])
    expect([count(12345), percent(0.1234), signedPercent(0.05), signedPercent(-0.05), points(0.012)]).toEqual(
      ['12,345', '12.3%', '+5.0%', '-5.0%', '+1.20 pp'],
    )
    expect([pValue(0.0004), pValue(0.04321), percent(null), interval([-0.01, 0.05], signedPercent)]).toEqual([
      '< 0.001',
      '0.043',
      '–',
      '[-1.0%, +5.0%]',
    ])
  })
})
