/**
 * The Gamma-Gamma model of spend per order: Fader, Hardie & Lee (2005), "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415–430
 * (its spend sub-model), as set out in Fader & Hardie (2013), "The Gamma-Gamma Model
 * of Monetary Value" (brucehardie.com note 025), whose γ is v here.
 *
 * Story: a customer's order values are Gamma(p, ν), so their mean value is p/ν; ν varies across
 * customers as Gamma(q, v). The mean of x orders, m, is then Gamma(px, νx) given ν. The model
 * assumes spend per order does not depend on how often a customer buys: check the correlation of
 * x and m before trusting it. The mean is finite only when q > 1.
 *
 * Input per customer: x, the number of repeat orders (after the first), and m, the mean value of
 * those x orders (the paper leaves the first order out, as BG/NBD does).
 */
import { logGamma } from '../../experiments/distributions.ts'
import { type NelderMeadOptions, nelderMead } from './optimize.ts'

export interface GammaGammaParams {
  p: number
  q: number
  v: number
}

export interface SpendHistory {
  x: number
  meanSpend: number
}

export interface GammaGammaFit {
  params: GammaGammaParams
  logLikelihood: number
  converged: boolean
  iterations: number
  /** The customers the fit used: those with x ≥ 1 and a positive mean spend. */
  customers: number
}

/** The terms of ln f that depend on x alone: lnΓ(px+q) − lnΓ(px) + px·ln x − lnΓ(q) + q·ln v. */
const termsOf = (g: GammaGammaParams, x: number) =>
  logGamma(g.p * x + g.q) - logGamma(g.p * x) + g.p * x * Math.log(x) - logGamma(g.q) + g.q * Math.log(g.v)

const logLikelihoodWith = (g: GammaGammaParams, c: SpendHistory, head: number) =>
  head + (g.p * c.x - 1) * Math.log(c.meanSpend) - (g.p * c.x + g.q) * Math.log(g.v + c.x * c.meanSpend)

/**
 * ln f(m | x) with ν integrated out (Fader & Hardie 2013):
 * f = Γ(px+q)/(Γ(px)Γ(q)) · v^q m^(px−1) x^(px) / (v + xm)^(px+q).
 */
export const gammaGammaLogLikelihood = (g: GammaGammaParams, c: SpendHistory) =>
  logLikelihoodWith(g, c, termsOf(g, c.x))

const usable = (c: SpendHistory) =>
  Number.isInteger(c.x) && c.x >= 1 && c.meanSpend > 0 && Number.isFinite(c.meanSpend)

/** Sum over the usable customers; the x-only terms are computed once per distinct x. */
export const gammaGammaTotalLogLikelihood = (g: GammaGammaParams, customers: readonly SpendHistory[]) => {
  const heads = new Map<number, number>()
  let sum = 0
  for (const c of customers) {
    if (!usable(c)) continue
    let head = heads.get(c.x)
    if (head === undefined) {
      head = termsOf(g, c.x)
      heads.set(c.x, head)
    }
    sum += logLikelihoodWith(g, c, head)
  }
  return sum
}

/**
 * Maximum-likelihood p, q, v by Nelder–Mead on their logarithms. Customers without a repeat order
 * or with a spend ≤ 0 (refunds) carry no information on spend per order here and are left out.
 * The start (p = 1, q = 2, v = mean spend) gives the model the data's mean, in the data's currency.
 */
export const fitGammaGamma = (
  customers: readonly SpendHistory[],
  options: NelderMeadOptions = {},
): GammaGammaFit => {
  const used = customers.filter(usable)
  if (used.length === 0) throw new RangeError('no customer with a repeat order and a positive spend')
  const mean = used.reduce((s, c) => s + c.meanSpend, 0) / used.length
  const of = (u: readonly number[]): GammaGammaParams => ({
    p: Math.exp(u[0]!),
    q: Math.exp(u[1]!),
    v: Math.exp(u[2]!),
  })
  const best = nelderMead(
    (u) => -gammaGammaTotalLogLikelihood(of(u), used),
    [0, Math.log(2), Math.log(mean)],
    {
      step: 1,
      maxIterations: 2000,
      ...options,
    },
  )
  return {
    params: of(best.x),
    logLikelihood: -best.value,
    converged: best.converged,
    iterations: best.iterations,
    customers: used.length,
  }
}

/**
 * E[M | x, m], a customer's expected spend per future order (Fader & Hardie 2013): the
 * posterior of ν is Gamma(px+q, v+xm), so E[p/ν] = p(v + xm)/(px + q − 1), a weighted mean of the
 * population mean pv/(q−1) and the customer's own m. With x = 0 (or no usable spend) it is the
 * population mean. Throws a RangeError when q ≤ 1: the model then has no finite mean.
 */
export const expectedSpend = (g: GammaGammaParams, c: SpendHistory) => {
  if (!(g.q > 1)) throw new RangeError('q ≤ 1: the fitted spend distribution has no finite mean')
  if (!usable(c)) return (g.p * g.v) / (g.q - 1)
  return (g.p * (g.v + c.x * c.meanSpend)) / (g.p * c.x + g.q - 1)
}
