import { expect, it } from 'vitest'
import { describeIdentityContract, type Ev, linkRow } from '../../../test/contracts/identity.contract.ts'
import { describePeopleContract } from '../../../test/contracts/people.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import { prng } from '../../../test/support/prng.ts'
import { openSqliteStore } from '../sqlite/store.ts'
import type { Store } from '../types.ts'
import { resolveQueued, type Tx } from './resolver.ts'
import { connect, type Sql } from './schema.ts'
import { openPostgresStore } from './store.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')
const SITE = 'demo'

const secretOf = async (sql: Sql) =>
  (await sql<{ value: string }[]>`SELECT value FROM meta WHERE key = 'secret'`)[0]!.value

/** Two stores (two collectors) on one fresh schema; `done` closes both and drops it. */
const twoCollectors = async () => {
  const schema = testSchema()
  const [a, b] = await Promise.all([
    openTestPostgresStore({ schema }),
    openPostgresStore(PG_TEST_URL, { schema, max: 4 }),
  ])
  const done = async () => {
    await Promise.all([a.close(), b.close()])
    await dropSchema(schema)
  }
  return { schema, a, b, done }
}

/** What a store made of the events, without its random profile ids: comparable across stores. */
const snapshot = async (store: Store, keys: string[]) => {
  const byKey: Record<string, unknown> = {}
  for (const key of keys) {
    const exported = await store.exportProfile(SITE, key, NOW)
    if (!exported) {
      byKey[key] = null
      continue
    }
    const { profile, audit, events } = exported
    byKey[key] = {
      identifiers: profile.identifiers,
      traits: await store.revealTraits(SITE, profile.traits, {}),
      counts: profile.counts,
      computed: profile.computed,
      firstSeen: profile.firstSeen,
      events: events.map((e) => e.messageId),
      audit: audit.map((e) => [e.action, e.reason, e.messageId, e.identifiers]),
    }
  }
  return byKey
}

/**
 * Random links between 40 devices of 10 people: mostly each device's own person (so profiles grow
 * and merge across chunks), sometimes someone else's user id or email (refusals).
 */
const randomEvents = (seed: number, count: number): Ev[] => {
  const random = prng(seed)
  const pick = (n: number) => Math.floor(random() * n)
  return Array.from({ length: count }, (): Ev => {
    const device = pick(40)
    const person = pick(10) ? device % 10 : pick(10)
    const a = `a${device}`
    const u = `u${person}`
    switch (pick(6)) {
      case 0:
        return { type: 'page', a }
      case 1:
        return { a, u, t: pick(10_000), traits: { plan: `p${pick(3)}` } }
      case 2:
        return { type: 'alias', a, u, prev: pick(2) ? a : `a${pick(4) * 10 + person}` }
      case 3:
        return { a, traits: { email: `e${person}@example.com` }, t: pick(10_000) }
      case 4:
        return { type: 'track', a, revenue: pick(100), t: pick(10_000) }
      default:
        return { type: 'track', u, a: null }
    }
  })
}

