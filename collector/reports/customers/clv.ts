/**
 * Customer lifetime value, predicted and historical.
 *
 * Predicted: BG/NBD's expected purchases per period times Gamma-Gamma's expected spend per
 * order, discounted per period — the "discounted expected transactions × expected spend" of
 * Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
 * JMR 42(4), made discrete: period i's purchases are E[Y(i·L)] − E[Y((i−1)·L)] and are
 * discounted by (1 + d)^i, as if paid at the period's end. Spend and purchases are multiplied as
 * independent, the Gamma-Gamma model's own assumption.
 *
 * Historical: revenue to date per customer, averaged by acquisition cohort.
 */
import { type BgNbdParams, expectedPurchases, type PurchaseHistory, probabilityAlive } from './bgnbd.ts'
import { expectedSpend, type GammaGammaParams } from './gamma-gamma.ts'

export interface ClvOptions {
  /** How many periods ahead, e.g. 12 months. */
  periods: number
  /** One period in the BG/NBD model's unit of time, e.g. 30.4375 when it counts days. */
  periodLength: number
  /** Discount rate per period, e.g. 0.01 for 1 % a month. */
  discountRate: number
}

/** A BG/NBD history plus the mean value of the x repeat orders (any number when x = 0). */
export interface ValueHistory extends PurchaseHistory {
  meanSpend: number
}

export interface PredictedValue {
  /** Discounted expected revenue over the horizon. */
  clv: number
  /** Expected purchases over the horizon, undiscounted. */
  purchases: number
  /** Expected spend per future order (Gamma-Gamma). */
  spend: number
  /** P(alive) at the report date (BG/NBD). */
  alive: number
}

const checkOptions = (o: ClvOptions) => {
  if (!(Number.isInteger(o.periods) && o.periods >= 0 && o.periodLength > 0 && o.discountRate > -1))
    throw new RangeError('need whole periods ≥ 0, periodLength > 0 and discountRate > −1')
}

/** Predicted CLV of one customer. Throws a RangeError when the spend model has q ≤ 1. */
export const predictedClv = (
  c: ValueHistory,
  purchases: BgNbdParams,
  spending: GammaGammaParams,
  o: ClvOptions,
): PredictedValue => {
  checkOptions(o)
  const spend = expectedSpend(spending, { x: c.x, meanSpend: c.meanSpend })
  let before = 0
  let clv = 0
  for (let i = 1; i <= o.periods; i++) {
    const upTo = expectedPurchases(purchases, c, i * o.periodLength)
    clv += ((upTo - before) * spend) / (1 + o.discountRate) ** i
    before = upTo
  }
  return { clv, purchases: before, spend, alive: probabilityAlive(purchases, c) }
}

export interface CohortValue {
  cohort: string
  customers: number
  revenue: number
  /** Revenue to date per customer of the cohort. */
  meanRevenue: number
}

/**
 * Historical CLV by cohort: each customer's cohort label (e.g. the month of the first order,
 * "2026-03") and revenue to date, averaged per cohort; cohorts in the labels' sort order
 * (chronological for ISO dates).
 */
export const historicalClvByCohort = (
  customers: readonly { cohort: string; revenue: number }[],
): CohortValue[] => {
  const sums = new Map<string, { customers: number; revenue: number }>()
  for (const c of customers) {
    if (!Number.isFinite(c.revenue))
      throw new RangeError(`cohort ${c.cohort}: revenue must be a finite number`)
    const s = sums.get(c.cohort) ?? { customers: 0, revenue: 0 }
    s.customers += 1
    s.revenue += c.revenue
    sums.set(c.cohort, s)
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cohort, s]) => ({ cohort, ...s, meanRevenue: s.revenue / s.customers }))
}
