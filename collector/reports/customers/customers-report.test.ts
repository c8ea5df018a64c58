import { describe, expect, it } from 'vitest'
import { beta, exponential, gamma } from '../../../test/support/customers-simulation.ts'
import { prng } from '../../../test/support/prng.ts'
import { type CustomerHistory, customersReport, MIN_REPEAT_CUSTOMERS } from './customers-report.ts'

const DAY = 86_400_000
const AT = Date.parse('2026-11-24T00:00:00Z')
const options = {
  at: AT,
  zone: 'UTC',
  horizonMonths: 12,
  discountRate: 0.01,
  rules: { orders: { event: 'Order Completed' }, within: '365d' },
  cohortRules: { orders: { event: 'Order Completed' }, within: '365d' },
}

/** BG/NBD buyers (r 0.5, α 10 days, a 0.8, b 3) with Gamma spend, acquired over a year. */
const simulate = (seed: number, n: number): CustomerHistory[] => {
  const random = prng(seed)
  return Array.from({ length: n }, () => {
    const first = AT - Math.floor(1 + random() * 364) * DAY - 3_600_000
    const lambda = gamma(random, 0.5, 10)
    const p = beta(random, 0.8, 3)
    const nu = gamma(random, 3, 40)
    const spend = () => Math.round(gamma(random, 4, nu) * 100) / 100 + 1
    const orders = [{ at: first, revenue: spend() }]
    let t = first
    for (;;) {
      t += Math.max(DAY, exponential(random, lambda) * DAY)
      if (t >= AT) break
      orders.push({ at: t, revenue: spend() })
      if (random() < p) break
    }
    const visits = orders.length + Math.floor(random() * 4)
    return { orders, pageviews: visits * (1 + Math.floor(random() * 5)) }
  })
}

