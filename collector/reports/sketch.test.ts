import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { addToSketch, decodeSketch, encodeSketch, estimate, hash32, mergeInto, newSketch } from './sketch.ts'

const sketchOf = (values: Iterable<string>) => {
  const s = newSketch()
  for (const v of values) addToSketch(s, v)
  return s
}
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `~device-${from + i}`)

describe('distinct counts by sketch', () => {
  it('hashes ids like ours to coin flips: every bit of the hash is set for half of them', () => {
    const hashes = ids(0, 100_000).map(hash32)
    for (let bit = 0; bit < 32; bit++) {
      const set = hashes.filter((h) => (h >>> bit) & 1).length / hashes.length
      expect(Math.abs(set - 0.5), `bit ${bit}`).toBeLessThan(0.01)
    }
  })

  it('counts a thousand exactly, and more within 3 standard errors (1.6 % each) up to a million', () => {
    expect(estimate(newSketch())).toBe(0)
    for (const n of [1, 10, 1_000, 1_024]) expect(estimate(sketchOf(ids(0, n)))).toBe(n)
    for (const n of [1_025, 30_000, 1_000_000]) {
      const counted = estimate(sketchOf(ids(0, n)))
      expect(Math.abs(counted - n) / n).toBeLessThan(3 * 0.0163)
    }
  })

  it('adding a value again changes nothing; a merge counts the union once', () => {
    const a = sketchOf(ids(0, 20_000))
    const again = sketchOf([...ids(0, 20_000), ...ids(0, 20_000)])
    expect(again).toEqual(a)
    const b = sketchOf(ids(10_000, 40_000))
    mergeInto(a, b)
    expect(a).toEqual(sketchOf(ids(0, 40_000)))
    expect(Math.abs(estimate(a) - 40_000) / 40_000).toBeLessThan(3 * 0.0163)
  })

  it('a merge of few stays exact, and of many counts as the registers say', () => {
    const a = sketchOf(ids(0, 600))
    mergeInto(a, sketchOf(ids(300, 900)))
    expect(estimate(a)).toBe(900)
    mergeInto(a, sketchOf(ids(900, 1_500)))
    expect(a.registers).not.toBeNull()
    expect(a).toEqual(sketchOf(ids(0, 1_500)))
  })

  it('survives storing, few as hashes and many as registers (smaller), and refuses what is not a sketch', () => {
    for (const s of [newSketch(), sketchOf(ids(0, 500)), sketchOf(ids(0, 5_000))]) {
      expect(decodeSketch(encodeSketch(s))).toEqual(s)
    }
    expect(encodeSketch(sketchOf(ids(0, 5_000))).length).toBeLessThan(4_096 / 2)
    const junk = (bytes: number[]) => () => decodeSketch(deflateRawSync(Buffer.from(bytes)))
    expect(junk([1, 2, 3])).toThrow(/not a stored sketch/)
    expect(junk([0, 1, 2, 3])).toThrow(/not a stored sketch/)
    expect(junk([2, 0, 0, 0, 0])).toThrow(/not a stored sketch/)
  })
})
