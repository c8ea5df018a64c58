import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  consentRecord,
  event,
  GRANTED,
  post,
  testApp,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { hashRecord } from '../ledger/chain.ts'
import { type ConsentRow, fromConsentRow } from '../ledger/record-row.ts'

const get = (app: ReturnType<typeof testApp>['app'], path: string, token?: string) =>
  app.request(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

describe('GET /admin/api/events', () => {
  it('lists stored events newest first with the total', async () => {
    const { app } = testApp()
    for (const id of ['first', 'second', 'third']) {
      const req = post('/v1/batch', { batch: [event({ messageId: id })], writeKey: WRITE_KEY })
      await app.request(req.path, req.init)
    }
    const res = await get(app, '/admin/api/events?site=demo&limit=2', ADMIN_TOKEN)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { total: number; events: { messageId: string; receivedAt: string }[] }
    expect(body.total).toBe(3)
    // Same receivedAt (fixed clock): arrival order decides.
    expect(body.events.map((e) => e.messageId)).toEqual(['third', 'second'])
    expect(body.events[0]).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      receivedAt: '2026-11-23T12:00:00.000Z',
    })
  })

  it.each([
    ['no token', undefined],
    ['a wrong token', 'wrong'],
    ['a token that is a prefix of the right one', ADMIN_TOKEN.slice(0, -1)],
  ])('refuses %s', async (_name, token) => {
    const { app } = testApp()
    const res = await get(app, '/admin/api/events?site=demo', token)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
  })

  it('refuses every call when no admin token is configured', async () => {
    const { app } = testApp({ adminToken: undefined })
    const res = await get(app, '/admin/api/events?site=demo', '')
    expect(res.status).toBe(401)
    const { error } = (await res.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('admin_disabled')
    expect(error.message).toMatch(/PRECIS_ADMIN_TOKEN/)
  })

  it.each([
    ['no site', '/admin/api/events', 400, 'invalid_query'],
    ['a limit over 1000', '/admin/api/events?site=demo&limit=1001', 400, 'invalid_query'],
    ['a limit that is not a number', '/admin/api/events?site=demo&limit=ten', 400, 'invalid_query'],
    ['an unknown site', '/admin/api/events?site=ghost', 404, 'site_not_found'],
    ['NUL in a query', '/admin/api/profiles/a%00?site=demo', 400, 'invalid_query'],
  ])('answers %s with a stable code', async (_name, path, status, code) => {
    const { app } = testApp()
    const res = await get(app, path, ADMIN_TOKEN)
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
  })
})

