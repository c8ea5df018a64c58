import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identifier } from '../identity/rules.ts'
import { makeRow } from './contract.ts'
import { openSqliteStore } from './sqlite.ts'
import { SEGMENT_VISITORS_SQL, SLOT_COUNTS_SQL, SLOT_PEOPLE_SQL } from './sqlite-personalization.ts'
import type { Store, StoredEvent } from './types.ts'

const T = 1_700_000_000_000
const GRANTED = { categoryPreferences: { analytics: true, personalization: true } }
const WITHHELD = { categoryPreferences: { analytics: true, personalization: false } }

let n = 0
/** A stored row with a JSON body; `body` is properties, context and the rest. */
const row = (fields: Partial<StoredEvent>, body: Record<string, unknown> = {}) =>
  makeRow({ messageId: `m${++n}`, payload: JSON.stringify(body), ...fields })

const ADA: Identifier[] = [
  { kind: 'anonymous', value: 'a1' },
  { kind: 'anonymous', value: 'a2' },
  { kind: 'email', value: 'hash' },
  { kind: 'user', value: 'u-ada' },
]

describe('SQLite personalization reads', () => {
  let store: Store
  beforeEach(() => {
    store = openSqliteStore(':memory:')
  })
  afterEach(() => store.close())

  it("tells whether the person's newest consent stamp, on any device, withholds personalization", async () => {
    expect(await store.personalizationRefused('demo', ADA)).toBe(false) // no events: nothing refused
    await store.insertEvents([
      row({ anonymousId: 'a1', timestamp: T + 1 }, { context: { consent: GRANTED } }),
      row({ userId: 'u-ada', anonymousId: null, timestamp: T + 3 }), // a server event: no stamp
    ])
    expect(await store.personalizationRefused('demo', ADA)).toBe(false)
    await store.insertEvents([
      row({ anonymousId: 'a2', timestamp: T + 2 }, { context: { consent: WITHHELD } }),
    ])
    expect(await store.personalizationRefused('demo', ADA)).toBe(true)
    await store.insertEvents([
      row({ anonymousId: 'a1', timestamp: T + 4 }, { context: { consent: GRANTED } }),
    ])
    expect(await store.personalizationRefused('demo', ADA)).toBe(false)
    expect(await store.personalizationRefused('demo', [{ kind: 'email', value: 'hash' }])).toBe(false)
  })

  it("reads a person's usable history from all their ids, newest first, within the window", async () => {
    await store.insertEvents([
      row(
        { anonymousId: 'a1', name: 'Product Viewed', timestamp: T + 1 },
        { properties: { c: 1 }, context: { consent: GRANTED } },
      ),
      row(
        { anonymousId: 'a2', type: 'page', name: 'Home', timestamp: T + 2 },
        { properties: { path: '/' }, context: { consent: GRANTED } },
      ),
      row(
        { anonymousId: null, userId: 'u-ada', name: 'Order Completed', timestamp: T + 3 },
        { properties: { revenue: 9 } },
      ),
      // Left out: personalization withheld, a malformed stamp, not a track or page, too old, someone else, another site.
      row({ anonymousId: 'a1', name: 'Withheld', timestamp: T + 4 }, { context: { consent: WITHHELD } }),
      row({ anonymousId: 'a1', name: 'Malformed', timestamp: T + 4 }, { context: { consent: 'yes' } }),
      row({ anonymousId: 'a1', type: 'identify', name: null, timestamp: T + 5 }, { traits: { plan: 'vip' } }),
      row({ anonymousId: 'a1', name: 'Too Old', timestamp: T - 1 }),
      row({ anonymousId: 'b1', name: 'Bob', timestamp: T + 6 }),
      row({ anonymousId: 'a1', site: 'other', name: 'Elsewhere', timestamp: T + 7 }),
    ])
    const history = await store.personalizationHistory('demo', ADA, { since: T, limit: 100 })
    expect(history).toEqual([
      { type: 'track', name: 'Order Completed', timestamp: T + 3, properties: '{"revenue":9}' },
      { type: 'page', name: null, timestamp: T + 2, properties: '{"path":"/"}' },
      { type: 'track', name: 'Product Viewed', timestamp: T + 1, properties: '{"c":1}' },
    ])
    expect(await store.personalizationHistory('demo', ADA, { since: T, limit: 2 })).toEqual(
      history.slice(0, 2),
    )
    expect(
      await store.personalizationHistory('demo', [{ kind: 'email', value: 'hash' }], { since: T, limit: 9 }),
    ).toEqual([])
  })

  it("takes the person's situation from their latest browser event, else their latest event", async () => {
    await store.insertEvents([
      row({ anonymousId: 'a1', timestamp: T + 1 }, { context: { page: { path: '/a' }, locale: 'en' } }),
      row({ anonymousId: 'a2', type: 'page', name: 'B', timestamp: T + 2 }, { properties: { path: '/b' } }),
      row({ userId: 'u-ada', anonymousId: null, timestamp: T + 3 }, { properties: { revenue: 1 } }),
    ])
    expect(await store.latestSituation('demo', ADA, T)).toEqual({
      type: 'page',
      userId: null,
      anonymousId: 'a2',
      timestamp: T + 2,
      properties: '{"path":"/b"}',
      context: null,
    })
    const server = await store.latestSituation('demo', [{ kind: 'user', value: 'u-ada' }], T)
    expect(server).toMatchObject({ userId: 'u-ada', timestamp: T + 3 })
    expect(await store.latestSituation('demo', ADA, T + 10)).toBeUndefined()
    expect(await store.latestSituation('demo', [], T)).toBeUndefined()
  })

  it('pages through profiles in id order with their traits and identifiers', async () => {
    const ids = ['p-c', 'p-a', 'p-b', 'p-0']
    let next = 0
    const named = openSqliteStore(':memory:', { newId: () => ids[next++]! })
    await named.insertEvents([
      row({ anonymousId: 'x', type: 'identify', timestamp: T }, { traits: { plan: 'vip' } }),
      row({ anonymousId: 'y', timestamp: T + 1 }),
      row({ anonymousId: 'z', userId: 'u-z', timestamp: T + 2 }),
      row({ anonymousId: 'w', site: 'other', timestamp: T + 3 }),
    ])
    await named.resolveIdentities({}, T)
    const first = await named.profilePage('demo', undefined, 2)
    expect(first).toEqual([
      { id: 'p-a', traits: {}, identifiers: [{ kind: 'anonymous', value: 'y' }] },
      {
        id: 'p-b',
        traits: {},
        identifiers: [
          { kind: 'anonymous', value: 'z' },
          { kind: 'user', value: 'u-z' },
        ],
      },
    ])
    expect(await named.profilePage('demo', 'p-b', 2)).toEqual([
      { id: 'p-c', traits: { plan: 'vip' }, identifiers: [{ kind: 'anonymous', value: 'x' }] },
    ])
    expect(await named.profilePage('demo', 'p-c', 2)).toEqual([])
    await named.close()
  })

  it('counts distinct anonymousIds per reported segment, received in the window, ignoring odd shapes', async () => {
    const reported = (anonymousId: string | null, segments: unknown, receivedAt = T) =>
      row({ anonymousId, receivedAt }, { context: { segments } })
    await store.insertEvents([
      reported('a1', ['fans', 'mobile']),
      reported('a1', ['fans']),
      reported('a2', ['fans', 7, null, { x: 1 }]),
      reported('a3', 'fans'),
      reported('a4', { fans: true }),
      reported(null, ['fans']),
      reported('a5', ['mobile'], T - 1),
      row({ anonymousId: 'a6' }, { properties: { segments: ['fans'] } }),
    ])
    expect(await store.segmentVisitors('demo', T)).toEqual({ fans: 2, mobile: 1 })
    expect(await store.segmentVisitors('other', T)).toEqual({})
  })

  it('reads slot events through the partial index, and people through the identity indexes', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'precis-plan-')), 'precis.db')
    openSqliteStore(path).close()
    const db = new Database(path, { readonly: true })
    const plan = (sql: string, params: unknown) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    const slot = { site: 'demo', slot: 'home-hero', goal: 'Order Completed' }
    expect(plan(SLOT_COUNTS_SQL, { site: 'demo', slot: 'home-hero' })).toContain('USING INDEX events_slot')
    const people = plan(SLOT_PEOPLE_SQL, slot)
    expect(people).toContain('USING INDEX events_slot')
    expect(people).toContain('USING INDEX events_site_user')
    expect(people).toContain('USING INDEX events_site_anonymous')
    expect(people).not.toMatch(/SCAN (events|e|g)\b/)
    db.close()
    const visitors = new Database(path, { readonly: true })
    expect(
      (visitors.prepare(`EXPLAIN QUERY PLAN ${SEGMENT_VISITORS_SQL}`).all('demo', T) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n'),
    ).toContain('USING INDEX events_site_received')
    visitors.close()
  })
})
