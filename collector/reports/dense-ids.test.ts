import { describe, expect, it } from 'vitest'
import { denseIds, seededHash } from './dense-ids.ts'

/** A seeded generator (mulberry32), so a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
}

describe('denseIds', () => {
  it('numbers ids densely in the order they come, as a Map would', () => {
    const next = random(7)
    const index = denseIds(12345)
    const oracle = new Map<string, number>()
    const got: number[] = []
    const want: number[] = []
    for (let k = 0; k < 200_000; k++) {
      // Fresh strings, repeats included, of varied lengths and characters.
      const id = `${next() < 0.5 ? 'p-' : 'anon-é-'}${Math.floor(next() * 60_000)}`
      if (!oracle.has(id)) oracle.set(id, oracle.size)
      got.push(index.numberOf(id))
      want.push(oracle.get(id)!)
    }
    expect(got).toEqual(want)
    expect(index.size).toBe(oracle.size)
    expect(index.ids).toEqual([...oracle.keys()])
  })

  it('stays exact when every id collides, and leaves the table for a Map', () => {
    let calls = 0
    const index = denseIds(1, () => {
      calls++
      return 42
    })
    for (let round = 0; round < 2; round++)
      for (let n = 0; n < 5_000; n++) expect(index.numberOf(`id-${n}`)).toBe(n)
    expect(index.size).toBe(5_000)
    // Once a probe ran long the table is no longer hashed into: at most the first 65 ids were.
    expect(calls).toBeLessThanOrEqual(65)
  })

  it('hashes with its seed', () => {
    expect(seededHash('p-1', 1)).not.toBe(seededHash('p-1', 2))
    expect(seededHash('p-1', 1)).toBe(seededHash('p-1', 1))
  })
})
