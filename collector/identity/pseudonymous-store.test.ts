import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { pseudonymWith } from '../privacy/pseudonyms.ts'
import type { StoredEvent } from '../store/types.ts'
import { pseudonymizeRow } from './pseudonymous-store.ts'
import { DEFAULT_IDENTITY } from './rules.ts'

const p = pseudonymWith(Buffer.alloc(32, 1))
const row = (fields: Partial<StoredEvent>): StoredEvent => ({
  site: 'demo',
  messageId: 'm1',
  type: 'track',
  name: 'Viewed',
  userId: null,
  anonymousId: null,
  timestamp: 0,
  receivedAt: 0,
  payload: '{}',
  ...fields,
})

describe('pseudonymizeRow', () => {
  it('replaces the ids with pseudonyms and keeps the clear user id and previousId for sealing', () => {
    const out = pseudonymizeRow(
      p,
      row({ type: 'alias', userId: 'u-1', anonymousId: 'a-1', payload: '{"previousId":"old-1"}' }),
      {},
    )
    expect(out).toMatchObject({ userId: p('u-1'), anonymousId: p('a-1') })
    expect(JSON.parse(out.payload)).toEqual({
      previousId: p('old-1'),
      ids: { userId: 'u-1', previousId: 'old-1' },
    })
    expect(p('u-1')).toMatch(/^~[\w-]{22}$/)
    // Another key, another pseudonym: a copy of the data alone cannot test a guess.
    expect(pseudonymWith(Buffer.alloc(32, 2))('u-1')).not.toBe(p('u-1'))
  })

  it('drops ids a client planted, leaves placeholders as they are, and pseudonymizes look-alikes', () => {
    const planted = pseudonymizeRow(
      p,
      row({ anonymousId: 'a-1', payload: '{"ids":{"userId":"victim"},"properties":{"x":1}}' }),
      {},
    )
    expect(JSON.parse(planted.payload)).toEqual({ properties: { x: 1 } })
    const placeholder = pseudonymizeRow(p, row({ userId: 'null', anonymousId: 'anonymous' }), {})
    expect(placeholder).toMatchObject({ userId: 'null', anonymousId: 'anonymous', payload: '{}' })
    const blocked = pseudonymizeRow(p, row({ userId: 'test-user' }), {
      demo: { ...DEFAULT_IDENTITY, blockedValues: ['test-user'] },
    })
    expect(blocked.userId).toBe('test-user')
    expect(pseudonymizeRow(p, row({ anonymousId: p('a-1') }), {}).anonymousId).toBe(p(p('a-1')))
  })
})

describe('the collector through its routes', () => {
  type App = ReturnType<typeof testApp>['app']
  const send = async (app: App, batch: Record<string, unknown>[]) => {
    const { path, init } = post('/v1/batch', { batch: batch.map(event), writeKey: WRITE_KEY })
    expect((await app.request(path, init)).status).toBe(200)
  }
  const admin = async (app: App, path: string) =>
    (await app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()

  it('writes no user id or device id in clear to the database files, and finds people by them', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'precis-pseudonyms-')), 'precis.db')
    const { app, store } = testApp({ path })
    await send(app, [
      { type: 'identify', anonymousId: 'device-a1b2c3', userId: 'customer-4711', traits: { plan: 'pro' } },
      { anonymousId: 'device-a1b2c3', userId: 'customer-4711', event: 'Order Completed' },
      { type: 'alias', anonymousId: 'device-a1b2c3', userId: 'customer-4711', previousId: 'old-customer-9' },
    ])
    const view = await admin(app, '/admin/api/profiles/customer-4711?site=demo')
    const pseudonym = await store.pseudonyms('demo')
    expect(view.profile.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'user', value: 'customer-4711' },
        { kind: 'anonymous', value: pseudonym('device-a1b2c3') },
      ]),
    )
    expect((await admin(app, '/admin/api/profiles/device-a1b2c3?site=demo')).profile.id).toBe(view.profile.id)
    const events = (await admin(app, '/admin/api/events?site=demo&limit=10')).events
    expect(events.find((e: { type: string }) => e.type === 'alias')).toMatchObject({
      userId: 'customer-4711',
      previousId: 'old-customer-9',
      anonymousId: pseudonym('device-a1b2c3'),
    })
    await store.close()
    for (const file of [path, `${path}-wal`].filter(existsSync)) {
      const bytes = readFileSync(file)
      for (const id of ['customer-4711', 'device-a1b2c3', 'old-customer-9'])
        expect(bytes.includes(id)).toBe(false)
    }
  })

  it('a client cannot name a pseudonym: what it sends is pseudonymized again', async () => {
    const { app, store } = testApp()
    await send(app, [
      { type: 'identify', anonymousId: 'victim-device', userId: 'victim', traits: { plan: 'pro' } },
    ])
    const victim = (await store.pseudonyms('demo'))('victim-device')
    await send(app, [{ anonymousId: victim, event: 'Planted', messageId: firstMessageOf(victim) }])
    const view = await admin(app, '/admin/api/profiles/victim?site=demo')
    expect(view.profile.counts).toEqual({ identify: 1 })
    const { path, init } = post('/v1/identity/token', tokenRequest(victim))
    const issued = await (await app.request(path, init)).json()
    expect(issued.token.startsWith(`${victim}.`)).toBe(false)
  })
})