describe('customersReport', () => {
  const histories = simulate(7, 400)
  const report = customersReport(histories, options)

  it('counts every customer once in the segments, the grid and the clusters', () => {
    expect(report.customers).toBe(400)
    expect(report.segments.reduce((s, g) => s + g.customers, 0)).toBe(400)
    expect(report.grid.flat().reduce((s, n) => s + n, 0)).toBe(400)
    expect(report.clusters.clusters.reduce((s, k) => s + k.customers, 0)).toBe(400)
    expect(report.orders).toBe(histories.reduce((s, h) => s + h.orders.length, 0))
    const revenue = histories.reduce((s, h) => s + h.orders.reduce((t, o) => t + o.revenue, 0), 0)
    expect(report.revenue).toBeCloseTo(revenue, 1)
    expect(report.segments.reduce((s, g) => s + g.revenue, 0)).toBeCloseTo(revenue, 0)
  })

  it('chooses k by silhouette in 2–6 and describes each cluster in words', () => {
    const { k, scores, silhouette, clusters } = report.clusters
    expect(k).toBeGreaterThanOrEqual(2)
    expect(k).toBeLessThanOrEqual(6)
    expect(silhouette).toBe(Math.max(...scores.map((s) => s.silhouette)))
    expect(scores.find((s) => s.silhouette === silhouette)!.k).toBe(k)
    for (const c of clusters) expect(c.description).toMatch(/recen|lapsed|recency/)
    expect(clusters.map((c) => c.customers)).toEqual(
      [...clusters.map((c) => c.customers)].sort((a, b) => b - a),
    )
  })

  it('names each feature half a deviation from the mean, behaviour only where it stands out', () => {
    // Three kinds of customer, 30 each: [recency, orders, spend, page views] about
    // [3, 12, 600, 150], [300, 1, 30, 1] and [90, 5, 200, 55].
    const kinds = Array.from({ length: 30 }, (_, i): CustomerHistory[] => [
      {
        orders: Array.from({ length: 12 }, (_, j) => ({
          at: AT - (3 + (i % 3) + (11 - j) * 5) * DAY,
          revenue: 50,
        })),
        pageviews: 150 + (i % 4),
      },
      { orders: [{ at: AT - (300 + (i % 10)) * DAY, revenue: 30 + (i % 3) }], pageviews: 1 },
      {
        orders: Array.from({ length: 5 }, (_, j) => ({
          at: AT - (90 + (i % 5) + (4 - j) * 20) * DAY,
          revenue: 40,
        })),
        pageviews: 55,
      },
    ]).flat()
    const { k, clusters } = customersReport(kinds, options).clusters
    expect(k).toBe(3)
    const byOrders = (orders: number) => clusters.find((c) => c.centroid.frequency === orders)!.description
    expect(byOrders(12)).toBe('recent, frequent, high spend, many page views')
    expect(byOrders(1)).toBe('lapsed, one order, low spend, few page views')
    expect(byOrders(5)).toBe('average recency, average frequency, average spend')
  })

  it('gives no prediction, and says why, when the fit runs off and its values overflow', () => {
    // Thirty near-identical monthly renewals, 4 h 37 min before the report's day ends: the fits'
    // likelihoods are flat there, the parameters run to 1e8 and the expected purchases to NaN.
    const now = Date.parse('2026-12-07T04:37:00Z')
    const histories = Array.from({ length: 30 }, (_, i) => ({
      orders: Array.from({ length: i < 25 ? 2 + (i % 3) : 1 }, (_, k) => ({
        at: now - (100 + (i % 20) - 30 * k - (i % 5)) * DAY - 1_000,
        revenue: 8 + ((i * 37 + k * 11) % 40),
      })),
      pageviews: 1,
    }))
    const report = customersReport(histories, { ...options, at: Date.parse('2026-12-08T00:00:00Z') })
    expect(report.predicted).toBeNull()
    expect(report.predictedReason).toMatch(/no finite prediction/)
  })

  it('is deterministic: the same histories in any order give the same answer', () => {
    expect(customersReport([...histories].reverse(), options)).toEqual(report)
  })

  it('gives historical CLV per cohort month of the first order', () => {
    expect(report.cohorts.reduce((s, c) => s + c.customers, 0)).toBe(400)
    for (const c of report.cohorts) {
      expect(c.cohort).toMatch(/^2025-1[12]|^2026-\d\d$/)
      expect(c.meanRevenue).toBeCloseTo(c.revenue / c.customers, 1)
    }
  })

  it('predicts CLV with fitted models when enough customers ordered again', () => {
    const p = report.predicted!
    expect(report.predictedReason).toBeNull()
    expect(p.repeatCustomers).toBeGreaterThanOrEqual(MIN_REPEAT_CUSTOMERS)
    expect(p.gammaGamma.q).toBeGreaterThan(1)
    expect(p.total.customers).toBe(400)
    expect(p.total.meanClv).toBeGreaterThan(0)
    expect(p.total.meanAlive).toBeGreaterThan(0)
    expect(p.total.meanAlive).toBeLessThanOrEqual(1)
    expect(p.bySegment.reduce((s, g) => s + g.customers, 0)).toBe(400)
    // Champions bought recently and often: worth more ahead than the lost.
    const of = (segment: string) => p.bySegment.find((s) => s.segment === segment)
    if (of('champions') && of('lost')) expect(of('champions')!.meanClv).toBeGreaterThan(of('lost')!.meanClv)
  })

  it('answers predicted null with a reason when few customers ordered again', () => {
    const few = customersReport(
      Array.from({ length: 30 }, (_, i) => ({
        orders: [{ at: AT - (i + 1) * DAY, revenue: 10 + i }],
        pageviews: 2,
      })),
      options,
    )
    expect(few.predicted).toBeNull()
    expect(few.predictedReason).toMatch(/0 customers ordered on more than one day/)
    expect(few.segments.reduce((s, g) => s + g.customers, 0)).toBe(30)
  })

  it('counts two orders on one local day as one purchase for the models', () => {
    const sameDay = Array.from({ length: 25 }, () => ({
      orders: [
        { at: AT - 10 * DAY, revenue: 5 },
        { at: AT - 10 * DAY + 60_000, revenue: 5 },
      ],
      pageviews: 1,
    }))
    const answer = customersReport(sameDay, options)
    expect(answer.orders).toBe(50)
    expect(answer.predictedReason).toMatch(/^0 customers/)
  })

  it('answers an empty report without customers', () => {
    const empty = customersReport([], options)
    expect(empty).toMatchObject({ customers: 0, orders: 0, revenue: 0, repeatRate: null, cohorts: [] })
    expect(empty.clusters).toMatchObject({ k: 0, clusters: [] })
    expect(empty.predicted).toBeNull()
  })
})
