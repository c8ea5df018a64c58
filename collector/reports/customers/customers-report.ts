/**
 * The customers report, assembled from each customer's orders and page views: RFM segments
 * (rfm.ts), k-means clusters over RFM and page views (kmeans.ts), historical CLV by cohort and, when enough
 * customers ordered again, predicted CLV from BG/NBD and Gamma-Gamma (clv.ts). Pure: histories
 * and the report instant in, groups, counts and means out. No answer carries a person.
 */
import { dateOf } from '../time.ts'
import { type BgNbdParams, fitBgNbd } from './bgnbd.ts'
import { clusterRuleOf } from './cluster-rule.ts'
import { type ClvOptions, historicalClvByCohort, predictedClv, type ValueHistory } from './clv.ts'
import { cohortRuleOf } from './cohort-rule.ts'
import { fitGammaGamma, type GammaGammaParams } from './gamma-gamma.ts'
import { clusterPoints, type Random } from './kmeans.ts'
import { type RfmSegment, scoreRfm, segmentLabels, segments, summarizeRfm } from './rfm.ts'
import { groupRules, type RuleBasis } from './rfm-rule.ts'

const DAY = 86_400_000
/** A month in days, the CLV's period. */
export const MONTH_DAYS = 30.4375
/** The models are fitted only with at least this many customers who ordered on a second day. */
export const MIN_REPEAT_CUSTOMERS = 20
/** Clusters tried, and the most customers the silhouette is computed on (it costs O(n²)). */
const K_MIN = 2
const K_MAX = 6
const SILHOUETTE_SAMPLE = 1500
const SEED = 20_261_206

/** One customer: orders in time order (at least one) and page views, in the history read. */
export interface CustomerHistory {
  orders: { at: number; revenue: number }[]
  pageviews: number
}

export interface ReportOptions {
  /** The report instant: the end of the history read (epoch ms). */
  at: number
  /** The site's time zone: purchase days and cohorts are local. */
  zone: string
  horizonMonths: number
  discountRate: number
  /** How the orders read as segment terms (rfm-rule.ts ruleBasisOf), for each group's rule. */
  rules: RuleBasis
  /** The same for terms that only find orders (orderBasisOf), for each cohort's rule. */
  cohortRules: RuleBasis
}

/** mulberry32: k-means++ draws from a fixed seed, so the same data gives the same clusters. */
const seeded =
  (seed: number): Random =>
  () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits
const meanOf = (values: readonly number[]) =>
  values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length

/** What one customer brings to every part of the report. */
interface Features {
  recencyDays: number
  frequency: number
  monetary: number
  /** Days since the last order, not rounded: what clusters read (as the segment term `recency`). */
  recency: number
  pageviews: number
  cohort: string
  model: ValueHistory
}

/** What RFM scores in one history (orders in time order) at the report instant. */
const rfmFactsOf = (h: CustomerHistory, at: number) => ({
  recencyDays: Math.max(0, Math.floor((at - h.orders[h.orders.length - 1]!.at) / DAY)),
  frequency: h.orders.length,
  monetary: h.orders.reduce((s, x) => s + x.revenue, 0),
})

/** The histories (orders in time order) scored as the report scores them, in their order. */
export const scoreHistories = (histories: readonly CustomerHistory[], at: number) =>
  scoreRfm(histories.map((h, i) => ({ id: String(i), ...rfmFactsOf(h, at) })))

/**
 * The models count purchase days, not orders (as Fader & Hardie's data and lifetimes' summaries
 * do): two orders on one local day are one purchase of their sum. x = days after the first, tx and
 * T in days from the first order; meanSpend = the mean of those later days' totals.
 */
const featuresOf = (h: CustomerHistory, o: ReportOptions): Features => {
  const first = h.orders[0]!.at
  const days = new Map<string, { at: number; revenue: number }>()
  for (const order of h.orders) {
    const day = dateOf(order.at, o.zone)
    const d = days.get(day)
    if (d) d.revenue += order.revenue
    else days.set(day, { ...order })
  }
  const later = [...days.values()].slice(1)
  return {
    ...rfmFactsOf(h, o.at),
    recency: (o.at - h.orders[h.orders.length - 1]!.at) / DAY,
    pageviews: h.pageviews,
    cohort: dateOf(first, o.zone).slice(0, 7),
    model: {
      x: later.length,
      tx: later.length > 0 ? (later[later.length - 1]!.at - first) / DAY : 0,
      T: Math.max(0, (o.at - first) / DAY),
      meanSpend: later.length > 0 ? later.reduce((s, d) => s + d.revenue, 0) / later.length : 0,
    },
  }
}

