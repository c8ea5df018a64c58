import { describe, expect, it } from 'vitest'
import { fnv1a32, hash } from './hash.ts'

// GrowthBook's own hash, from the installed package (not among its public exports).
const reference = '../../node_modules/@growthbook/growthbook/dist/esm/util.mjs'
const growthbook = (await import(reference)) as {
  hash(seed: string, value: string, version: number): number | null
}

describe('hash', () => {
  it('is FNV-1a 32', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
  })

  it("equals GrowthBook's for both versions, any seed and value", () => {
    const values = ['', 'a', 'user-1', '8952klfjas09ujkasdf', '___)((*":&', '中文', '😀 emoji']
    for (let i = 0; i < 300; i++) values.push(`visitor-${i * 7919}`)
    for (const seed of ['', 'exp-1', 'hero', '中', 'a long seed with spaces'])
      for (const value of values)
        for (const version of [1, 2])
          expect(hash(seed, value, version)).toBe(growthbook.hash(seed, value, version))
  })

  it('is null for unknown versions', () => {
    expect(hash('s', 'v', 3)).toBeNull()
    expect(growthbook.hash('s', 'v', 3)).toBeNull()
  })

  it('spreads evenly over [0, 1)', () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[Math.floor(hash('seed', `user-${i}`)! * 4)]!++
    for (const n of counts) expect(n).toBeGreaterThan(900)
  })
})
