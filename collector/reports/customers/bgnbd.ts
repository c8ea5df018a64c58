/**
 * The BG/NBD model of repeat buying: Fader, Hardie & Lee (2005), "'Counting Your Customers' the
 * Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275–284; equation
 * numbers below are the paper's, with Fader, Hardie & Lee (2008), "Computing P(alive) Using the
 * BG/NBD Model" for P(alive).
 *
 * Story: while alive, a customer buys at Poisson rate λ, λ ~ Gamma(r, α) across customers; after
 * each repeat purchase they drop out for good with probability p, p ~ Beta(a, b).
 *
 * A customer's history is (x, tx, T): x repeat purchases (orders after the first), the last at tx,
 * and T, the time from the first order to the report date; tx and T in one unit of time (days or
 * weeks) that α and every horizon t then share. A customer with no repeat purchase has tx = 0.
 */
import { logGamma } from '../../experiments/distributions.ts'
import { type NelderMeadOptions, nelderMead } from './optimize.ts'

export interface BgNbdParams {
  r: number
  alpha: number
  a: number
  b: number
}

export interface PurchaseHistory {
  x: number
  tx: number
  T: number
}

export interface BgNbdFit {
  params: BgNbdParams
  logLikelihood: number
  converged: boolean
  iterations: number
}

/** Throws a RangeError unless x is a whole number ≥ 0, 0 ≤ tx ≤ T, and tx = 0 when x = 0. */
export const checkHistory = (c: PurchaseHistory, index = 0) => {
  const ok =
    Number.isInteger(c.x) &&
    c.x >= 0 &&
    Number.isFinite(c.T) &&
    c.tx >= 0 &&
    c.tx <= c.T &&
    (c.x > 0 || c.tx === 0)
  if (!ok) throw new RangeError(`customer ${index}: need whole x ≥ 0, 0 ≤ tx ≤ T and tx = 0 when x = 0`)
}

/** ln(eᵘ + eᵛ) without overflow; v may be −Infinity. */
const logAddExp = (u: number, v: number) => {
  const m = Math.max(u, v)
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m))
}

/**
 * The parts of ln L (eq. 6) that depend on x alone, shared by every customer with that x:
 * ln[Γ(r+x)αʳ/Γ(r)] + ln[B(a, b+x)/B(a, b)], and ln[a/(b+x−1)], the ratio
 * B(a+1, b+x−1)/B(a, b+x) of the "dropped out at tx" term to the "still alive" term.
 */
const termsOf = (p: BgNbdParams, x: number) => ({
  head:
    logGamma(p.r + x) -
    logGamma(p.r) +
    p.r * Math.log(p.alpha) +
    logGamma(p.a + p.b) +
    logGamma(p.b + x) -
    logGamma(p.b) -
    logGamma(p.a + p.b + x),
  died: x > 0 ? Math.log(p.a) - Math.log(p.b + x - 1) : Number.NEGATIVE_INFINITY,
})

const logLikelihoodWith = (p: BgNbdParams, c: PurchaseHistory, t: ReturnType<typeof termsOf>) =>
  t.head + logAddExp(-(p.r + c.x) * Math.log(p.alpha + c.T), t.died - (p.r + c.x) * Math.log(p.alpha + c.tx))

/**
 * One customer's log-likelihood (eq. 6, in logs):
 * L = B(a, b+x)/B(a, b) · Γ(r+x)αʳ / (Γ(r)(α+T)^(r+x))
 *   + δ(x>0) · B(a+1, b+x−1)/B(a, b) · Γ(r+x)αʳ / (Γ(r)(α+tx)^(r+x)).
 */
export const bgnbdLogLikelihood = (p: BgNbdParams, c: PurchaseHistory) =>
  logLikelihoodWith(p, c, termsOf(p, c.x))

/** Sum of the log-likelihoods; the x-only terms are computed once per distinct x. */
export const bgnbdTotalLogLikelihood = (p: BgNbdParams, customers: readonly PurchaseHistory[]) => {
  const terms = new Map<number, ReturnType<typeof termsOf>>()
  let sum = 0
  for (const c of customers) {
    let t = terms.get(c.x)
    if (!t) {
      t = termsOf(p, c.x)
      terms.set(c.x, t)
    }
    sum += logLikelihoodWith(p, c, t)
  }
  return sum
}

