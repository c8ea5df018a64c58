import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  chiSquareCdf,
  chiSquareSf,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  studentTCdf,
  studentTQuantile,
  studentTTwoSided,
} from './distributions.ts'

// jstat (devDependency, tests only) is an independent reference. It ships CJS without types, so it is
// loaded through require and given the small typed surface used here.
interface JStat {
  normal: {
    cdf(x: number, mean: number, sd: number): number
    inv(p: number, mean: number, sd: number): number
  }
  studentt: { cdf(t: number, df: number): number; inv(p: number, df: number): number }
  chisquare: { cdf(x: number, df: number): number }
}
const jStat = createRequire(import.meta.url)('jstat') as JStat

const DFS = [1, 2, 3, 5, 10, 30, 100, 1000, 1e6]
const T_GRID = [
  -50, -20, -10, -6, -4, -3, -2.5, -2, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 4, 6, 10, 20, 50,
]

/** |got − want| ≤ tol·|want|; used for tail values where an absolute tolerance says nothing. */
const expectRelative = (got: number, want: number, tol: number) => {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.abs(want))
}

describe('published table values', () => {
  // Normal: Abramowitz & Stegun table 26.1 / any z-table.
  it.each([
    [1, 0.8413447],
    [2, 0.9772499],
    [3, 0.9986501],
    [-1.96, 0.0249979],
  ])('Φ(%d) = %d', (x, p) => expect(normalCdf(x)).toBeCloseTo(p, 7))

  it.each([
    [0.9, 1.2816],
    [0.95, 1.6449],
    [0.975, 1.96],
    [0.99, 2.3263],
    [0.995, 2.5758],
  ])('Φ⁻¹(%d) = %d', (p, z) => expect(normalQuantile(p)).toBeCloseTo(z, 4))

  // Two-sided 5 % critical values of Student's t (NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  it.each([
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [5, 2.571],
    [10, 2.228],
    [30, 2.042],
    [100, 1.984],
    [Number.POSITIVE_INFINITY, 1.96],
  ])('t(0.975, df = %d) = %d', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3)
    expect(studentTCdf(t, df)).toBeCloseTo(0.975, 4)
  })

  // Upper 5 % critical values of chi-square (NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
  it.each([
    [1, 3.841],
    [2, 5.991],
    [3, 7.815],
    [5, 11.07],
    [10, 18.307],
    [30, 43.773],
    [100, 124.342],
  ])('χ²(0.95, df = %d) = %d', (df, x) => expect(chiSquareSf(x, df)).toBeCloseTo(0.05, 4))
})

describe('closed forms', () => {
  it('t with 1 df is Cauchy, t with 2 df is algebraic', () => {
    for (const t of T_GRID) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 14)
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(t * t + 2)), 14)
    }
  })

  it('chi-square with 2 df is exponential, with 1 df a squared normal', () => {
    for (const x of [1e-8, 0.01, 0.5, 1, 2, 5, 10, 30, 100]) {
      expect(chiSquareCdf(x, 2)).toBeCloseTo(-Math.expm1(-x / 2), 14)
      expectRelative(chiSquareSf(x, 2), Math.exp(-x / 2), 1e-13)
      expectRelative(chiSquareSf(x, 1), 2 * normalSf(Math.sqrt(x)), 1e-12)
    }
  })

  it('ln Γ at integers and halves', () => {
    for (let n = 1; n < 30; n++) {
      let factorial = 1
      for (let k = 2; k < n; k++) factorial *= k
      expect(logGamma(n)).toBeCloseTo(Math.log(factorial), 12)
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14)
    expect(logGamma(1e-8)).toBeCloseTo(18.420680738180209, 12)
  })
})

