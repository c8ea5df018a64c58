/**
 * Clusters of points by k-means on their standardised features, k chosen by silhouette. The
 * customers report (customers-report.ts) clusters its customers on recency, frequency, monetary
 * value and page views, and names the clusters in its own words.
 *
 * - Seeding: k-means++ (Arthur & Vassilvitskii 2007, "k-means++: The Advantages of Careful
 *   Seeding"); each further centre is drawn with probability ∝ D², the squared distance to the
 *   nearest centre so far. The random source is passed in, so a seed replays a result.
 * - Iterations: Lloyd's (Lloyd 1982, "Least squares quantization in PCM"): assign to the nearest
 *   centre, move centres to their members' means, until no point changes cluster or the cap.
 *   Then every point is assigned once more to its nearest centre of the winning run: each point is
 *   in the cluster of the nearest centre, so the clusters can be told apart by that rule alone.
 * - k: the one in [kMin, kMax] with the highest mean silhouette (Rousseeuw 1987, "Silhouettes: a
 *   graphical aid to the interpretation and validation of cluster analysis"); ties go to the
 *   smaller k. The silhouette costs O(n²), so above `sampleSize` points it is computed on a
 *   sample of that many, drawn with the same random source; the clustering itself uses all points.
 *
 * Features are z-scores (mean 0, standard deviation 1 across the points), so days, orders and
 * currency weigh alike; a feature without spread scores 0. They are not log-transformed: with
 * heavy-tailed spend a few big spenders can make a cluster of their own.
 */
export type Random = () => number
type Point = readonly number[]

export interface KMeansOptions {
  /** Lloyd iterations per run. */
  maxIterations?: number
  /** Independent seedings; the run with the lowest within-cluster sum of squares wins. */
  restarts?: number
}

export interface KMeansResult {
  /** At most k: as many as there are distinct points. */
  centroids: number[][]
  labels: number[]
  /** Within-cluster sum of squared distances. */
  inertia: number
  converged: boolean
}

const distance2 = (a: Point, b: Point) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2
  return s
}

const nearest = (p: Point, centroids: readonly Point[]) => {
  let best = 0
  let bestD = Number.POSITIVE_INFINITY
  centroids.forEach((c, j) => {
    const d = distance2(p, c)
    if (d < bestD) [best, bestD] = [j, d]
  })
  return best
}

/** k-means++ seeding; stops early when every point already sits on a centre. */
const seed = (points: readonly Point[], k: number, random: Random) => {
  const first = points[Math.min(points.length - 1, Math.floor(random() * points.length))]!
  const centroids: number[][] = [[...first]]
  const d2 = points.map((p) => distance2(p, first))
  while (centroids.length < k) {
    const total = d2.reduce((s, d) => s + d, 0)
    if (!(total > 0)) break
    const target = random() * total
    let pick = -1
    let cumulative = 0
    for (let i = 0; i < points.length; i++) {
      if (d2[i]! === 0) continue
      pick = i // the last candidate, should rounding leave cumulative ≤ target
      cumulative += d2[i]!
      if (cumulative > target) break
    }
    const chosen = points[pick]!
    centroids.push([...chosen])
    points.forEach((p, i) => {
      d2[i] = Math.min(d2[i]!, distance2(p, chosen))
    })
  }
  return centroids
}