/**
 * Maximum-likelihood r, α, a, b (section 3: the paper maximises the same sum in Excel's Solver).
 * Nelder–Mead on the logarithms keeps every parameter positive without constraints. The start
 * sets r = 1 and α from the mean repeat rate (λ's mean is r/α), so the unit of time does not matter.
 */
export const fitBgNbd = (
  customers: readonly PurchaseHistory[],
  options: NelderMeadOptions = {},
): BgNbdFit => {
  if (customers.length === 0) throw new RangeError('no customers to fit')
  customers.forEach(checkHistory)
  let purchases = 0
  let time = 0
  for (const c of customers) {
    purchases += c.x
    time += c.T
  }
  const rate = time > 0 ? Math.max(purchases, 0.5) / time : 1
  const of = (v: readonly number[]): BgNbdParams => ({
    r: Math.exp(v[0]!),
    alpha: Math.exp(v[1]!),
    a: Math.exp(v[2]!),
    b: Math.exp(v[3]!),
  })
  const best = nelderMead((v) => -bgnbdTotalLogLikelihood(of(v), customers), [0, -Math.log(rate), 0, 0], {
    step: 1,
    maxIterations: 2000,
    ...options,
  })
  return {
    params: of(best.x),
    logLikelihood: -best.value,
    converged: best.converged,
    iterations: best.iterations,
  }
}

/**
 * ln of the odds "dropped out after the last purchase" : "still alive" given the history, from
 * eq. 6's two terms (FHL 2008): a/(b+x−1) · ((α+T)/(α+tx))^(r+x); −Infinity when x = 0.
 */
const logDropoutOdds = (p: BgNbdParams, c: PurchaseHistory) =>
  c.x === 0
    ? Number.NEGATIVE_INFINITY
    : Math.log(p.a) -
      Math.log(p.b + c.x - 1) +
      (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.tx))

/** P(alive at T | x, tx, T) (FHL 2008): 1 for a customer without a repeat purchase. */
export const probabilityAlive = (p: BgNbdParams, c: PurchaseHistory) =>
  1 / (1 + Math.exp(logDropoutOdds(p, c)))

const MAX_TERMS = 1_000_000

/**
 * E[Y(t) | x, tx, T], the expected repeat purchases in (T, T+t] (eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)] / (1 + dropout odds),
 * with z = t/(α+T+t). Written as is, ₂F₁ grows like (1−z)^−(r+x) and overflows for large x, and
 * the bracket and a−1 both vanish at a = 1. Euler's transformation ₂F₁(A,B;C;z) =
 * (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns the product into (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; c; z),
 * c = a+b+x−1, whose parameters do not grow with x. With ε = a−1, L = ln(1−z) and
 * ₂F₁(A, ε; c; z) = 1 + ε·G, G = Σ_{j≥1} (A)ⱼ(ε+1)ⱼ₋₁ zʲ / ((c)ⱼ j!), the bracket over ε is
 *   −expm1(εL)/ε − e^(εL)·G, which is finite and accurate at a = 1 too.
 * With x = 0 and T = 0 it is E[X(t)] for a customer just acquired (eq. 9).
 */
export const expectedPurchases = (p: BgNbdParams, c: PurchaseHistory, t: number) => {
  if (!(t > 0)) return 0
  const eps = p.a - 1
  const cc = p.a + p.b + c.x - 1
  const A = p.a + p.b - 1 - p.r
  const z = t / (p.alpha + c.T + t)
  const L = Math.log1p(-z)
  let term = (A * z) / cc
  let g = term
  for (let j = 1; ; j++) {
    if (j > MAX_TERMS) throw new RangeError('₂F₁ series did not converge: horizon too long for α + T')
    const ratio = ((A + j) * (eps + j) * z) / ((cc + j) * (j + 1))
    term *= ratio
    g += term
    // Later ratios tend to z; bound the rest of the series by a geometric tail with the larger.
    const q = Math.max(Math.abs(ratio), z)
    if (q < 1 && (Math.abs(term) * q) / (1 - q) <= 1e-15 * Math.abs(g)) break
    if (term === 0) break
  }
  const bracket = (eps === 0 ? -L : -Math.expm1(eps * L) / eps) - Math.exp(eps * L) * g
  return (cc * bracket) / (1 + Math.exp(logDropoutOdds(p, c)))
}

/** E[X(t)] for a customer acquired at time 0 (eq. 9). */
export const expectedPurchasesNew = (p: BgNbdParams, t: number) =>
  expectedPurchases(p, { x: 0, tx: 0, T: 0 }, t)