// 17-digit values computed with mpmath 1.3 at 40 significant digits (ncdf, erfinv, betainc, gammainc).
describe('high-precision reference values', () => {
  it.each([
    [-1.96, 0.024997895148220435],
    [-5, 2.866515718791939e-7],
    [-10, 7.619853024160525e-24],
    [-20, 2.7536241186062337e-89],
    [-37, 5.725571222524577e-300],
    [1.2345, 0.8914916766373299],
  ])('Φ(%d)', (x, p) => expectRelative(normalCdf(x), p, 1e-12))

  it.each([
    [0.975, 1.9599639845400538],
    [1e-10, -6.361340902404057],
    [1e-20, -9.262340089798407],
    [1e-300, -37.0470962993612],
  ])('Φ⁻¹(%d)', (p, z) => expectRelative(normalQuantile(p), z, 1e-13))

  it.each([
    [2, 3, 0.1393259685588432],
    [40, 1000, 1.0478852155173361e-209],
    [10, 5, 0.0001709475757429636],
    [1.96, 1e6, 0.04999606758526979],
    [5, 1e8, 5.733041101267286e-7],
    [0.5, 0.5, 0.7573180729294366],
    [3, 2.5, 0.07257609554903184],
    [1e10, 1, 6.366197723675813e-11],
  ])('two-sided P(|T| ≥ %d), df = %d', (t, df, p) => {
    expectRelative(studentTTwoSided(t, df), p, 1e-10)
    expectRelative(studentTTwoSided(-t, df), p, 1e-10)
  })

  it.each([
    [0.975, 1.5, 6.016663104427928],
    [0.975, 30, 2.0422724563012378],
    [1e-12, 5, -393.95695957760375],
    [0.975, 1e6, 1.9599663568141066],
    [0.995, 7.3, 3.4510316556221845],
  ])('t quantile(%d, df = %d)', (p, df, t) => expectRelative(studentTQuantile(p, df), t, 1e-10))

  it.each([
    [200, 3, 4.2185411071920426e-43],
    [3.841458820694124, 1, 0.05000000000000006],
    [150, 100, 0.0009039320423540091],
    [45, 2.5, 4.109126852989336e-10],
    [10, 10, 0.4404932850652124],
  ])('chi-square survival(%d, df = %d)', (x, df, q) => {
    expectRelative(chiSquareSf(x, df), q, 1e-12)
    expect(chiSquareCdf(x, df) + chiSquareSf(x, df)).toBeCloseTo(1, 15)
  })

  it('chi-square lower tail far below the mean', () => {
    expectRelative(chiSquareCdf(0.001, 10), 2.6030818297031987e-19, 1e-12)
  })

  it('near t = 0 at df = 1e6, where jstat (100 continued-fraction terms) is off by 0.017', () => {
    expect(studentTCdf(0, 1e6)).toBe(0.5)
    expect(studentTCdf(0.5, 1e6)).toBeCloseTo(0.6914624062638143, 13)
    expect(Math.abs(jStat.studentt.cdf(0, 1e6) - 0.5)).toBeGreaterThan(0.01)
  })
})

describe('agreement with jstat to 1e-6', () => {
  it('normal CDF on [−40, 40]', () => {
    for (let x = -40; x <= 40; x += 0.25)
      expect(Math.abs(normalCdf(x) - jStat.normal.cdf(x, 0, 1))).toBeLessThan(1e-6)
  })

  it('normal quantile for p in [1e-8, 1 − 1e-8] (jstat drifts below: 0.1 off at 1e-20)', () => {
    for (const p of [
      1e-8,
      1e-6,
      1e-3,
      0.01,
      0.025,
      0.1,
      0.3,
      0.5,
      0.7,
      0.9,
      0.975,
      0.999,
      1 - 1e-6,
      1 - 1e-8,
    ])
      expect(Math.abs(normalQuantile(p) - jStat.normal.inv(p, 0, 1))).toBeLessThan(1e-6)
  })

  it.each(DFS)('Student t CDF and quantile, df = %d', (df) => {
    for (const t of T_GRID) {
      // See the test above: at df = 1e6 jstat's own error near 0 exceeds 1e-6.
      if (df === 1e6 && Math.abs(t) < 1) continue
      expect(Math.abs(studentTCdf(t, df) - jStat.studentt.cdf(t, df))).toBeLessThan(1e-6)
    }
    for (const p of [1e-6, 0.001, 0.025, 0.3, 0.7, 0.975, 0.999])
      expect(Math.abs(studentTQuantile(p, df) - jStat.studentt.inv(p, df))).toBeLessThan(1e-6)
  })

  it.each(DFS)('chi-square CDF, df = %d', (df) => {
    const sd = Math.sqrt(2 * df)
    for (const z of [-5, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 5, 8, 12, 20]) {
      const x = Math.max(1e-6, df + z * sd)
      expect(Math.abs(chiSquareCdf(x, df) - jStat.chisquare.cdf(x, df))).toBeLessThan(1e-6)
    }
  })
})