const lloyd = (points: readonly Point[], centroids: number[][], maxIterations: number) => {
  const labels = new Array<number>(points.length).fill(-1)
  const dims = points[0]!.length
  let converged = false
  let reseeded = false
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = false
    points.forEach((p, i) => {
      const j = nearest(p, centroids)
      if (j !== labels[i]) [labels[i], changed] = [j, true]
    })
    if (!changed && !reseeded) {
      converged = true
      break
    }
    const sums = centroids.map(() => new Array<number>(dims).fill(0))
    const sizes = new Array<number>(centroids.length).fill(0)
    points.forEach((p, i) => {
      sizes[labels[i]!]! += 1
      p.forEach((v, d) => {
        sums[labels[i]!]![d]! += v
      })
    })
    reseeded = false
    sizes.forEach((size, j) => {
      if (size > 0) centroids[j] = sums[j]!.map((s) => s / size)
      else {
        // An empty cluster takes the point farthest from its centre, and another round follows.
        let far = 0
        points.forEach((p, i) => {
          if (distance2(p, centroids[labels[i]!]!) > distance2(points[far]!, centroids[labels[far]!]!))
            far = i
        })
        centroids[j] = [...points[far]!]
        labels[far] = j
        reseeded = true
      }
    })
  }
  const inertia = points.reduce((s, p, i) => s + distance2(p, centroids[labels[i]!]!), 0)
  return { centroids, labels, inertia, converged }
}

/** k-means++ then Lloyd, best of `restarts` runs. Deterministic for a given random source. */
export const kmeans = (
  points: readonly Point[],
  k: number,
  random: Random,
  options: KMeansOptions = {},
): KMeansResult => {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError('k must be a whole number ≥ 1')
  if (points.length === 0) return { centroids: [], labels: [], inertia: 0, converged: true }
  let best: KMeansResult | null = null
  for (let run = 0; run < Math.max(1, options.restarts ?? 4); run++) {
    const result = lloyd(points, seed(points, k, random), options.maxIterations ?? 100)
    if (!best || result.inertia < best.inertia) best = result
  }
  return best!
}

/** Mean silhouette of a labelling; a point alone in its cluster scores 0. Null below 2 clusters. */
export const silhouette = (points: readonly Point[], labels: readonly number[]): number | null => {
  const k = labels.reduce((m, l) => Math.max(m, l + 1), 0)
  const sizes = new Array<number>(k).fill(0)
  for (const l of labels) sizes[l]! += 1
  if (sizes.filter((s) => s > 0).length < 2) return null
  let total = 0
  points.forEach((p, i) => {
    const own = labels[i]!
    if (sizes[own]! < 2) return
    const sums = new Array<number>(k).fill(0)
    points.forEach((q, j) => {
      sums[labels[j]!]! += Math.sqrt(distance2(p, q))
    })
    const a = sums[own]! / (sizes[own]! - 1)
    let b = Number.POSITIVE_INFINITY
    sums.forEach((s, c) => {
      if (c !== own && sizes[c]! > 0) b = Math.min(b, s / sizes[c]!)
    })
    const scale = Math.max(a, b)
    total += scale > 0 ? (b - a) / scale : 0
  })
  return total / points.length
}

/** z-scores per column, with the population standard deviation; a constant column scores 0. */
export const standardise = (points: readonly Point[]) => {
  const dims = points[0]?.length ?? 0
  const n = points.length
  const mean = Array.from({ length: dims }, (_, d) => points.reduce((s, p) => s + p[d]!, 0) / n)
  const sd = mean.map((m, d) => Math.sqrt(points.reduce((s, p) => s + (p[d]! - m) ** 2, 0) / n))
  const z = points.map((p) => p.map((v, d) => (sd[d]! > 0 ? (v - mean[d]!) / sd[d]! : 0)))
  return { z, mean, sd }
}

export interface ClusterOptions extends KMeansOptions {
  kMin?: number
  kMax?: number
  /** Most points the silhouette is computed on. */
  sampleSize?: number
}

export interface Cluster {
  /** Indices of the member points, ascending. */
  members: number[]
  /** The members' means per feature, in the input's units. */
  centre: number[]
  /** The members' mean z-score per feature. */
  z: number[]
}

