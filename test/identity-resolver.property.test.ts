// Randomized: after any sequence of links, every identifier resolves to exactly one profile,
// merges are transitive, rules hold and every event is counted once.
import { describe, expect, it } from 'vitest'
import { isBlocked } from '../collector/identity/rules.ts'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { type Ev, linkRow } from './contracts/identity.contract.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { prng } from './support/prng.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')

/** Union-find over identifier names: the partition the links imply. */
const components = () => {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    const p = parent.get(x) ?? x
    if (p === x) return x
    const root = find(p)
    parent.set(x, root)
    return root
  }
  return { find, union: (x: string, y: string) => parent.set(find(x), find(y)) }
}

const resolveAll = async (events: Ev[], store: Store = openSqliteStore(':memory:')) => {
  // Several batches, resolved in between and at the end, as a running collector does.
  for (let i = 0; i < events.length; i += 37) {
    await store.insertEvents(events.slice(i, i + 37).map(linkRow))
    if (i % 3 === 0) await store.resolveIdentities({}, NOW)
  }
  await store.resolveIdentities({}, NOW)
  return store
}

/** Links that often conflict: shared devices, shared emails, aliases across user ids. */
const conflicting = (seed: number, length: number): Ev[] => {
  const random = prng(seed)
  const pick = (n: number) => Math.floor(random() * n)
  return Array.from({ length }, () => {
    const a = `a${pick(60)}`
    const kind = pick(6)
    if (kind === 0) return { type: 'track' as const, a }
    if (kind === 1) return { a, u: `u${pick(15)}` }
    if (kind === 2)
      return { type: 'alias' as const, a, u: `u${pick(15)}`, prev: random() < 0.5 ? a : `u${pick(15)}` }
    if (kind === 3) return { a, traits: { email: `m${pick(25)}@example.com` } }
    if (kind === 4) return { type: 'track' as const, a, u: `u${pick(15)}` }
    return { a, u: pick(8) === 0 ? 'null' : `u${pick(15)}`, traits: { email: `m${pick(25)}@example.com` } }
  })
}

/**
 * An event that carries a user id belongs to that user's profile and to no other, and erasing the
 * user removes every event that carried the id, whatever else the events linked.
 */
const userIdsHold = async (store: Store, events: Ev[]) => {
  await resolveAll(events, store)
  const users = [...new Set(events.map((e) => e.u).filter((u): u is string => !!u && !isBlocked(u)))]
  for (const u of users) {
    const { profile, events: held } = (await store.exportProfile('demo', u, NOW))!
    const mine = profile.identifiers.filter((i) => i.kind === 'user').map((i) => i.value)
    expect(mine).toEqual([u])
    for (const e of held) if (e.userId && !isBlocked(e.userId)) expect(e.userId).toBe(u)
    expect(held.filter((e) => e.userId === u)).toHaveLength(events.filter((e) => e.u === u).length)
  }
  for (const u of users.filter((_, i) => i % 3 === 0)) {
    await store.eraseProfile('demo', u, NOW)
    const left = (await store.listEvents('demo', { limit: 10_000 })).events
    expect(left.filter((e) => e.userId === u)).toEqual([])
  }
  await store.close()
}

describe('identity graph, randomized', () => {
  it.each([1, 2, 3, 4, 5])(
    'without conflicting links the profiles are exactly the linked components (seed %i)',
    async (seed) => {
      const random = prng(seed)
      const pick = (n: number) => Math.floor(random() * n)
      const uf = components()
      const events: Ev[] = []
      for (let i = 0; i < 400; i++) {
        const anon = pick(40)
        const person = anon % 10 // each device belongs to one person: links never conflict
        const a = `a${anon}`
        const kind = pick(4)
        if (kind === 0) events.push({ type: 'page', a })
        else if (kind === 1) {
          events.push({ a, u: `u${person}`, t: pick(10_000) })
          uf.union(a, `u${person}`)
        } else if (kind === 2) {
          events.push({ type: 'alias', a, u: `u${person}`, prev: a })
          uf.union(a, `u${person}`)
        } else {
          events.push({ a, traits: { email: `p${person}@example.com` } })
          uf.union(a, `p${person}@example.com`)
        }
      }
      const store = await resolveAll(events)
      const keys = [...new Set(events.flatMap((e) => [e.a, e.u].filter((k): k is string => !!k)))]
      const profileOf = new Map<string, string>()
      for (const key of keys) profileOf.set(key, (await store.findProfile('demo', key, NOW))!.id)
      for (const x of keys)
        for (const y of keys)
          expect(profileOf.get(x) === profileOf.get(y), `${x} ~ ${y}`).toBe(uf.find(x) === uf.find(y))
      // Every event counted once, in exactly one profile.
      const profiles = [...new Set(profileOf.values())]
      let counted = 0
      for (const id of profiles) counted += (await store.findProfile('demo', id, NOW))!.computed.frequency
      expect(counted).toBe(events.length)
      await store.close()
    },
  )

  it.each([11, 12, 13])('with conflicting links every rule holds (seed %i)', async (seed) => {
    const events = conflicting(seed, 500)
    const store = await resolveAll(events)
    const seen = new Set<string>()
    let counted = 0
    for (const key of new Set(events.flatMap((e) => [e.a!, e.u ?? 'null']))) {
      const profile = await store.findProfile('demo', key, NOW)
      if (!profile) continue // a refused user id, or a placeholder
      // The profile holds the key, and everything it holds resolves back to it.
      expect(profile.identifiers.some((i) => i.value === key)).toBe(true)
      if (seen.has(profile.id)) continue
      seen.add(profile.id)
      counted += profile.computed.frequency
      expect(profile.identifiers.filter((i) => i.kind === 'user').length).toBeLessThanOrEqual(1)
      expect(profile.identifiers.filter((i) => i.kind === 'email').length).toBeLessThanOrEqual(5)
      for (const i of profile.identifiers.filter((i) => i.kind !== 'email'))
        expect((await store.findProfile('demo', i.value, NOW))!.id).toBe(profile.id)
    }
    expect(counted).toBe(events.length)
    await store.close()
  })

  it.each([21, 22])(
    "an event with a user id is in that user's profile only; erasure takes it (SQLite, seed %i)",
    (seed) => userIdsHold(openSqliteStore(':memory:'), conflicting(seed, 400)),
  )
})

describePostgres('identity graph, randomized: PostgreSQL', () => {
  it.each([21, 22])(
    "an event with a user id is in that user's profile only; erasure takes it (seed %i)",
    async (seed) => userIdsHold(await openTestPostgresStore(), conflicting(seed, 400)),
  )
})