describePostgres('PostgreSQL identity', () => {
  describeIdentityContract('PostgreSQL', () => openTestPostgresStore())
  describePeopleContract('PostgreSQL', () => openTestPostgresStore())

  it('two collectors on one database resolve batches of the same people into one profile each', async () => {
    const { a, b, done } = await twoCollectors()
    const people = Array.from({ length: 20 }, (_, p) => p)
    const round = async (store: Store, device: string, identify: boolean) => {
      await Promise.all(
        people.map((p) =>
          store.insertEvents([
            ...(identify ? [linkRow({ a: `p${p}-${device}`, u: `user-${p}` })] : []),
            linkRow({ type: 'track', a: `p${p}-${device}` }),
          ]),
        ),
      )
      await store.resolveIdentities({}, NOW)
    }
    await round(a, 'phone', true)
    await round(b, 'laptop', true)
    await round(a, 'phone', false)
    // Both store and resolve at once: each resolves what is queued, whoever stored it.
    await Promise.all([round(a, 'phone', false), round(b, 'laptop', false)])
    for (const p of people) {
      const [phone, laptop, user] = await Promise.all([
        a.findProfile(SITE, `p${p}-phone`, NOW),
        b.findProfile(SITE, `p${p}-laptop`, NOW),
        a.findProfile(SITE, `user-${p}`, NOW),
      ])
      expect(phone!.id).toBe(laptop!.id)
      expect(user!.id).toBe(phone!.id)
      expect(phone!.identifiers.map((i) => i.value).sort()).toEqual(
        [`p${p}-laptop`, `p${p}-phone`, `user-${p}`].sort(),
      )
      expect(phone!.computed.frequency).toBe(7)
    }
    await done()
  })

  it('stops between chunks when asked (a collector shutting down), leaving the rest queued', async () => {
    const { schema, a, done } = await twoCollectors()
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    const secret = await secretOf(sql)
    await a.insertEvents(Array.from({ length: 20 }, (_, i) => linkRow({ a: `dev-${i}` })))
    const first = await resolveQueued(
      sql,
      secret,
      () => crypto.randomUUID(),
      {},
      NOW,
      7,
      () => true,
    )
    expect(first).toBe(7)
    const [left] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM identity_queue`
    expect(left?.n).toBe(13)
    expect(await resolveQueued(sql, secret, () => crypto.randomUUID(), {}, NOW, 7)).toBe(13)
    await sql.end()
    await done()
  })

  it('tries a chunk again after a deadlock rolled it back, and gives up after three more', async () => {
    const { schema, a, done } = await twoCollectors()
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    const secret = await secretOf(sql)
    await a.insertEvents(Array.from({ length: 10 }, (_, i) => linkRow({ a: `dev-${i}` })))
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
    // The real database, with the first `failures` transactions failing as PostgreSQL would fail them.
    const failing = (failures: number) =>
      ({
        ...sql,
        begin: (fn: (tx: Tx) => unknown) => (failures-- > 0 ? Promise.reject(deadlock) : sql.begin(fn)),
      }) as unknown as Sql
    const id = () => crypto.randomUUID()
    await expect(resolveQueued(failing(4), secret, id, {}, NOW, 7)).rejects.toThrow('deadlock detected')
    expect(await resolveQueued(failing(3), secret, id, {}, NOW, 7)).toBe(10)
    await sql.end()
    await done()
  })

  it('keeps one profile per person when two collectors resolve the same people concurrently', async () => {
    const { schema, a, b, done } = await twoCollectors()
    // Each person's devices are linked only through events split between the two collectors,
    // resolved in small chunks so the two interleave.
    const sqlA = connect(PG_TEST_URL, { schema, max: 2 })
    const sqlB = connect(PG_TEST_URL, { schema, max: 2 })
    const secret = await secretOf(sqlA)
    const people = Array.from({ length: 30 }, (_, p) => p)
    let expected = 0
    for (let round = 0; round < 3; round++) {
      const batch = (side: number) =>
        people.flatMap((p) => {
          const rows = [
            linkRow({ a: `p${p}-d${round}-${side}`, u: `user-${p}` }),
            linkRow({ type: 'track', a: `p${p}-d${round}-${side}`, revenue: 1 }),
            linkRow({ a: `p${p}-d${round}-${side}`, traits: { email: `p${p}@example.com` } }),
          ]
          expected += rows.length
          return rows
        })
      await Promise.all([a.insertEvents(batch(0)), b.insertEvents(batch(1))])
      const resolved = await Promise.all([
        resolveQueued(sqlA, secret, () => crypto.randomUUID(), {}, NOW, 7),
        resolveQueued(sqlB, secret, () => crypto.randomUUID(), {}, NOW, 11),
      ])
      expect(resolved[0] + resolved[1]).toBe(people.length * 6)
    }
    expect(await a.resolveIdentities({}, NOW)).toBe(0)
    const ids = new Set<string>()
    let frequency = 0
    for (const p of people) {
      const profile = (await b.findProfile(SITE, `user-${p}`, NOW))!
      const held = profile.identifiers.map((i) => `${i.kind}:${i.value}`)
      // 6 devices, 1 user id, 1 email: every link kept.
      expect(held.filter((h) => h.startsWith('anonymous:'))).toHaveLength(6)
      expect(held.filter((h) => h.startsWith('user:'))).toEqual([`user:user-${p}`])
      expect(held.filter((h) => h.startsWith('email:'))).toHaveLength(1)
      for (let round = 0; round < 3; round++)
        for (const side of [0, 1])
          expect((await a.findProfile(SITE, `p${p}-d${round}-${side}`, NOW))!.id).toBe(profile.id)
      expect(profile.computed).toMatchObject({ frequency: 18, orders: 6, monetary: 6 })
      ids.add(profile.id)
      frequency += profile.computed.frequency
    }
    expect(ids.size).toBe(people.length)
    expect(frequency).toBe(expected)
    const [profiles] = await sqlA<{ n: number }[]>`SELECT count(*)::int AS n FROM profiles`
    expect(profiles?.n).toBe(people.length)
    await Promise.all([sqlA.end(), sqlB.end()])
    await done()
  })

  it.each([1, 2, 3])(
    'makes the same profiles, merges and refusals as SQLite, in chunks of 7 events (seed %i)',
    async (seed) => {
      const events = randomEvents(seed, 300).map(linkRow)
      const keys = [
        ...Array.from({ length: 40 }, (_, i) => `a${i}`),
        ...Array.from({ length: 10 }, (_, i) => `u${i}`),
      ]
      const sqlite = openSqliteStore(':memory:')
      const schema = testSchema()
      const pg = await openTestPostgresStore({ schema })
      const sql = connect(PG_TEST_URL, { schema, max: 1 })
      const secret = await secretOf(sql)
      const seen: [string, string][] = []
      // The same batches in the same order, resolved after each: SQLite as it does, PostgreSQL in
      // chunks of 7 events, so that merges span chunks.
      for (let i = 0; i < events.length; i += 20) {
        await sqlite.insertEvents(events.slice(i, i + 20))
        await pg.insertEvents(events.slice(i, i + 20))
        await sqlite.resolveIdentities({}, NOW)
        await resolveQueued(sql, secret, () => crypto.randomUUID(), {}, NOW, 7)
        for (const key of keys) {
          const id = (await pg.findProfile(SITE, key, NOW))?.id
          if (id) seen.push([key, id])
        }
      }
      const [want, got] = await Promise.all([snapshot(sqlite, keys), snapshot(pg, keys)])
      // Email hashes differ (each database has its own secret): compare them by position only.
      const mask = (s: unknown) =>
        JSON.parse(JSON.stringify(s).replace(/"kind":"email","value":"[^"]+"/g, '"kind":"email","value":"#"'))
      expect(mask(got)).toEqual(mask(want))
      // Same partition of identifiers into profiles.
      const partition = async (store: Store) => {
        const groups = new Map<string, string[]>()
        for (const key of keys) {
          const id = (await store.findProfile(SITE, key, NOW))?.id ?? `none-${key}`
          groups.set(id, [...(groups.get(id) ?? []), key])
        }
        return [...groups.values()].map((g) => g.join(',')).sort()
      }
      const groups = await partition(pg)
      expect(groups).toEqual(await partition(sqlite))
      // No profile left behind by a merge (every profile holds one of the keys).
      const [rows] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM profiles`
      expect(rows?.n).toBe(groups.filter((g) => !g.startsWith('none-')).length)
      // Every profile id ever shown still leads to its person, through merges upon merges.
      for (const [key, id] of seen)
        expect((await pg.findProfile(SITE, id, NOW))?.id).toBe((await pg.findProfile(SITE, key, NOW))?.id)
      await sql.end()
      await Promise.all([sqlite.close(), pg.close()])
      await dropSchema(schema)
    },
    // ~800 sequential round trips: seconds on a busy 2-core machine.
    30_000,
  )

  it('follows merges upon merges, in one chunk and across chunks, to the last survivor', async () => {
    const store = await openTestPostgresStore()
    const alias = (a: string, prev: string) => linkRow({ type: 'alias', a, prev })
    const idOf = async (key: string) => (await store.findProfile(SITE, key, NOW))?.id
    await store.insertEvents(['z', 'y', 'x', 'w'].map((a) => linkRow({ type: 'page', a })))
    await store.resolveIdentities({}, NOW)
    const [z, y, x, w] = await Promise.all(['z', 'y', 'x', 'w'].map(idOf))
    await store.insertEvents([alias('w', 'x')])
    await store.resolveIdentities({}, NOW)
    expect(await idOf(w!)).toBe(x)
    // One chunk: x into y, y into z, and v made then merged into z.
    await store.insertEvents([
      alias('x', 'y'),
      alias('y', 'z'),
      linkRow({ type: 'page', a: 'v' }),
      alias('v', 'z'),
    ])
    expect(await store.resolveIdentities({}, NOW)).toBe(4)
    for (const key of ['v', 'w', 'x', 'y', w!, x!, y!]) expect(await idOf(key), key).toBe(z)
    const exported = (await store.exportProfile(SITE, 'z', NOW))!
    expect(exported.profile.identifiers.map((i) => i.value)).toEqual(['v', 'w', 'x', 'y', 'z'])
    expect(exported.profile.counts).toEqual({ page: 5, alias: 4 })
    expect(exported.audit.map((e) => [e.action, e.profileId])).toEqual([
      ['merge', x],
      ['merge', y],
      ['merge', z],
      ['merge', z],
    ])
    await store.close()
  })

  it('erases a person: events, identifiers, audit and tokens go, later events are dropped', async () => {
    const store = await openTestPostgresStore()
    await store.insertEvents([
      linkRow({ type: 'page', a: 'a1' }),
      linkRow({ a: 'a1', u: 'u-ada', traits: { email: 'ada@example.com' } }),
      linkRow({ type: 'track', a: 'a2' }),
      linkRow({ a: 'a2', u: 'u-ada' }),
      linkRow({ a: 'b1', u: 'u-bob' }),
    ])
    await store.resolveIdentities({}, NOW)
    const { token } = (await store.issueToken(SITE, 'a1', NOW))!
    expect(await store.issueToken(SITE, 'a1', NOW)).toBeUndefined()
    expect(await store.verifyToken(SITE, token, NOW)).toBe('a1')
    const ada = (await store.findProfile(SITE, 'a2', NOW))!
    // Events stored but not yet resolved go too; their queue entries just leave the queue.
    await store.insertEvents([linkRow({ type: 'track', a: 'a1' })])
    expect(await store.eraseProfile(SITE, 'u-ada', NOW)).toEqual({
      profileId: ada.id,
      events: 5,
      identifiers: 4,
      auditEntries: 1,
    })
    expect(await store.eraseProfile(SITE, 'u-ada', NOW)).toBeUndefined()
    for (const key of ['a1', 'a2', 'u-ada', ada.id])
      expect(await store.findProfile(SITE, key, NOW)).toBeUndefined()
    expect(await store.exportProfile(SITE, 'a1', NOW)).toBeUndefined()
    // The token is revoked; a new one may be issued, and it is not the old one.
    expect(await store.verifyToken(SITE, token, NOW)).toBeUndefined()
    expect((await store.issueToken(SITE, 'a1', NOW))!.token).not.toBe(token)

    await store.insertEvents([
      linkRow({ type: 'track', a: 'a1' }),
      linkRow({ type: 'track', u: 'u-ada', a: 'a7' }),
      linkRow({ type: 'track', a: 'b1' }),
    ])
    // The erased ids' events are dropped before the write: only b1's reaches the database.
    expect(await store.resolveIdentities({}, NOW)).toBe(1)
    expect(await store.findProfile(SITE, 'a1', NOW)).toBeUndefined()
    expect(await store.findProfile(SITE, 'a7', NOW)).toBeUndefined()
    expect((await store.findProfile(SITE, 'b1', NOW))!.computed.frequency).toBe(2)
    const page = await store.listEvents(SITE, { limit: 10 })
    expect(page.events.map((e) => e.anonymousId)).toEqual(['b1', 'b1'])
    await store.close()
  })

  it('lists a profile’s newest events, and exports them oldest first with its audit', async () => {
    const store = await openTestPostgresStore()
    await store.insertEvents([
      linkRow({ type: 'page', a: 'a1', t: 1 }),
      linkRow({ a: 'a2', u: 'u1', t: 2 }),
      linkRow({ type: 'track', a: 'a1', u: 'u1', t: 3 }),
      linkRow({ type: 'track', a: 'other', t: 4 }),
    ])
    await store.resolveIdentities({}, NOW)
    const profile = (await store.findProfile(SITE, 'u1', NOW))!
    const newest = await store.profileEvents(SITE, profile.id, 2)
    expect(newest.map((e) => e.timestamp - newest[1]!.timestamp)).toEqual([1, 0])
    const exported = (await store.exportProfile(SITE, 'a2', NOW))!
    expect(exported.events.map((e) => e.anonymousId)).toEqual(['a1', 'a2', 'a1'])
    expect(exported.audit).toMatchObject([{ action: 'merge', profileId: profile.id }])
    expect(await store.verifyToken(SITE, 'a1.forged', NOW)).toBeUndefined()
    expect(await store.verifyToken(SITE, 'nodot', NOW)).toBeUndefined()
    await store.close()
  })
})
