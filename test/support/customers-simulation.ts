/**
 * Samplers and customer simulators for the customer-report tests (collector/reports/customers/):
 * they draw data from each model's generative story, so fitting it back tests the likelihood
 * and the optimiser together. `random` is a seeded generator (test/support/prng.ts).
 */

type Random = () => number

/** A uniform draw in (0, 1]: safe under a logarithm (prng can return exactly 0). */
const open = (random: Random) => 1 - random()

/** Standard normal (Box–Muller; one of the pair is enough here). */
export const normal = (random: Random) =>
  Math.sqrt(-2 * Math.log(open(random))) * Math.cos(2 * Math.PI * random())

/**
 * Gamma(shape, rate), mean shape / rate. Marsaglia & Tsang (2000), "A simple method for
 * generating gamma variables", for shape ≥ 1; below 1 the boost Gamma(k) = Gamma(k + 1)·U^(1/k).
 */
export const gamma = (random: Random, shape: number, rate = 1): number => {
  if (shape < 1) return gamma(random, shape + 1, rate) * open(random) ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = normal(random)
    const v = (1 + c * x) ** 3
    if (v <= 0) continue
    const u = open(random)
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return (d * v) / rate
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export const beta = (random: Random, a: number, b: number) => {
  const x = gamma(random, a)
  return x / (x + gamma(random, b))
}

/** Exponential with the given rate (Infinity when the rate is 0). */
export const exponential = (random: Random, rate: number) => -Math.log(open(random)) / rate

/**
 * BG/NBD customers (Fader, Hardie & Lee 2005, section 2): λ ~ Gamma(r, α), p ~ Beta(a, b); from
 * the first purchase at time 0, repeat purchases follow a Poisson process of rate λ, and after each
 * repeat purchase the customer drops out with probability p. One customer per age T.
 */
export const simulateBgNbd = (
  random: Random,
  params: { r: number; alpha: number; a: number; b: number },
  ages: readonly number[],
) =>
  ages.map((T) => {
    const lambda = gamma(random, params.r, params.alpha)
    const p = beta(random, params.a, params.b)
    let t = 0
    let x = 0
    let tx = 0
    for (;;) {
      t += exponential(random, lambda)
      if (!(t <= T)) break
      x += 1
      tx = t
      if (random() < p) break
    }
    return { x, tx, T }
  })

/**
 * Gamma-Gamma customers (Fader, Hardie & Lee 2005, "RFM and CLV", appendix; notation of Fader &
 * Hardie 2013, "The Gamma-Gamma Model of Monetary Value", with v for γ): ν ~ Gamma(q, v), each
 * transaction's value ~ Gamma(p, ν). One customer per transaction count x; returns the mean spend.
 */
export const simulateGammaGamma = (
  random: Random,
  params: { p: number; q: number; v: number },
  counts: readonly number[],
) =>
  counts.map((x) => {
    const nu = gamma(random, params.q, params.v)
    let total = 0
    for (let i = 0; i < x; i++) total += gamma(random, params.p, nu)
    return { x, meanSpend: total / x }
  })
