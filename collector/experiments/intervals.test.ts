import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { prng } from '../../test/support/prng.ts'
import { normalQuantile } from './distributions.ts'
import { meanInterval, sequentialHalfWidth, sequentialPValue, wilson } from './intervals.ts'
import { compare, type Sample, summarize } from './stats.ts'

const conversions = (users: number, converted: number): Sample => ({
  users,
  sum: converted,
  sumSquares: converted,
})

describe('wilson', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i: [%f, %f] (Newcombe 1998)', (x, n, lo, hi) => {
    const ci = wilson(x, n)!
    expect(ci[0]).toBeCloseTo(lo, 4)
    expect(ci[1]).toBeCloseTo(hi, 4)
  })

  it('stays inside [0, 1] and holds the rate, for any count (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e7 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share) => {
          const x = Math.round(n * share)
          const [lo, hi] = wilson(x, n)!
          expect(lo).toBeGreaterThanOrEqual(0)
          expect(hi).toBeLessThanOrEqual(1)
          expect(lo).toBeLessThanOrEqual(x / n + 1e-12)
          expect(hi).toBeGreaterThanOrEqual(x / n - 1e-12)
        },
      ),
    )
  })

  it('the case that showed [57.71 %, 113.71 %]: a high rate on few users stays below 100 %', () => {
    const [lo, hi] = wilson(6, 7)!
    expect(hi).toBeLessThan(1)
    expect(lo).toBeGreaterThan(0.45)
  })

  it('nothing to say without users', () => {
    expect(wilson(0, 0)).toBeNull()
    expect(wilson(3, 2)).toBeNull()
  })
})

describe('meanInterval', () => {
  it('a non-negative metric never shows a negative bound, however skewed (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (xs) => {
          const s = summarize({
            users: xs.length,
            sum: xs.reduce((a, b) => a + b, 0),
            sumSquares: xs.reduce((a, b) => a + b * b, 0),
          })
          const ci = meanInterval(s)
          if (!ci) return
          expect(ci[0]).toBeGreaterThanOrEqual(0)
          expect(ci[0]).toBeLessThanOrEqual(s.mean! * (1 + 1e-9))
          expect(ci[1]).toBeGreaterThanOrEqual(s.mean! * (1 - 1e-9))
        },
      ),
    )
  })

  it('is mean·exp(±z·se/mean) for revenue, and the symmetric interval for a signed metric', () => {
    const s = summarize({ users: 100, sum: 1000, sumSquares: 1_000_000 }) // one buyer of 1,000
    const [lo, hi] = meanInterval(s)!
    const z = 1.959963984540054
    expect(lo).toBeCloseTo(10 / Math.exp((z * s.stdErr!) / 10), 10)
    expect(hi).toBeCloseTo(10 * Math.exp((z * s.stdErr!) / 10), 10)
    expect(lo).toBeGreaterThan(0)
    const signed = meanInterval(s, 0.05, true)!
    expect(signed[0]).toBeLessThan(0) // the old interval: below zero for a metric that cannot be
    expect(signed[0]).toBeCloseTo(10 - z * s.stdErr!, 10)
  })

  it('all zeros give [0, 0]; no spread or a negative mean gives no interval', () => {
    expect(meanInterval(summarize({ users: 10, sum: 0, sumSquares: 0 }))).toEqual([0, 0])
    expect(meanInterval(summarize({ users: 1, sum: 5, sumSquares: 25 }))).toBeNull()
    expect(meanInterval(summarize({ users: 2, sum: -4, sumSquares: 10 }))).toBeNull()
  })
})

describe('sequential (always-valid) intervals', () => {
  it("GrowthBook's gbstats reference: relative lift 0.50336, CI (−0.55844, 1.56516) at tuning 1,000", () => {
    // gbstats tests/frequentist: TestSequentialTTest.test_sequential_test_runs
    const r = compare(
      { users: 3000, sum: 1396.87, sumSquares: 52377.9767 },
      { users: 3461, sum: 2422.7, sumSquares: 134698.29 },
      { method: 'sequential', tuning: 1000 },
    )
    expect(r.relative.lift!).toBeCloseTo(0.50336, 5)
    expect(r.relative.stdErr!).toBeCloseTo(0.33341, 5)
    expect(r.relative.ci![0]).toBeCloseTo(-0.55844, 5)
    expect(r.relative.ci![1]).toBeCloseTo(1.56516, 5)
  })

  it('is wider than the fixed-horizon interval, and p < alpha exactly when it excludes 0 (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.integer({ min: 2, max: 1e7 }),
        fc.constantFrom(0.01, 0.05, 0.1),
        (lift, se, n, alpha) => {
          const half = sequentialHalfWidth(se, n, alpha)
          expect(half).toBeGreaterThan(normalQuantile(1 - alpha / 2) * se)
          const p = sequentialPValue(lift, se, n, alpha)
          const margin = Math.abs(Math.abs(lift) - half) / half
          if (margin > 1e-9) expect(p < alpha).toBe(Math.abs(lift) > half)
        },
      ),
    )
  })
})

/** Binomial(n, p) by inversion: exact, and fast for the small means used here. */
const binomial = (random: () => number, n: number, p: number) => {
  let u = random()
  let k = 0
  let prob = (1 - p) ** n
  while (u > prob && k < n) {
    u -= prob
    prob *= ((n - k) / (k + 1)) * (p / (1 - p))
    k++
  }
  return k
}

/**
 * Share of A/A experiments (no true difference) called significant at some daily look over 30
 * days: 100 new people a day per variation, 10 % conversion, alpha 0.05.
 */
const falsePositives = (
  method: 'fixed' | 'sequential',
  looks: 'daily' | 'once',
  runs: number,
  seed: number,
) => {
  const random = prng(seed)
  let called = 0
  for (let run = 0; run < runs; run++) {
    let [cu, cc, tu, tc] = [0, 0, 0, 0]
    let significant = false
    for (let day = 1; day <= 30; day++) {
      cu += 100
      tu += 100
      cc += binomial(random, 100, 0.1)
      tc += binomial(random, 100, 0.1)
      if (looks === 'once' && day < 30) continue
      const p = compare(conversions(cu, cc), conversions(tu, tc), { method }).pValue
      if (p !== null && p < 0.05) significant = true
    }
    if (significant) called++
  }
  return called / runs
}

describe('peeking: A/A experiments looked at every day for 30 days (seeded, 3,000 runs)', () => {
  const RUNS = 3000
  it('the sequential method keeps its false-positive rate at or below 5 %', () => {
    expect(falsePositives('sequential', 'daily', RUNS, 1)).toBeLessThanOrEqual(0.05)
  })

  it('the fixed-horizon test, peeked at the same way, visibly exceeds it', () => {
    expect(falsePositives('fixed', 'daily', RUNS, 1)).toBeGreaterThan(0.1)
  })

  it('read once at the end, the fixed-horizon test holds its 5 % (the simulation is sound)', () => {
    const rate = falsePositives('fixed', 'once', RUNS, 2)
    expect(rate).toBeGreaterThan(0.035)
    expect(rate).toBeLessThan(0.065)
  })
})