const FEATURES = ['recencyDays', 'frequency', 'monetary', 'pageviews'] as const
type Feature = (typeof FEATURES)[number]

/** Words per feature for a cluster's mean z-score: below −0.5, within, above +0.5. */
const WORDS: Record<Feature, [string, string, string]> = {
  recencyDays: ['recent', 'average recency', 'lapsed'],
  frequency: ['infrequent', 'average frequency', 'frequent'],
  monetary: ['low spend', 'average spend', 'high spend'],
  pageviews: ['few page views', '', 'many page views'],
}

/** RFM words always, behaviour words only where the cluster stands out; "one order" below 1.5. */
const wordsFor = (z: readonly number[], meanFrequency: number) =>
  FEATURES.map((f, d) => {
    if (f === 'frequency' && meanFrequency < 1.5) return 'one order'
    const [low, mid, high] = WORDS[f]
    return z[d]! < -0.5 ? low : z[d]! > 0.5 ? high : mid
  })
    .filter(Boolean)
    .join(', ')

/** A cluster's centre by feature name, rounded. */
const centroidOf = (centre: readonly number[]) =>
  Object.fromEntries(FEATURES.map((f, d) => [f, round(centre[d]!)])) as Record<Feature, number>

/**
 * k-means on z-scores of the four features (recency in days, not rounded), k in [2, 6] by the
 * highest mean silhouette (ties to the smaller k; on a seeded sample above SILHOUETTE_SAMPLE
 * customers). Clusters numbered largest first, each with its segment rule (cluster-rule.ts).
 */
const clustersOf = (features: readonly Features[], basis: RuleBasis) => {
  const found = clusterPoints(
    features.map((f) => FEATURES.map((k) => (k === 'recencyDays' ? f.recency : f[k]))),
    seeded(SEED),
    { kMin: K_MIN, kMax: K_MAX, sampleSize: SILHOUETTE_SAMPLE },
  )
  return {
    summary: {
      k: found.k,
      silhouette: found.silhouette === null ? null : round(found.silhouette, 4),
      scores: found.scores.map((s) => ({ k: s.k, silhouette: round(s.silhouette, 4) })),
      sampled: found.sampled,
      features: [...FEATURES],
      clusters: found.clusters.map(({ members, centre, z }, cluster) => ({
        cluster,
        customers: members.length,
        centroid: centroidOf(centre),
        description: wordsFor(z, centre[1]!),
        ...clusterRuleOf(found, cluster, basis),
      })),
    },
    assignment: found.labels,
  }
}

export interface GroupPrediction {
  customers: number
  /** Mean discounted expected revenue over the horizon. */
  meanClv: number
  /** Mean expected purchase days over the horizon. */
  meanPurchases: number
  /** Mean P(alive) at the report date. */
  meanAlive: number
}

type Prediction = {
  horizonMonths: number
  discountRate: number
  /** Customers who ordered on a second day: what the models learn repeat behaviour from. */
  repeatCustomers: number
  bgnbd: BgNbdParams & { converged: boolean }
  gammaGamma: GammaGammaParams & { converged: boolean }
  total: GroupPrediction & { clv: number }
  bySegment: ({ segment: RfmSegment } & GroupPrediction)[]
  byCluster: ({ cluster: number } & GroupPrediction)[]
}

const groupOf = (values: readonly { clv: number; purchases: number; alive: number }[]): GroupPrediction => ({
  customers: values.length,
  meanClv: round(meanOf(values.map((v) => v.clv)) ?? 0),
  meanPurchases: round(meanOf(values.map((v) => v.purchases)) ?? 0, 3),
  meanAlive: round(meanOf(values.map((v) => v.alive)) ?? 0, 4),
})

