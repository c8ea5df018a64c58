import { describe, expect, it } from 'vitest'
import { normal } from '../../../test/support/customers-simulation.ts'
import { prng } from '../../../test/support/prng.ts'
import { clusterPoints, kmeans, silhouette, standardise } from './kmeans.ts'

/** Three well-separated kinds of [recency, frequency, monetary], `each` of every kind, interleaved. */
const blobs = (seed: number, each: number) => {
  const random = prng(seed)
  const kinds = [
    { name: 'fans', recency: [5, 2], frequency: [12, 1], monetary: [600, 30] },
    { name: 'gone', recency: [300, 15], frequency: [1, 0], monetary: [30, 5] },
    { name: 'middle', recency: [90, 6], frequency: [5, 0.5], monetary: [200, 12] },
  ]
  const kind: string[] = []
  const points: number[][] = []
  for (let i = 0; i < each; i++)
    for (const k of kinds) {
      const draw = ([mean, sd]: number[]) => mean! + sd! * normal(random)
      kind.push(k.name)
      points.push([
        Math.max(0, draw(k.recency)),
        Math.max(1, Math.round(draw(k.frequency))),
        Math.max(1, draw(k.monetary)),
      ])
    }
  return { kind, points }
}

/** True when two labellings put the same items together (cluster numbers may differ). */
const samePartition = (a: readonly (string | number)[], b: readonly (string | number)[]) => {
  const ab = new Map<string | number, string | number>()
  const ba = new Map<string | number, string | number>()
  return a.every((x, i) => {
    const y = b[i]!
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false
    ab.set(x, y)
    ba.set(y, x)
    return true
  })
}

describe('clustering points', () => {
  const { kind, points } = blobs(7, 100)
  const result = clusterPoints(points, prng(1))

  it('finds three well-separated groups, with the right members', () => {
    expect(result.k).toBe(3)
    expect(result.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6])
    const best = Math.max(...result.scores.map((s) => s.silhouette))
    expect(result.silhouette).toBe(best)
    expect(result.silhouette).toBeGreaterThan(0.7)
    expect(samePartition(kind, result.labels)).toBe(true)
    expect(result.labels).toHaveLength(points.length)
    result.clusters.forEach((c, cluster) => {
      expect(c.members.every((i) => result.labels[i] === cluster)).toBe(true)
    })
    expect(result.clusters.map((c) => c.members.length)).toEqual([100, 100, 100])
    expect(result.sampled).toBe(false)
  })

  it('gives centres in the input units and mean z-scores, equal sizes by larger feature 2 first', () => {
    const byKind = (name: string) => result.clusters[result.labels[kind.indexOf(name)]!]!
    const fans = byKind('fans')
    expect(fans.centre[0]).toBeGreaterThan(3)
    expect(fans.centre[0]).toBeLessThan(7)
    expect(fans.centre[2]).toBeGreaterThan(590)
    expect(fans.centre[2]).toBeLessThan(610)
    expect(fans.z[0]).toBeLessThan(-0.5)
    expect(fans.z[1]).toBeGreaterThan(0.5)
    expect(fans.z[2]).toBeGreaterThan(0.5)
    expect(byKind('gone').centre[1]).toBe(1)
    expect(byKind('gone').z[0]).toBeGreaterThan(0.5)
    expect(result.clusters).toEqual([fans, byKind('middle'), byKind('gone')])
    const { z } = standardise(points)
    const zMean = fans.members.reduce((s, i) => s + z[i]![2]!, 0) / fans.members.length
    expect(fans.z[2]).toBeCloseTo(zMean, 12)
  })

  it('breaks a tie in size and feature 2 by the cluster of the earlier first member', () => {
    const line = [
      [0, 1, 5],
      [0.1, 1, 5],
      [10, 1, 5],
      [10.1, 1, 5],
    ]
    expect(clusterPoints(line, prng(2)).labels).toEqual([0, 0, 1, 1])
    expect(clusterPoints([...line].reverse(), prng(2)).labels).toEqual([0, 0, 1, 1])
  })

  it('puts every point in the cluster of its nearest centroid, also with few iterations or a constant column', () => {
    for (const [seed, maxIterations] of [
      [2, 100],
      [3, 1],
      [4, 2],
    ] as const) {
      const random = prng(seed)
      const raw = Array.from({ length: 300 }, () => [
        random() * 10,
        Math.floor(random() * 4),
        7,
        random() ** 3,
      ])
      const c = clusterPoints(raw, prng(seed), { maxIterations })
      const { z } = standardise(raw)
      expect(c.centroids).toHaveLength(c.k)
      z.forEach((p, i) => {
        const d2 = c.centroids.map((m) => m.reduce((s, v, d) => s + (p[d]! - v) ** 2, 0))
        expect(c.labels[i], `point ${i}`).toBe(d2.indexOf(Math.min(...d2)))
      })
      expect(c.clusters.reduce((n, k) => n + k.members.length, 0)).toBe(raw.length)
      expect(c.sd[2]).toBe(0)
    }
  })

  it('is deterministic for a seed, and finds the same groups from another seed', () => {
    expect(clusterPoints(points, prng(1))).toEqual(result)
    const other = clusterPoints(points, prng(99))
    expect(other.k).toBe(3)
    expect(samePartition(result.labels, other.labels)).toBe(true)
  })

  it('computes the silhouette on a seeded sample for large inputs, and still finds k', () => {
    const many = blobs(8, 1500)
    const big = clusterPoints(many.points, prng(3), { sampleSize: 600, kMax: 4 })
    expect(big.sampled).toBe(true)
    expect(big.k).toBe(3)
    expect(samePartition(many.kind, big.labels)).toBe(true)
  })

  it('tries only k within [kMin, kMax]', () => {
    const r = clusterPoints(points, prng(1), { kMin: 4, kMax: 5 })
    expect(r.scores.map((s) => s.k)).toEqual([4, 5])
    expect([4, 5]).toContain(r.k)
  })
})