describe('consent admin API', () => {
  const append = async (app: ReturnType<typeof testApp>['app'], overrides: Record<string, unknown> = {}) => {
    const req = post('/v1/consent', consentRecord(overrides))
    expect((await app.request(req.path, req.init)).status).toBe(200)
  }
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>

  it("lists a consent id's records oldest first, of that site only", async () => {
    const { app } = testApp()
    await append(app)
    await append(app, { consentId: 'someone-else' })
    await append(app, { purposes: { ...GRANTED, analytics: false }, source: 'preferences' })
    await append(app, { writeKey: 'other-write-key' })
    const res = await get(app, '/admin/api/consent/consent-1?site=demo', ADMIN_TOKEN)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      site: string
      consentId: string
      records: { seq: number; source: string; purposes: { analytics: boolean }; site: string }[]
    }
    expect(body).toMatchObject({ site: 'demo', consentId: 'consent-1' })
    expect(body.records.map((r) => [r.site, r.seq, r.source, r.purposes.analytics])).toEqual([
      ['demo', 1, 'banner', true],
      ['demo', 3, 'preferences', false],
    ])
    expect(Object.keys(body.records[0]!).sort()).toEqual(
      [
        'binding',
        'clientTime',
        'consentId',
        'gpc',
        'hash',
        'keyId',
        'language',
        'prevHash',
        'purposes',
        'receivedAt',
        'seq',
        'site',
        'source',
        'textHash',
        'userAgent',
        'version',
      ].sort(),
    )
  })

  it.each([
    ['an unknown consent id', '/admin/api/consent/ghost?site=demo', 404, 'consent_not_found'],
    ["another site's consent id", '/admin/api/consent/consent-1?site=other', 404, 'consent_not_found'],
    ['history without a site', '/admin/api/consent/consent-1', 400, 'invalid_query'],
    ['history of an unknown site', '/admin/api/consent/consent-1?site=ghost', 404, 'site_not_found'],
    ['verify without a site', '/admin/api/consent/verify', 400, 'invalid_query'],
    ['verify of an unknown site', '/admin/api/consent/verify?site=ghost', 404, 'site_not_found'],
  ])('answers %s with a stable code', async (_name, path, status, code) => {
    const { app } = testApp()
    await append(app)
    const res = await get(app, path, ADMIN_TOKEN)
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
  })

  it('refuses consent calls without the admin token', async () => {
    const { app } = testApp()
    await append(app)
    expect((await get(app, '/admin/api/consent/consent-1?site=demo')).status).toBe(401)
    expect((await get(app, '/admin/api/consent/verify?site=demo', 'wrong')).status).toBe(401)
  })

  it('verifies an empty and an intact chain', async () => {
    const { app } = testApp()
    const verify = async () => json(await get(app, '/admin/api/consent/verify?site=demo', ADMIN_TOKEN))
    expect(await verify()).toEqual({ site: 'demo', ok: true, records: 0, unkeyed: 0 })
    for (let i = 0; i < 3; i++) await append(app, { consentId: `c${i}` })
    expect(await verify()).toEqual({ site: 'demo', ok: true, records: 3, unkeyed: 0 })
  })

  describe('tampering with the database file', () => {
    /** Four records appended through the API to a file; `tamper` then edits the file directly. */
    const tampered = async (tamper: (db: Database.Database) => void) => {
      const path = join(mkdtempSync(join(tmpdir(), 'precis-ledger-')), 'precis.db')
      const { app, store } = testApp({ path })
      for (let i = 1; i <= 4; i++) await append(app, { consentId: `c${i}` })
      const db = new Database(path)
      try {
        tamper(db)
      } finally {
        db.close()
      }
      const res = await get(app, '/admin/api/consent/verify?site=demo', ADMIN_TOKEN)
      await store.close()
      return { status: res.status, body: await json(res) }
    }
    const ALL_ON = JSON.stringify({
      necessary: true,
      analytics: true,
      personalization: true,
      marketing: true,
    })

    it('names an edited record', async () => {
      const { body } = await tampered((db) =>
        db.prepare('UPDATE consent_records SET purposes = ? WHERE seq = 2').run(ALL_ON),
      )
      expect(body).toEqual({
        site: 'demo',
        ok: false,
        unkeyed: 0,
        records: 4,
        brokenAt: { seq: 2, reason: 'hash mismatch' },
      })
    })

    it('names a deleted record', async () => {
      const { body } = await tampered((db) => db.prepare('DELETE FROM consent_records WHERE seq = 3').run())
      expect(body).toEqual({
        site: 'demo',
        ok: false,
        unkeyed: 0,
        records: 3,
        brokenAt: { seq: 3, reason: 'missing record' },
      })
    })

    it('names the first link of a history rewritten without the ledger key', async () => {
      // Edit record 2 and recompute every hash after it by the formula anyone can read.
      const { body } = await tampered((db) => {
        const rows = db.prepare('SELECT * FROM consent_records ORDER BY seq').all() as ConsentRow[]
        let prev = rows[0]!.hash
        for (const row of rows.slice(1)) {
          const record = fromConsentRow({
            ...row,
            purposes: row.seq === 2 ? ALL_ON : row.purposes,
            prev_hash: prev,
          })
          const hash = hashRecord(prev, record.seq, record)
          db.prepare('UPDATE consent_records SET purposes = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
            JSON.stringify(record.purposes),
            prev,
            hash,
            row.seq,
          )
          prev = hash
        }
      })
      expect(body).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'hash mismatch' } })
      // Dropping the key ids to pass for records made before keying fails too.
      const { body: downgraded } = await tampered((db) => {
        db.prepare('UPDATE consent_records SET key_id = NULL, binding = NULL WHERE seq >= 3').run()
      })
      expect(downgraded).toMatchObject({
        ok: false,
        brokenAt: { seq: 3, reason: 'unkeyed record after keyed ones' },
      })
    })

    it('names a deleted first record', async () => {
      const { body } = await tampered((db) => db.prepare('DELETE FROM consent_records WHERE seq = 1').run())
      expect(body).toMatchObject({ ok: false, brokenAt: { seq: 1, reason: 'missing record' } })
    })

    it('names a deleted record even when the later ones were renumbered', async () => {
      const { body } = await tampered((db) => {
        db.prepare('DELETE FROM consent_records WHERE seq = 2').run()
        db.prepare('UPDATE consent_records SET seq = seq - 1 WHERE seq > 2').run()
      })
      expect(body).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'link mismatch' } })
    })

    it('names an edited record whose cell is no longer JSON, without failing', async () => {
      const { status, body } = await tampered((db) =>
        db.prepare("UPDATE consent_records SET purposes = 'all yes' WHERE seq = 4").run(),
      )
      expect(status).toBe(200)
      expect(body).toMatchObject({ ok: false, brokenAt: { seq: 4, reason: 'hash mismatch' } })
    })
  })
})