describe('extremes', () => {
  const probabilities = [
    ...[1, 2, 3, 5, 10, 30, 100, 1000, 1e6, 1e9].flatMap((df) =>
      [-1e300, -1e20, -1e6, -40, 0, 40, 1e6, 1e20, 1e300].flatMap((t) => [
        studentTCdf(t, df),
        studentTTwoSided(t, df),
      ]),
    ),
    ...[0.1, 1, 3, 10, 1e6].flatMap((df) =>
      [0, 1e-300, 1e-10, 1, 1e3, 1e7, 1e300, Number.POSITIVE_INFINITY].flatMap((x) => [
        chiSquareCdf(x, df),
        chiSquareSf(x, df),
      ]),
    ),
    ...[-1e300, -1e3, -38, 38, 1e3, 1e300].map(normalCdf),
  ]

  it('probabilities stay in [0, 1], never NaN', () => {
    for (const p of probabilities) {
      expect(Number.isNaN(p)).toBe(false)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThanOrEqual(1)
    }
  })

  it('tiny p-values keep their magnitude instead of rounding to 0 or going negative', () => {
    expect(studentTTwoSided(15, 30)).toBeGreaterThan(1e-16)
    expect(studentTTwoSided(15, 30)).toBeLessThan(1e-13)
    expectRelative(chiSquareSf(120, 2), Math.exp(-60), 1e-13) // ≈ 8.8e-27
    expect(normalSf(9)).toBeGreaterThan(1e-19)
  })

  it('quantiles round-trip through their CDFs, and saturate at 0 and 1', () => {
    for (const p of [1e-100, 1e-12, 1e-4, 0.025, 0.3, 0.5, 0.8, 0.975, 1 - 1e-9]) {
      expectRelative(normalCdf(normalQuantile(p)), p, 1e-12)
      for (const df of [0.3, 1, 1.5, 2, 4.5, 30, 1e5, 1e7]) {
        if (df < 1 && p < 1e-90) continue // the quantile is beyond ±1.8e308; see below
        expectRelative(studentTCdf(studentTQuantile(p, df), df), p, 1e-11)
      }
    }
    // t(1e-100, df = 0.3) ≈ −1e333 is not a double: the search stops at the largest finite value.
    expect(studentTQuantile(1e-100, 0.3)).toBeLessThan(-1e308)
    expect(Number.isFinite(studentTQuantile(1e-100, 0.3))).toBe(true)
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(studentTQuantile(1, 5)).toBe(Number.POSITIVE_INFINITY)
    expect(Number.isFinite(normalQuantile(Number.MIN_VALUE))).toBe(true)
  })

  it('very large df tends to the normal', () => {
    for (const t of [-3, -1, 0.5, 2]) {
      expect(studentTCdf(t, 1e12)).toBeCloseTo(normalCdf(t), 11)
      expect(studentTCdf(t, Number.POSITIVE_INFINITY)).toBe(normalCdf(t))
    }
    expect(studentTQuantile(0.975, 1e15)).toBeCloseTo(1.959963984540054, 12)
  })

  it('invalid parameters give NaN rather than a wrong number', () => {
    expect(studentTCdf(1, 0)).toBeNaN()
    expect(studentTCdf(Number.NaN, 3)).toBeNaN()
    expect(chiSquareSf(1, -1)).toBeNaN()
    expect(normalQuantile(Number.NaN)).toBeNaN()
  })
})
