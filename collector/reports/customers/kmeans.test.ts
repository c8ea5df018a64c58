import { describe, expect, it } from 'vitest'
import { normal } from '../../../test/support/customers-simulation.ts'
import { prng } from '../../../test/support/prng.ts'
import { clusterCustomers, describeCluster, kmeans, silhouette, standardise } from './kmeans.ts'
import type { RfmCustomer } from './rfm.ts'

/** Three well-separated kinds of customer, `each` of every kind, in an interleaved order. */
const blobs = (seed: number, each: number) => {
  const random = prng(seed)
  const kinds = [
    { name: 'fans', recency: [5, 2], frequency: [12, 1], monetary: [600, 30] },
    { name: 'gone', recency: [300, 15], frequency: [1, 0], monetary: [30, 5] },
    { name: 'middle', recency: [90, 6], frequency: [5, 0.5], monetary: [200, 12] },
  ]
  const customers: (RfmCustomer & { kind: string })[] = []
  for (let i = 0; i < each; i++)
    for (const k of kinds) {
      const draw = ([mean, sd]: number[]) => mean! + sd! * normal(random)
      customers.push({
        id: `${k.name}-${i}`,
        kind: k.name,
        recencyDays: Math.max(0, draw(k.recency)),
        frequency: Math.max(1, Math.round(draw(k.frequency))),
        monetary: Math.max(1, draw(k.monetary)),
      })
    }
  return customers
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

describe('clustering customers', () => {
  const customers = blobs(7, 100)
  const result = clusterCustomers(customers, prng(1))

  it('finds three well-separated groups, with the right members', () => {
    expect(result.k).toBe(3)
    expect(result.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6])
    const best = Math.max(...result.scores.map((s) => s.silhouette))
    expect(result.silhouette).toBe(best)
    expect(result.silhouette).toBeGreaterThan(0.7)
    expect(
      samePartition(
        customers.map((c) => c.kind),
        result.assignments.map((a) => a.cluster),
      ),
    ).toBe(true)
    expect(result.assignments.map((a) => a.id)).toEqual(customers.map((c) => c.id))
    expect(result.clusters.map((c) => c.customers)).toEqual([100, 100, 100])
    expect(result.sampled).toBe(false)
  })

  it('reports centroids in days, orders and currency, described against the mean', () => {
    const byKind = (kind: string) => {
      const cluster = result.assignments[customers.findIndex((c) => c.kind === kind)]!.cluster
      return result.clusters[cluster]!
    }
    const fans = byKind('fans')
    expect(fans.centroid.recencyDays).toBeGreaterThan(3)
    expect(fans.centroid.recencyDays).toBeLessThan(7)
    expect(fans.centroid.monetary).toBeGreaterThan(590)
    expect(fans.centroid.monetary).toBeLessThan(610)
    expect(fans.description).toBe('recent, frequent, high spend')
    expect(byKind('gone').description).toBe('lapsed, one order, low spend')
    expect(byKind('gone').centroid.frequency).toBe(1)
    expect(byKind('middle').description).toBe('average recency, average frequency, average spend')
  })

  it('is deterministic for a seed, and finds the same groups from another seed', () => {
    expect(clusterCustomers(customers, prng(1))).toEqual(result)
    const other = clusterCustomers(customers, prng(99))
    expect(other.k).toBe(3)
    expect(
      samePartition(
        result.assignments.map((a) => a.cluster),
        other.assignments.map((a) => a.cluster),
      ),
    ).toBe(true)
  })

  it('computes the silhouette on a seeded sample for large inputs, and still finds k', () => {
    const many = blobs(8, 1500)
    const big = clusterCustomers(many, prng(3), { sampleSize: 600, kMax: 4 })
    expect(big.sampled).toBe(true)
    expect(big.k).toBe(3)
    expect(
      samePartition(
        many.map((c) => c.kind),
        big.assignments.map((a) => a.cluster),
      ),
    ).toBe(true)
  })
})

describe('degenerate inputs', () => {
  /** Every number anywhere in the value (JSON.stringify would hide NaN as null). */
  const numbers = (v: unknown): number[] =>
    typeof v === 'number' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(numbers) : []
  const noNaN = (value: unknown) => expect(numbers(value).every(Number.isFinite)).toBe(true)

  it('returns nothing for no customers', () => {
    expect(clusterCustomers([], prng(1))).toEqual({
      k: 0,
      silhouette: null,
      scores: [],
      sampled: false,
      clusters: [],
      assignments: [],
    })
  })

  it('puts identical customers in one cluster, with no silhouette', () => {
    const same = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`,
      recencyDays: 7,
      frequency: 2,
      monetary: 50,
    }))
    const r = clusterCustomers(same, prng(1))
    expect(r.k).toBe(1)
    expect(r.silhouette).toBeNull()
    noNaN(r)
    expect(r.clusters[0]).toEqual({
      cluster: 0,
      customers: 10,
      centroid: { recencyDays: 7, frequency: 2, monetary: 50 },
      description: 'average recency, average frequency, average spend',
    })
    expect(Number.isFinite(kmeans(standardise(same.map(() => [1, 2])).z, 3, prng(2)).inertia)).toBe(true)
  })

  it('handles a single customer, and fewer distinct customers than k', () => {
    const one = clusterCustomers([{ id: 'a', recencyDays: 1, frequency: 1, monetary: 1 }], prng(1))
    expect(one.k).toBe(1)
    expect(one.assignments).toEqual([{ id: 'a', cluster: 0 }])
    noNaN(one.clusters)
    const two = [
      { id: 'a', recencyDays: 1, frequency: 1, monetary: 10 },
      { id: 'b', recencyDays: 1, frequency: 1, monetary: 10 },
      { id: 'c', recencyDays: 100, frequency: 1, monetary: 10 },
    ]
    const r = clusterCustomers(two, prng(1), { kMin: 2, kMax: 6 })
    expect(r.k).toBe(2)
    expect(r.scores.map((s) => s.k)).toEqual([2])
    expect(r.assignments[0]!.cluster).toBe(r.assignments[1]!.cluster)
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

  it('describes a centroid in words, half a deviation from the mean being the line', () => {
    expect(describeCluster([-0.6, 0.6, 0.6], 8)).toBe('recent, frequent, high spend')
    expect(describeCluster([0.6, -0.6, -0.6], 1.2)).toBe('lapsed, one order, low spend')
    expect(describeCluster([0.4, -0.6, 0], 2)).toBe('average recency, infrequent, average spend')
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