export interface Clustering {
  /** The clusters found: 1 when the points do not differ (or are fewer than 2); 0 without points. */
  k: number
  /** Each feature's mean and population standard deviation: z = (x − mean) / sd, 0 where sd is 0. */
  mean: number[]
  sd: number[]
  /** The clusters' centres in z-scores: each point is in the cluster of the nearest (ties: the first). */
  centroids: number[][]
  silhouette: number | null
  /** The silhouette of each k tried. */
  scores: { k: number; silhouette: number }[]
  /** True when the silhouettes come from a sample of sampleSize points. */
  sampled: boolean
  /** Each point's cluster: an index into `clusters`. */
  labels: number[]
  /** Largest first; equal sizes by the larger mean of feature 2, then by the earlier first member. */
  clusters: Cluster[]
}

/**
 * Standardises the points (finite numbers, one column a feature), runs k-means for each k in
 * [kMin, min(kMax, distinct points)] and keeps the labelling with the highest silhouette.
 */
export const clusterPoints = (
  raw: readonly Point[],
  random: Random,
  options: ClusterOptions = {},
): Clustering => {
  const n = raw.length
  const dims = raw[0]?.length ?? 0
  const { z, mean: means, sd } = standardise(raw)
  const distinct = new Set(z.map((p) => p.join(','))).size
  const sampleSize = options.sampleSize ?? 2000
  // A partial Fisher–Yates shuffle picks the silhouette's sample, before any k-means draw.
  const order = raw.map((_, i) => i)
  const sampled = n > sampleSize
  if (sampled)
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.min(n - i - 1, Math.floor(random() * (n - i)))
      ;[order[i], order[j]] = [order[j]!, order[i]!]
    }
  const sample = order.slice(0, Math.min(n, sampleSize))

  let labels = new Array<number>(n).fill(0)
  let centres: number[][] | undefined
  let bestScore: number | null = null
  const scores: { k: number; silhouette: number }[] = []
  const kMax = Math.min(options.kMax ?? 6, distinct)
  for (let k = Math.max(2, options.kMin ?? 2); k <= kMax; k++) {
    const run = kmeans(z, k, random, options)
    const score = silhouette(
      sample.map((i) => z[i]!),
      sample.map((i) => run.labels[i]!),
    )
    if (score === null) continue
    scores.push({ k, silhouette: score })
    if (bestScore === null || score > bestScore)
      [bestScore, labels, centres] = [score, run.labels, run.centroids]
  }

  const mean = (members: number[], rows: readonly Point[], d: number) =>
    members.reduce((s, i) => s + rows[i]![d]!, 0) / members.length
  const features = Array.from({ length: dims }, (_, d) => d)
  /** Groups of points by label, in the order of their first member (the sort's last tie-break). */
  const groupsOf = (of: readonly number[]) => {
    const groups = new Map<number, number[]>()
    of.forEach((l, i) => {
      const members = groups.get(l)
      if (members) members.push(i)
      else groups.set(l, [i])
    })
    return groups
  }
  // Largest first; the winning run's centres in that order (one centre, the mean, without a run).
  const bySize = [...groupsOf(labels)].sort(
    ([, a], [, b]) => b.length - a.length || mean(b, raw, 2) - mean(a, raw, 2),
  )
  const ordered = bySize.map(([label, members]) =>
    centres ? centres[label]! : features.map((d) => mean(members, z, d)),
  )
  // Each point in the cluster of its nearest centre: the same as the run's labels once it converged.
  const assigned = z.map((p) => nearest(p, ordered))
  const groups = groupsOf(assigned)
  const kept = ordered.flatMap((c, j) => (groups.has(j) ? [[c, groups.get(j)!] as const] : []))
  const clusters = kept.map(([, members]) => ({
    members,
    centre: features.map((d) => mean(members, raw, d)),
    z: features.map((d) => mean(members, z, d)),
  }))
  const renumbered = new Array<number>(n).fill(0)
  clusters.forEach(({ members }, cluster) => {
    for (const i of members) renumbered[i] = cluster
  })
  return {
    k: clusters.length,
    mean: means,
    sd,
    centroids: kept.map(([c]) => [...c]),
    silhouette: bestScore,
    scores,
    sampled,
    labels: renumbered,
    clusters,
  }
}
