import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  event,
  firstMessageOf,
  post,
  testApp,
  tokenRequest,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { keyedHash } from '../store/sqlite/resolver.ts'

type App = ReturnType<typeof testApp>['app']
const admin = (app: App, path: string, method = 'GET') =>
  app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
const send = async (app: App, batch: Record<string, unknown>[]) => {
  const { path, init } = post('/v1/batch', { batch: batch.map(event), writeKey: WRITE_KEY })
  expect((await app.request(path, init)).status).toBe(200)
}

/** Ada uses a phone (a1) and a laptop (a2) and logs in on both; Bob is someone else. */
const ADA = [
  { type: 'page', anonymousId: 'a1', name: 'Home', messageId: firstMessageOf('a1') },
  { type: 'identify', anonymousId: 'a1', userId: 'u-ada', traits: { email: 'Ada@Example.com', name: 'Ada' } },
  { anonymousId: 'a2', event: 'Product Viewed' },
  { type: 'identify', anonymousId: 'a2', userId: 'u-ada' },
  { anonymousId: 'a2', userId: 'u-ada', event: 'Order Completed', properties: { revenue: 120 } },
]
const BOB = [{ type: 'identify', anonymousId: 'b1', userId: 'u-bob', traits: { name: 'Bob' } }]

describe('admin API: profiles', () => {
  it('finds one profile by any linked identifier, with traits, computed traits and recent events', async () => {
    const { app } = testApp()
    await send(app, [...ADA, ...BOB])
    const ids = await Promise.all(
      ['a1', 'a2', 'u-ada'].map(
        async (k) => (await (await admin(app, `/admin/api/profiles/${k}?site=demo`)).json()).profile.id,
      ),
    )
    expect(new Set(ids).size).toBe(1)
    const byId = await (await admin(app, `/admin/api/profiles/${ids[0]}?site=demo&limit=2`)).json()
    expect(byId.profile).toMatchObject({
      traits: { email: 'Ada@Example.com', name: 'Ada' },
      computed: { frequency: 5, orders: 1, monetary: 120 },
      counts: { page: 1, identify: 2, track: 2 },
    })
    expect(byId.profile.identifiers.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'anonymous',
      'anonymous',
      'email',
      'user',
    ])
    expect(byId.recentEvents.map((e: { event?: string; type: string }) => e.event ?? e.type)).toHaveLength(2)
    // The test site configures no segments (see personalization.test.ts for memberships).
    expect(byId.segments).toEqual([])
    const bob = await (await admin(app, '/admin/api/profiles/u-bob?site=demo')).json()
    expect(bob.profile.id).not.toBe(ids[0])
  })

  it('exports all of a person as a JSON attachment', async () => {
    const { app, store } = testApp()
    await send(app, [...ADA, ...BOB])
    const res = await admin(app, '/admin/api/profiles/a1/export?site=demo')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="precis-profile-.+\.json"$/)
    const body = await res.json()
    expect(body.events).toHaveLength(ADA.length)
    // Device ids are kept only as pseudonyms; the user id is sealed beside its pseudonym and opened.
    const p = await store.pseudonyms('demo')
    type Row = { anonymousId: string; userId: string | null }
    expect(body.events.every((e: Row) => [p('a1'), p('a2')].includes(e.anonymousId))).toBe(true)
    expect(body.events.filter((e: Row) => e.userId).map((e: Row) => e.userId)).toEqual([
      'u-ada',
      'u-ada',
      'u-ada',
    ])
    expect(body.profile.identifiers).toContainEqual({ kind: 'user', value: 'u-ada' })
    expect(JSON.stringify(body)).not.toContain('"a1"')
    expect(body.audit).toMatchObject([{ action: 'merge' }])
  })

  it.each([
    ['/admin/api/profiles/nobody?site=demo', 404, 'profile_not_found'],
    ['/admin/api/profiles/a1', 400, 'invalid_query'],
    ['/admin/api/profiles/a1?site=nope', 404, 'site_not_found'],
    [`/admin/api/profiles/${'x'.repeat(300)}?site=demo`, 400, 'invalid_query'],
  ])('GET %s answers %i %s', async (path, status, code) => {
    const { app } = testApp()
    const res = await admin(app, path)
    expect(res.status).toBe(status)
    expect((await res.json()).error.code).toBe(code)
  })

  it('refuses without the admin token', async () => {
    const { app } = testApp()
    expect((await app.request('/admin/api/profiles/a1?site=demo', { method: 'DELETE' })).status).toBe(401)
  })

  it('erases every trace of the person in every table, and drops their later events', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'precis-erase-')), 'precis.db')
    const { app, store } = testApp({ path })
    await send(app, [...ADA, ...BOB])
    const token = post('/v1/identity/token', tokenRequest('a1'))
    expect((await app.request(token.path, token.init)).status).toBe(200)
    const before = (await (await admin(app, '/admin/api/profiles/a1?site=demo')).json()).profile
    const emailHash = before.identifiers.find((i: { kind: string }) => i.kind === 'email').value

    const res = await admin(app, '/admin/api/profiles/u-ada?site=demo', 'DELETE')
    expect(res.status).toBe(200)
    expect((await res.json()).erased).toMatchObject({ events: ADA.length, identifiers: 4 })

    // Later events from any of Ada's ids are dropped; Bob's still count.
    await send(app, [
      { anonymousId: 'a1', event: 'Came Back' },
      { userId: 'u-ada', anonymousId: 'a7', event: 'Again' },
    ])
    await send(app, [{ anonymousId: 'b1', event: 'Bob Again' }])
    expect((await admin(app, '/admin/api/profiles/a1?site=demo')).status).toBe(404)
    const bob = await (await admin(app, '/admin/api/profiles/b1?site=demo')).json()
    expect(bob.profile.computed.frequency).toBe(2)
    await store.close()

    const db = new Database(path, { readonly: true })
    const secret = (db.prepare("SELECT value FROM meta WHERE key = 'secret'").get() as { value: string })
      .value
    const needles = [
      'a1',
      'a2',
      'a7',
      'u-ada',
      'Ada@Example.com',
      'ada@example.com',
      emailHash,
      before.id,
      keyedHash(secret, 'issued', 'demo', 'a1'),
    ]
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string
    }[]
    const found: string[] = []
    for (const { name } of tables)
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[])
        for (const cell of Object.values(row))
          for (const needle of needles)
            if (String(cell).includes(`"${needle}"`) || String(cell) === needle)
              found.push(`${name}: ${needle}`)
    db.close()
    expect(found).toEqual([])
  })
})
