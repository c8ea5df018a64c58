import { describe, expect, it } from 'vitest'
import { beta, gamma, simulateBgNbd } from '../../../test/support/customers-simulation.ts'
import { prng } from '../../../test/support/prng.ts'
import {
  type BgNbdParams,
  bgnbdLogLikelihood,
  bgnbdTotalLogLikelihood,
  checkHistory,
  expectedPurchases,
  expectedPurchasesNew,
  fitBgNbd,
  type PurchaseHistory,
  probabilityAlive,
} from './bgnbd.ts'

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
const ROUND: BgNbdParams = { r: 2, alpha: 3, a: 2, b: 3 }

/**
 * The reference: the model's definition integrated numerically, with no Beta function,
 * hypergeometric series or lnΓ. Given λ and p, a history's likelihood is
 * (1−p)ˣλˣe^(−λT) (alive) + δ(x>0)·p(1−p)^(x−1)λˣe^(−λtx) (dropped out at tx), and an alive
 * customer buys (1 − e^(−λpt))/p times in the next t (FHL 2005, section 2). The mixing densities
 * are integrated as trapezoid sums on λ = eʷ and p = 1/(1+e^(−v)): there the integrands decay
 * exponentially at both ends, where the trapezoid rule converges geometrically.
 */
const nodes = (lo: number, hi: number, at: (u: number) => [number, number]) => {
  const out: [number, number][] = []
  for (let u = lo; u <= hi; u += 0.1) out.push(at(u))
  const total = out.reduce((s, [, w]) => s + w, 0)
  return out.filter(([, w]) => w > 1e-30 * total).map(([v, w]): [number, number] => [v, w / total])
}
// λ^(r−1)e^(−αλ)dλ = λ^r e^(−αλ)dw; p^(a−1)(1−p)^(b−1)dp = p^a(1−p)^b dv.
const lambdas = (p: BgNbdParams) =>
  nodes(-45 / p.r, Math.log(100 / p.alpha), (w) => [Math.exp(w), Math.exp(p.r * w - p.alpha * Math.exp(w))])
const dropouts = (p: BgNbdParams) =>
  nodes(-45 / p.a, 45 / p.b, (v) => {
    const q = 1 / (1 + Math.exp(v)) // 1 − p, computed without cancellation
    return [1 - q, (1 - q) ** p.a * q ** p.b]
  })

const byIntegration = (params: BgNbdParams, c: PurchaseHistory, t: number) => {
  let alive = 0
  let died = 0
  let ahead = 0
  for (const [p, wp] of dropouts(params))
    for (const [l, wl] of lambdas(params)) {
      const w = wp * wl
      const a = (1 - p) ** c.x * l ** c.x * Math.exp(-l * c.T)
      alive += w * a
      if (c.x > 0) died += w * p * (1 - p) ** (c.x - 1) * l ** c.x * Math.exp(-l * c.tx)
      ahead += (w * a * -Math.expm1(-l * p * t)) / p
    }
  return {
    logLikelihood: Math.log(alive + died),
    alive: alive / (alive + died),
    ahead: ahead / (alive + died),
  }
}

const histories: PurchaseHistory[] = [
  { x: 0, tx: 0, T: 10 },
  { x: 1, tx: 2, T: 5 },
  { x: 3, tx: 4.5, T: 6 },
  { x: 2, tx: 30.43, T: 38.86 },
  { x: 7, tx: 20, T: 38 },
]

