// Randomized: after any sequence of links, every identifier resolves to exactly one profile,
// merges are transitive, rules hold and every event is counted once.
import { describe, expect, it } from 'vitest'
import { prng } from '../../test/support/prng.ts'
import { openSqliteStore } from '../store/sqlite.ts'
import { type Ev, linkRow } from './contract.ts'

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

const resolveAll = async (events: Ev[]) => {
  const store = openSqliteStore(':memory:')
  // Several batches, resolved in between and at the end, as a running collector does.
  for (let i = 0; i < events.length; i += 37) {
    await store.insertEvents(events.slice(i, i + 37).map(linkRow))
    if (i % 3 === 0) await store.resolveIdentities({}, NOW)
  }
  await store.resolveIdentities({}, NOW)
  return store
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
    const random = prng(seed)
    const pick = (n: number) => Math.floor(random() * n)
    const events: Ev[] = Array.from({ length: 500 }, () => {
      const a = `a${pick(60)}`
      const kind = pick(5)
      if (kind === 0) return { type: 'track' as const, a }
      if (kind === 1) return { a, u: `u${pick(15)}` }
      if (kind === 2)
        return { type: 'alias' as const, a, u: `u${pick(15)}`, prev: random() < 0.5 ? a : `u${pick(15)}` }
      if (kind === 3) return { a, traits: { email: `m${pick(25)}@example.com` } }
      return { a, u: pick(8) === 0 ? 'null' : `u${pick(15)}`, traits: { email: `m${pick(25)}@example.com` } }
    })
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
})
