import { describe, expect, it } from 'vitest'
import { expectedPurchases } from './bgnbd.ts'
import { historicalClvByCohort, predictedClv } from './clv.ts'

// The papers' CDNOW estimates: BG/NBD in weeks, Gamma-Gamma in dollars.
const BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
const GG = { p: 6.25, q: 3.74, v: 15.44 }
const WEEKS_PER_MONTH = 52 / 12

describe('predicted CLV', () => {
  const customer = { x: 2, tx: 30.43, T: 38.86, meanSpend: 40 }

  it('discounts each period’s expected purchases times the expected spend', () => {
    const spend = (GG.p * (GG.v + 2 * 40)) / (GG.p * 2 + GG.q - 1) // Gamma-Gamma's posterior mean
    const e1 = expectedPurchases(BG, customer, WEEKS_PER_MONTH)
    const e2 = expectedPurchases(BG, customer, 2 * WEEKS_PER_MONTH)
    const value = predictedClv(customer, BG, GG, {
      periods: 2,
      periodLength: WEEKS_PER_MONTH,
      discountRate: 0.1,
    })
    expect(value.spend).toBeCloseTo(spend, 10)
    expect(value.purchases).toBeCloseTo(e2, 12)
    expect(value.clv).toBeCloseTo((e1 * spend) / 1.1 + ((e2 - e1) * spend) / 1.21, 10)
  })

  it('without discounting is expected purchases over the horizon times spend, however it is cut', () => {
    const monthly = predictedClv(customer, BG, GG, {
      periods: 12,
      periodLength: WEEKS_PER_MONTH,
      discountRate: 0,
    })
    const yearly = predictedClv(customer, BG, GG, { periods: 1, periodLength: 52, discountRate: 0 })
    expect(monthly.clv).toBeCloseTo(yearly.clv, 9)
    expect(monthly.clv).toBeCloseTo(expectedPurchases(BG, customer, 52) * monthly.spend, 9)
  })

  it('falls as the discount rate rises and is 0 over no periods', () => {
    const at = (discountRate: number) =>
      predictedClv(customer, BG, GG, { periods: 24, periodLength: WEEKS_PER_MONTH, discountRate }).clv
    expect(at(0)).toBeGreaterThan(at(0.01))
    expect(at(0.01)).toBeGreaterThan(at(0.05))
    expect(at(0.05)).toBeGreaterThan(0)
    expect(predictedClv(customer, BG, GG, { periods: 0, periodLength: 4, discountRate: 0 }).clv).toBe(0)
  })

  it('values a one-order customer at the population’s mean spend, and a lapsed heavy buyer near 0', () => {
    const once = predictedClv({ x: 0, tx: 0, T: 20, meanSpend: 0 }, BG, GG, {
      periods: 12,
      periodLength: WEEKS_PER_MONTH,
      discountRate: 0.01,
    })
    expect(once.spend).toBeCloseTo((GG.p * GG.v) / (GG.q - 1), 10)
    expect(once.alive).toBe(1)
    expect(once.clv).toBeGreaterThan(0)
    const lapsed = predictedClv({ x: 40, tx: 5, T: 38, meanSpend: 50 }, BG, GG, {
      periods: 12,
      periodLength: WEEKS_PER_MONTH,
      discountRate: 0.01,
    })
    expect(lapsed.alive).toBeLessThan(1e-6)
    expect(lapsed.clv).toBeLessThan(1e-3)
  })

  it('rejects meaningless options', () => {
    const bad = [
      { periods: 1.5, periodLength: 4, discountRate: 0 },
      { periods: 12, periodLength: 0, discountRate: 0 },
      { periods: 12, periodLength: 4, discountRate: -1 },
    ]
    for (const o of bad) expect(() => predictedClv(customer, BG, GG, o)).toThrow(RangeError)
  })
})

describe('historical CLV by cohort', () => {
  it('averages revenue to date per customer of each cohort, cohorts in order', () => {
    expect(
      historicalClvByCohort([
        { cohort: '2026-02', revenue: 30 },
        { cohort: '2026-01', revenue: 100 },
        { cohort: '2026-02', revenue: 0 },
        { cohort: '2026-01', revenue: 50 },
        { cohort: '2026-02', revenue: 60 },
      ]),
    ).toEqual([
      { cohort: '2026-01', customers: 2, revenue: 150, meanRevenue: 75 },
      { cohort: '2026-02', customers: 3, revenue: 90, meanRevenue: 30 },
    ])
    expect(historicalClvByCohort([])).toEqual([])
    expect(() => historicalClvByCohort([{ cohort: 'x', revenue: Number.NaN }])).toThrow(RangeError)
  })
})