describe('BG/NBD closed forms against the integrated model', () => {
  for (const [name, params] of [
    ['r, α, a, b = 2, 3, 2, 3', ROUND],
    ['CDNOW parameters (r < 1, a < 1)', CDNOW],
  ] as const)
    for (const c of histories)
      it(`${name}: x=${c.x}, tx=${c.tx}, T=${c.T}`, () => {
        const ref = byIntegration(params, c, 39)
        expect(bgnbdLogLikelihood(params, c)).toBeCloseTo(ref.logLikelihood, 8)
        expect(probabilityAlive(params, c)).toBeCloseTo(ref.alive, 8)
        expect(expectedPurchases(params, c, 39) / ref.ahead).toBeCloseTo(1, 8)
      })

  it('E[X(t)] of a new customer (eq. 9) is the conditional form at x = 0, T = 0', () => {
    const ref = byIntegration(CDNOW, { x: 0, tx: 0, T: 0 }, 52)
    expect(expectedPurchasesNew(CDNOW, 52) / ref.ahead).toBeCloseTo(1, 8)
    expect(expectedPurchasesNew(CDNOW, 0)).toBe(0)
  })

  it("gives the paper's worked example: 1.226 purchases in 39 weeks for x = 2, tx = 30.43, T = 38.86", () => {
    expect(expectedPurchases(CDNOW, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3)
  })

  it('sums the per-customer log-likelihoods', () => {
    const sum = histories.reduce((s, c) => s + bgnbdLogLikelihood(CDNOW, c), 0)
    expect(bgnbdTotalLogLikelihood(CDNOW, histories)).toBeCloseTo(sum, 10)
  })
})

describe('BG/NBD edge cases', () => {
  it('is continuous through a = 1, where the closed form reads 0/0', () => {
    const c = { x: 3, tx: 20, T: 38 }
    const at = (a: number) => expectedPurchases({ ...CDNOW, a }, c, 39)
    expect(Number.isFinite(at(1))).toBe(true)
    expect(at(1)).toBeCloseTo((at(1 - 1e-6) + at(1 + 1e-6)) / 2, 10)
  })

  it('stays finite for a heavy buyer, where ₂F₁ alone would overflow', () => {
    const recent = expectedPurchases(CDNOW, { x: 500, tx: 38, T: 38.5 }, 39)
    const gone = expectedPurchases(CDNOW, { x: 500, tx: 20, T: 38.5 }, 39)
    expect(recent).toBeGreaterThan(100)
    expect(gone).toBeGreaterThanOrEqual(0)
    expect(gone).toBeLessThan(1e-20)
    expect(probabilityAlive(CDNOW, { x: 500, tx: 20, T: 38.5 })).toBeLessThan(1e-20)
  })

  it('counts a customer without repeat purchases as alive', () => {
    expect(probabilityAlive(CDNOW, { x: 0, tx: 0, T: 30 })).toBe(1)
  })

  it('rejects impossible histories', () => {
    expect(() => checkHistory({ x: 1.5, tx: 1, T: 2 })).toThrow(RangeError)
    expect(() => checkHistory({ x: 1, tx: 3, T: 2 })).toThrow(RangeError)
    expect(() => checkHistory({ x: 0, tx: 1, T: 2 })).toThrow(RangeError)
    expect(() => checkHistory({ x: -1, tx: 0, T: 2 })).toThrow(RangeError)
    expect(() => fitBgNbd([])).toThrow(RangeError)
    expect(() => checkHistory({ x: 2, tx: 1, T: 2 })).not.toThrow()
  })
})

describe('the simulation support', () => {
  it('draws Gamma and Beta with the right moments', () => {
    const random = prng(11)
    const n = 20_000
    const g = Array.from({ length: n }, () => gamma(random, 0.5, 2))
    const mean = g.reduce((s, v) => s + v, 0) / n
    const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)
    // Bounds of about 4 standard errors: the mean's is 0.0025, the variance's 2.6 % (kurtosis 15).
    expect(Math.abs(mean - 0.25)).toBeLessThan(0.01)
    expect(Math.abs(variance / 0.125 - 1)).toBeLessThan(0.1)
    const b = Array.from({ length: n }, () => beta(random, CDNOW.a, CDNOW.b))
    const betaMean = b.reduce((s, v) => s + v, 0) / n
    expect(Math.abs(betaMean - CDNOW.a / (CDNOW.a + CDNOW.b))).toBeLessThan(0.006) // se 0.0015
  })
})

describe('BG/NBD parameter recovery', () => {
  /**
   * 5000 customers drawn with CDNOW's parameters, acquired over 78 weeks and observed for 26 to
   * 104 weeks. Over 12 seeds this design gave RMS relative errors of 2.4 % (r), 4 % (α), 8 % (a)
   * and 10 % (b): r and α are pinned by the purchase counts, while a and b are only separately
   * identified through the silences after the last purchase (the paper's standard errors on 2357
   * customers are likewise ~25 % for a and b). The tolerances are about 3 RMS: 15 % for r and α,
   * 30 % for a and b, and 10 % for what the data pin down well: the mean dropout probability
   * a/(a+b) (RMS 3.4 %) and a new customer's expected purchases in a year (RMS 2.4 %).
   */
  const random = prng(2005)
  const ages = Array.from({ length: 5000 }, () => 26 + 78 * random())
  const customers = simulateBgNbd(random, CDNOW, ages)
  const fit = fitBgNbd(customers)

  it('finds the parameters it was simulated with', () => {
    const error = (k: keyof BgNbdParams) => Math.abs(fit.params[k] / CDNOW[k] - 1)
    expect(fit.converged).toBe(true)
    expect(error('r')).toBeLessThan(0.15)
    expect(error('alpha')).toBeLessThan(0.15)
    expect(error('a')).toBeLessThan(0.3)
    expect(error('b')).toBeLessThan(0.3)
    const meanDropout = (p: BgNbdParams) => p.a / (p.a + p.b)
    expect(Math.abs(meanDropout(fit.params) / meanDropout(CDNOW) - 1)).toBeLessThan(0.1)
    expect(Math.abs(expectedPurchasesNew(fit.params, 52) / expectedPurchasesNew(CDNOW, 52) - 1)).toBeLessThan(
      0.1,
    )
  })

  it('reaches at least the likelihood of the true parameters (a maximum, not a stall)', () => {
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgnbdTotalLogLikelihood(CDNOW, customers))
    expect(fit.logLikelihood).toBeCloseTo(bgnbdTotalLogLikelihood(fit.params, customers), 8)
  })

  it('is deterministic and does not depend on the unit of time', () => {
    expect(fitBgNbd(customers)).toEqual(fit)
    const days = fitBgNbd(customers.map((c) => ({ x: c.x, tx: c.tx * 7, T: c.T * 7 })))
    expect(days.params.r / fit.params.r).toBeCloseTo(1, 3)
    expect(days.params.alpha / (7 * fit.params.alpha)).toBeCloseTo(1, 3)
    expect(days.params.a / fit.params.a).toBeCloseTo(1, 3)
  })
})
