import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createApp } from '../app.ts'
import { parseConfig } from '../config/site-config.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { ADMIN_TOKEN, event, GRANTED, NOW, post, SHOP_ORIGIN, testApp, WRITE_KEY } from '../testing.ts'
import { shownTextHash, userAgentFamily } from './consent.ts'

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const record = (overrides: Record<string, unknown> = {}) => ({
  writeKey: WRITE_KEY,
  consentId: 'consent-1',
  version: 1,
  purposes: GRANTED,
  source: 'banner',
  language: 'en',
  gpc: false,
  timestamp: '2026-11-23T11:59:00.000Z',
  ...overrides,
})
const admin = (app: ReturnType<typeof testApp>['app'], path: string) =>
  app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })

describe('POST /v1/consent', () => {
  it('appends a record with what was shown, the browser family and no IP', async () => {
    const { app, store } = testApp()
    const req = post('/v1/consent', record(), {
      origin: SHOP_ORIGIN,
      'user-agent': CHROME,
      'x-forwarded-for': '203.0.113.9',
    })
    const res = await app.request(req.path, req.init)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      success: true,
      seq: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    const [stored] = await store.consentHistory('demo', 'consent-1')
    expect(stored).toMatchObject({
      consentId: 'consent-1',
      version: 1,
      source: 'banner',
      userAgent: 'Chrome 131 / Linux',
      clientTime: '2026-11-23T11:59:00.000Z',
      receivedAt: NOW,
      prevHash: '0'.repeat(64),
    })
    expect(JSON.stringify(stored)).not.toContain('203.0.113.9')
    expect(JSON.stringify(stored)).not.toContain('AppleWebKit')
  })

  it.each([
    ['no write key', record({ writeKey: undefined }), 401, 'unauthorized'],
    ['necessary switched off', record({ purposes: { ...GRANTED, necessary: false } }), 400, 'invalid_body'],
    ['an unknown source', record({ source: 'guess' }), 400, 'invalid_body'],
    ['an unknown language', record({ language: 'fr' }), 400, 'invalid_body'],
    ['a huge body', record({ consentId: 'x'.repeat(9000) }), 413, 'payload_too_large'],
  ])('refuses %s with a stable code and stores nothing', async (_name, body, status, code) => {
    const { app, store } = testApp()
    const req = post('/v1/consent', body)
    const res = await app.request(req.path, req.init)
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    expect(await store.consentChain('demo')).toEqual([])
  })

  it('hashes the texts and services as served, overrides included', () => {
    const [plain, custom] = parseConfig({
      sites: [
        { id: 'a', writeKey: 'key-aaaaaaaa' },
        { id: 'b', writeKey: 'key-bbbbbbbb', consent: { strings: { en: { acceptAll: 'OK' } } } },
      ],
    }).sites
    expect(shownTextHash(plain!, 'en')).not.toBe(shownTextHash(custom!, 'en'))
    expect(shownTextHash(plain!, 'en')).not.toBe(shownTextHash(plain!, 'zh-CN'))
    expect(shownTextHash(plain!, 'en')).toBe(shownTextHash(plain!, 'en'))
    expect(userAgentFamily(undefined)).toBe('unknown / unknown')
  })
})

describe('consent admin API', () => {
  it("lists a consent id's history, oldest first, and 404s an unknown one", async () => {
    const { app } = testApp()
    for (const analytics of [true, false]) {
      const req = post('/v1/consent', record({ purposes: { ...GRANTED, analytics } }))
      await app.request(req.path, req.init)
    }
    const res = await admin(app, '/admin/api/consent/consent-1?site=demo')
    const body = (await res.json()) as { records: { seq: number; purposes: { analytics: boolean } }[] }
    expect(body.records.map((r) => [r.seq, r.purposes.analytics])).toEqual([
      [1, true],
      [2, false],
    ])
    expect((await admin(app, '/admin/api/consent/ghost?site=demo')).status).toBe(404)
    expect((await app.request('/admin/api/consent/consent-1?site=demo')).status).toBe(401)
  })

  it('detects an edited and a deleted record in the database', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'precis-ledger-')), 'precis.db')
    const app = createApp({
      store: openSqliteStore(path),
      clock: { now: () => NOW },
      config: {
        sites: parseConfig({ sites: [{ id: 'demo', writeKey: WRITE_KEY }] }),
        adminToken: ADMIN_TOKEN,
      },
    })
    for (let i = 1; i <= 4; i++) {
      const req = post('/v1/consent', record({ consentId: `c${i}` }))
      expect((await app.request(req.path, req.init)).status).toBe(200)
    }
    const verify = async () => (await admin(app, '/admin/api/consent/verify?site=demo')).json()
    expect(await verify()).toEqual({ site: 'demo', ok: true, records: 4 })

    const db = new Database(path)
    db.prepare(`UPDATE consent_records SET purposes = ? WHERE seq = 2`).run(
      JSON.stringify({ necessary: true, analytics: true, personalization: true, marketing: true }),
    )
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'hash mismatch' } })
    db.prepare('DELETE FROM consent_records WHERE seq = 2').run()
    expect(await verify()).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'missing record' } })
    db.close()
  })
})

describe('consent enforcement on ingest', () => {
  const withConsent = (categoryPreferences?: object) =>
    event({ context: categoryPreferences ? { consent: { categoryPreferences } } : {} })

  it.each([
    ['stamped without analytics', withConsent({ ...GRANTED, analytics: false }), {}],
    ['unstamped, from a browser', withConsent(), { origin: SHOP_ORIGIN }],
  ])('refuses an event %s and stores nothing', async (_name, e, headers) => {
    const { app, store } = testApp()
    const req = post('/v1/batch', { batch: [e], writeKey: WRITE_KEY }, headers)
    const res = await app.request(req.path, req.init)
    expect(res.status).toBe(403)
    expect(((await res.json()) as { error: { code: string; path: string } }).error).toMatchObject({
      code: 'consent_required',
      path: 'batch[0].context.consent',
    })
    expect((await store.listEvents('demo', { limit: 5 })).total).toBe(0)
  })

  it('keeps consented events of a mixed batch and accepts unstamped server-side events', async () => {
    const { app, store } = testApp()
    const batch = [withConsent({ ...GRANTED, analytics: false }), event(), withConsent()]
    const req = post('/v1/batch', { batch, writeKey: WRITE_KEY })
    const body = (await (await app.request(req.path, req.init)).json()) as {
      inserted: number
      rejected: { index: number; code: string }[]
    }
    expect(body.inserted).toBe(2)
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([[0, 'consent_required']])
    expect((await store.listEvents('demo', { limit: 5 })).total).toBe(2)
  })
})