/** Predicted CLV, or why there is none. */
const predictionOf = (
  features: readonly Features[],
  segmentOf: readonly RfmSegment[],
  clusterOf: readonly number[],
  clusterCount: number,
  o: ReportOptions,
): { predicted: Prediction | null; reason: string | null } => {
  const repeat = features.filter((f) => f.model.x > 0).length
  if (repeat < MIN_REPEAT_CUSTOMERS)
    return {
      predicted: null,
      reason: `${repeat} customers ordered on more than one day; the models need at least ${MIN_REPEAT_CUSTOMERS}`,
    }
  if (!features.some((f) => f.model.x > 0 && f.model.meanSpend > 0))
    return { predicted: null, reason: 'no repeat order has a positive revenue' }
  const histories = features.map((f) => f.model)
  const purchases = fitBgNbd(histories)
  const spending = fitGammaGamma(histories)
  if (!(spending.params.q > 1))
    return { predicted: null, reason: 'the spend model fitted q ≤ 1: spend per order has no finite mean' }
  const clv: ClvOptions = { periods: o.horizonMonths, periodLength: MONTH_DAYS, discountRate: o.discountRate }
  let values: { clv: number; purchases: number; alive: number }[]
  try {
    values = histories.map((h) => predictedClv(h, purchases.params, spending.params, clv))
  } catch (e) {
    if (e instanceof RangeError) return { predicted: null, reason: `the purchase model failed: ${e.message}` }
    throw e
  }
  // A fit that ran off along a flat likelihood (alike customers) can overflow: no prediction then.
  if (!values.every((v) => Number.isFinite(v.clv) && Number.isFinite(v.purchases)))
    return {
      predicted: null,
      reason: 'the purchase model gave no finite prediction: its fit did not settle on these customers',
    }
  const total = groupOf(values)
  return {
    reason: null,
    predicted: {
      horizonMonths: o.horizonMonths,
      discountRate: o.discountRate,
      repeatCustomers: repeat,
      bgnbd: { ...purchases.params, converged: purchases.converged },
      gammaGamma: { ...spending.params, converged: spending.converged },
      total: { ...total, clv: round(values.reduce((s, v) => s + v.clv, 0)) },
      bySegment: segments.flatMap((segment) => {
        const of = values.filter((_, i) => segmentOf[i] === segment)
        return of.length > 0 ? [{ segment, ...groupOf(of) }] : []
      }),
      byCluster: Array.from({ length: clusterCount }, (_, cluster) => ({
        cluster,
        ...groupOf(values.filter((_, i) => clusterOf[i] === cluster)),
      })),
    },
  }
}

/**
 * Histories in an order of their content, not of the store's rows or ids: k-means and the fits'
 * sums depend on the order of their input, and the same customers must answer the same on every
 * database. Orders within a history are sorted too.
 */
const inOrder = (histories: readonly CustomerHistory[]) => {
  const keyed = histories.map((h) => {
    const orders = [...h.orders].sort((a, b) => a.at - b.at || a.revenue - b.revenue)
    const total = orders.reduce((s, x) => s + x.revenue, 0)
    const key = [orders[0]!.at, orders.length, total, orders[orders.length - 1]!.at, h.pageviews]
    return { h: { ...h, orders }, key }
  })
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! - b.key[i]!
    return 0
  })
  return keyed.map(({ h }) => h)
}

/** The whole report over the customers' histories (each with at least one order), in any order. */
export const customersReport = (histories: readonly CustomerHistory[], o: ReportOptions) => {
  const ordered = inOrder(histories)
  const features = ordered.map((h) => featuresOf(h, o))
  const scored = scoreHistories(ordered, o.at)
  const summary = summarizeRfm(scored)
  const rules = groupRules(scored, o.rules)
  const segmentOf = scored.map((s) => s.segment)
  const { summary: clusters, assignment } = clustersOf(features, o.rules)
  const revenue = features.reduce((s, f) => s + f.monetary, 0)
  const orders = features.reduce((s, f) => s + f.frequency, 0)
  const { predicted, reason } = predictionOf(features, segmentOf, assignment, clusters.clusters.length, o)
  const mean = (of: number[]) => (of.length === 0 ? null : round(meanOf(of)!))
  return {
    customers: features.length,
    orders,
    revenue: round(revenue),
    repeatRate:
      features.length === 0
        ? null
        : round(features.filter((f) => f.frequency > 1).length / features.length, 4),
    segments: summary.segments.map((s) => {
      const of = features.filter((_, i) => segmentOf[i] === s.segment)
      return {
        segment: s.segment,
        name: segmentLabels[s.segment],
        customers: s.customers,
        share: features.length === 0 ? 0 : round(s.customers / features.length, 4),
        revenue: round(s.revenue),
        meanRecencyDays: mean(of.map((f) => f.recencyDays)),
        meanOrders: mean(of.map((f) => f.frequency)),
        meanRevenue: mean(of.map((f) => f.monetary)),
        meanR: s.meanR === null ? null : round(s.meanR),
        meanF: s.meanF === null ? null : round(s.meanF),
        meanM: s.meanM === null ? null : round(s.meanM),
        ...rules[s.segment],
      }
    }),
    /** Customers by score: grid[R − 1][F − 1]. */
    grid: summary.grid,
    clusters,
    cohorts: historicalClvByCohort(features.map((f) => ({ cohort: f.cohort, revenue: f.monetary }))).map(
      (c) => ({
        ...c,
        revenue: round(c.revenue),
        meanRevenue: round(c.meanRevenue),
        ...cohortRuleOf(c.cohort, o.cohortRules, o.zone),
      }),
    ),
    predicted,
    predictedReason: reason,
  }
}

export type CustomersReport = ReturnType<typeof customersReport>