describe('degenerate inputs', () => {
  /** Every number anywhere in the value (JSON.stringify would hide NaN as null). */
  const numbers = (v: unknown): number[] =>
    typeof v === 'number' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(numbers) : []
  const noNaN = (value: unknown) => expect(numbers(value).every(Number.isFinite)).toBe(true)

  it('returns nothing for no points', () => {
    expect(clusterPoints([], prng(1))).toEqual({
      k: 0,
      mean: [],
      sd: [],
      centroids: [],
      silhouette: null,
      scores: [],
      sampled: false,
      labels: [],
      clusters: [],
    })
  })

  it('puts identical points in one cluster, with no silhouette', () => {
    const same = Array.from({ length: 10 }, () => [7, 2, 50])
    const r = clusterPoints(same, prng(1))
    expect(r.k).toBe(1)
    expect(r.silhouette).toBeNull()
    noNaN(r)
    expect(r.clusters).toEqual([
      { members: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], centre: [7, 2, 50], z: [0, 0, 0] },
    ])
    expect(Number.isFinite(kmeans(standardise(same.map(() => [1, 2])).z, 3, prng(2)).inertia)).toBe(true)
  })

  it('handles a single point, and fewer distinct points than k', () => {
    const one = clusterPoints([[1, 1, 1]], prng(1))
    expect(one.k).toBe(1)
    expect(one.labels).toEqual([0])
    noNaN(one.clusters)
    const two = [
      [1, 1, 10],
      [1, 1, 10],
      [100, 1, 10],
    ]
    const r = clusterPoints(two, prng(1), { kMin: 2, kMax: 6 })
    expect(r.k).toBe(2)
    expect(r.scores.map((s) => s.k)).toEqual([2])
    expect(r.labels[0]).toBe(r.labels[1])
    noNaN(r)
  })

  it('k-means returns at most as many clusters as distinct points, without NaN', () => {
    const points = [
      [0, 0],
      [0, 0],
      [5, 5],
    ]
    const r = kmeans(points, 5, prng(4))
    expect(r.centroids).toHaveLength(2)
    expect(r.inertia).toBe(0)
    expect(r.converged).toBe(true)
    expect(kmeans([], 3, prng(1)).labels).toEqual([])
    expect(() => kmeans(points, 0, prng(1))).toThrow(RangeError)
  })
})

describe('the pieces', () => {
  it('standardises to mean 0 and deviation 1, a constant column to 0', () => {
    const { z, mean, sd } = standardise([
      [1, 5],
      [3, 5],
    ])
    expect(z).toEqual([
      [-1, 0],
      [1, 0],
    ])
    expect(mean).toEqual([2, 5])
    expect(sd).toEqual([1, 0])
  })

  it('computes the silhouette by its definition', () => {
    // Points 0, 1 | 4: for 0, a = 1, b = 4 → 0.75; for 1, a = 1, b = 3 → 2/3; a singleton scores 0.
    expect(silhouette([[0], [1], [4]], [0, 0, 1])).toBeCloseTo((0.75 + 2 / 3 + 0) / 3, 12)
    expect(silhouette([[0], [1]], [0, 0])).toBeNull()
  })

  it('puts the centres at the means of two groups on a line', () => {
    const points = [[0], [0.1], [0.2], [10], [10.1], [10.2]]
    const r = kmeans(points, 2, prng(5), { restarts: 1 })
    const centres = r.centroids.map((c) => c[0]!).sort((a, b) => a - b)
    expect(centres[0]).toBeCloseTo(0.1, 12)
    expect(centres[1]).toBeCloseTo(10.1, 12)
    expect(r.converged).toBe(true)
  })
})
