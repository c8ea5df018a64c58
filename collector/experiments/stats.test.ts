import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalCdf } from './distributions.ts'
import { adjust, type Comparison, compare, type Sample, srm, summarize } from './stats.ts'

const sampleOf = (values: number[]): Sample => ({
  users: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSquares: values.reduce((a, b) => a + b * b, 0),
})
const conversions = (users: number, converted: number): Sample => ({
  users,
  sum: converted,
  sumSquares: converted,
})

/** Every number in a result, to check that none is NaN or infinite. */
const numbersIn = (value: unknown): number[] =>
  typeof value === 'number'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(numbersIn)
      : value !== null && typeof value === 'object'
        ? Object.values(value).flatMap(numbersIn)
        : []

describe('summarize', () => {
  it('uses the n − 1 variance; for 0/1 values that is p(1 − p)·n/(n − 1)', () => {
    const s = summarize(conversions(10_000, 1_000))
    expect(s.mean).toBe(0.1)
    expect(s.variance).toBeCloseTo((0.1 * 0.9 * 10_000) / 9_999, 15)
    expect(s.stdErr).toBeCloseTo(Math.sqrt(s.variance / 10_000), 15)
    expect(summarize(sampleOf([2, 4, 4, 4, 5, 5, 7, 9])).variance).toBeCloseTo(32 / 7, 14)
  })

  it('is defined for empty, single and invalid samples', () => {
    expect(summarize({ users: 0, sum: 0, sumSquares: 0 })).toEqual({
      users: 0,
      mean: null,
      variance: 0,
      stdErr: null,
    })
    expect(summarize({ users: 1, sum: 3, sumSquares: 9 })).toEqual({
      users: 1,
      mean: 3,
      variance: 0,
      stdErr: null,
    })
    expect(summarize({ users: Number.NaN, sum: 1, sumSquares: 1 }).mean).toBeNull()
    expect(summarize({ users: -4, sum: 1, sumSquares: 1 }).mean).toBeNull()
    // Rounding in Σx² − (Σx)²/n must not give a negative variance.
    expect(summarize({ users: 3, sum: 3e8 + 0.3, sumSquares: 3e16 + 2e8 }).variance).toBeGreaterThanOrEqual(0)
  })
})

describe('compare: published Welch t-test examples (Wikipedia, "Welch\'s t-test", Examples)', () => {
  // Data and the rounded results printed on the page (t, df, p, checked only to their printed precision);
  // full-precision values from
  // scipy.stats.ttest_ind(A1, A2, equal_var=False), SciPy 1.17.
  const examples = [
    {
      a1: [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
      a2: [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
      published: { t: -2.46, df: 25.0, p: 0.021 },
      scipy: { t: -2.455356398286006, df: 24.988529290231416, p: 0.021378001462866992 },
    },
    {
      a1: [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
      a2: [
        21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5,
        23.5, 21.5, 21.8,
      ],
      published: { t: -1.57, df: 9.9, p: 0.149 },
      scipy: { t: -1.5654335235985037, df: 9.904741248650831, p: 0.14884169660532817 },
    },
    {
      a1: [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0],
      a2: [
        28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3,
        20.4, 23.9, 13.3,
      ],
      published: { t: -2.22, df: 24.5, p: 0.036 },
      scipy: { t: -2.225512039969852, df: 24.524634944257343, p: 0.035484530830010394 },
    },
  ]

  it.each(examples)(
    't = $published.t, df = $published.df, p = $published.p',
    ({ a1, a2, published, scipy }) => {
      const r = compare(sampleOf(a2), sampleOf(a1)) // treatment A1 minus control A2, as on the page
      const t = r.absolute.lift! / r.absolute.stdErr!
      expect(Math.abs(t - published.t)).toBeLessThan(0.01)
      expect(Math.abs(r.df! - published.df)).toBeLessThan(0.05)
      expect(Math.abs(r.absolute.pValue! - published.p)).toBeLessThan(0.001)
      expect(t).toBeCloseTo(scipy.t, 10)
      expect(r.df!).toBeCloseTo(scipy.df, 9)
      expect(r.absolute.pValue!).toBeCloseTo(scipy.p, 12)
    },
  )
})

// References computed independently in Python from the formulas in stats.ts's header with scipy.stats.t
// (ppf, sf) and scipy.stats.norm.cdf; the absolute p-value equals scipy.stats.ttest_ind_from_stats(equal_var=False).
interface Expected {
  df: number
  absolute: { lift: number; stdErr: number; ci: [number, number]; pValue: number }
  relative: { lift: number; stdErr: number; ci: [number, number]; pValue: number }
  chanceToWin: number
}

describe('compare: conversion and revenue references', () => {
  const check = (r: Comparison, want: Expected) => {
    expect(r.df!).toBeCloseTo(want.df, 7)
    for (const scale of ['absolute', 'relative'] as const) {
      const got = r[scale]
      const w = want[scale]
      expect(got.lift!).toBeCloseTo(w.lift, 13)
      expect(got.stdErr!).toBeCloseTo(w.stdErr, 13)
      expect(got.ci![0]).toBeCloseTo(w.ci[0], 11)
      expect(got.ci![1]).toBeCloseTo(w.ci[1], 11)
      expect(got.pValue!).toBeCloseTo(w.pValue, 11)
    }
    expect(r.pValue).toBe(r.relative.pValue)
    expect(r.chanceToWin!).toBeCloseTo(want.chanceToWin, 12)
  }
  const references: { name: string; control: Sample; treatment: Sample; alpha: number; want: Expected }[] = [
    {
      name: 'conversion 10.0 % → 11.0 %, 10,000 users each',
      control: conversions(10_000, 1_000),
      treatment: conversions(10_000, 1_100),
      alpha: 0.05,
      want: {
        df: 19962.71255812323,
        absolute: {
          lift: 0.01,
          stdErr: 0.004334960113763308,
          ci: [0.001503119126420963, 0.01849688087357903],
          pValue: 0.021074691049802394,
        },
        relative: {
          lift: 0.1,
          stdErr: 0.04547754193755493,
          ci: [0.010860251045968897, 0.18913974895403085],
          pValue: 0.027897349223862316,
        },
        chanceToWin: 0.986057039849917,
      },
    },
    {
      name: 'same conversions, 90 % intervals',
      control: conversions(10_000, 1_000),
      treatment: conversions(10_000, 1_100),
      alpha: 0.1,
      want: {
        df: 19962.71255812323,
        absolute: {
          lift: 0.01,
          stdErr: 0.004334960113763308,
          ci: [0.002869294227909564, 0.017130705772090426],
          pValue: 0.021074691049802394,
        },
        relative: {
          lift: 0.1,
          stdErr: 0.04547754193755493,
          ci: [0.02519262870147035, 0.17480737129852938],
          pValue: 0.027897349223862316,
        },
        chanceToWin: 0.986057039849917,
      },
    },
    {
      name: 'revenue per user 10.40 → 11.00, unequal groups',
      control: { users: 5_000, sum: 52_000, sumSquares: 2.1e6 },
      treatment: { users: 5_100, sum: 56_100, sumSquares: 2.3e6 },
      alpha: 0.05,
      want: {
        df: 10097.276702600957,
        absolute: {
          lift: 0.6,
          stdErr: 0.3565041415399837,
          ci: [-0.09881904531270902, 1.2988190453127082],
          pValue: 0.09240408980605763,
        },
        relative: {
          lift: 0.05769230769230771,
          stdErr: 0.03526376959192089,
          ci: [-0.011431696572842306, 0.12681631195745774],
          pValue: 0.10186612132913705,
        },
        chanceToWin: 0.9490825227923457,
      },
    },
  ]
  it.each(references)('$name', ({ control, treatment, alpha, want }) =>
    check(compare(control, treatment, { alpha }), want),
  )
})

describe('compare: degenerate inputs give nulls, never NaN, Infinity or a throw', () => {
  const nullEstimate = { lift: null, stdErr: null, ci: null, pValue: null }

  it('no users, or one user per group', () => {
    expect(compare(conversions(0, 0), conversions(100, 10))).toEqual({
      df: null,
      absolute: nullEstimate,
      relative: nullEstimate,
      pValue: null,
      chanceToWin: null,
      risk: null,
    })
    const single = compare({ users: 1, sum: 5, sumSquares: 25 }, { users: 1, sum: 7, sumSquares: 49 })
    expect(single.absolute).toEqual({ ...nullEstimate, lift: 2 })
    expect(single.relative.lift).toBeCloseTo(0.4, 15)
    expect(single.pValue).toBeNull()
  })

  it('zero variance in both groups', () => {
    const r = compare(conversions(500, 500), conversions(400, 400))
    expect(r.absolute).toEqual({ ...nullEstimate, lift: 0 })
    expect(r.chanceToWin).toBeNull()
    expect(r.df).toBeNull()
  })

  it('zero or negative control mean: no relative lift, the absolute test still runs', () => {
    for (const control of [conversions(1_000, 0), { users: 3, sum: -6, sumSquares: 14 }]) {
      const r = compare(control, conversions(1_000, 20))
      expect(r.relative).toEqual(nullEstimate)
      expect(r.pValue).toBeNull()
      expect(r.chanceToWin).toBeNull()
      expect(r.absolute.pValue).toBeGreaterThan(0)
    }
  })

  it('an invalid alpha drops the intervals only', () => {
    for (const alpha of [0, 1, -0.1, Number.NaN]) {
      const r = compare(conversions(1_000, 100), conversions(1_000, 120), { alpha })
      expect(r.absolute.ci).toBeNull()
      expect(r.relative.ci).toBeNull()
      expect(r.pValue).toBeGreaterThan(0)
    }
  })

  it('a huge effect gives a tiny positive p-value, not 0 − ε or NaN', () => {
    const r = compare(conversions(1e6, 1e5), conversions(1e6, 1.2e5))
    expect(r.pValue).toBeGreaterThanOrEqual(0)
    expect(r.pValue).toBeLessThan(1e-100)
    expect(r.chanceToWin).toBe(1)
  })

  it('arbitrary aggregates (fast-check)', () => {
    const value = fc.oneof(
      fc.double({ noNaN: false }),
      fc.integer({ min: -5, max: 1e7 }),
      fc.constantFrom(0, 1, 2, Number.POSITIVE_INFINITY),
    )
    const sample = fc.record({ users: value, sum: value, sumSquares: value })
    fc.assert(
      fc.property(
        sample,
        sample,
        fc.double({ min: 0, max: 1 }),
        fc.constantFrom('fixed' as const, 'sequential' as const),
        (control, treatment, alpha, method) => {
          const r = compare(control, treatment, { alpha, method })
          for (const n of numbersIn(r)) expect(Number.isFinite(n)).toBe(true)
          if (r.pValue !== null) expect(r.pValue >= 0 && r.pValue <= 1).toBe(true)
          if (r.chanceToWin !== null) expect(r.chanceToWin >= 0 && r.chanceToWin <= 1).toBe(true)
          if (r.risk) expect(r.risk.treatment >= 0 && r.risk.control >= 0).toBe(true)
        },
      ),
      { numRuns: 2_000 },
    )
  })
})

describe('compare: properties', () => {
  // Realistic A/B aggregates: a per-user mean and spread, summed the way the collector would.
  const group = fc
    .record({
      users: fc.integer({ min: 2, max: 1_000_000 }),
      mean: fc.double({ min: 0.01, max: 100, noNaN: true }),
      sd: fc.double({ min: 0.01, max: 100, noNaN: true }),
    })
    .map(({ users, mean, sd }) => ({
      users,
      sum: users * mean,
      sumSquares: (users - 1) * sd * sd + users * mean * mean,
    }))

  it('each interval contains its lift, and p < alpha exactly when the interval excludes 0', () => {
    fc.assert(
      fc.property(group, group, fc.constantFrom(0.01, 0.05, 0.1, 0.2), (control, treatment, alpha) => {
        const r = compare(control, treatment, { alpha })
        for (const e of [r.absolute, r.relative]) {
          const [lo, hi] = e.ci!
          expect(lo).toBeLessThanOrEqual(e.lift!)
          expect(hi).toBeGreaterThanOrEqual(e.lift!)
          const excludesZero = lo > 0 || hi < 0
          // Away from the boundary, where rounding could tip either side.
          if (Math.abs(e.pValue! - alpha) > 1e-9) expect(e.pValue! < alpha).toBe(excludesZero)
        }
      }),
    )
  })

  it('the absolute test is symmetric when control and treatment swap', () => {
    fc.assert(
      fc.property(group, group, (a, b) => {
        const ab = compare(a, b)
        const ba = compare(b, a)
        expect(ba.absolute.pValue!).toBeCloseTo(ab.absolute.pValue!, 12)
        expect(ba.absolute.lift!).toBeCloseTo(-ab.absolute.lift!, 9)
        expect(ba.df!).toBeCloseTo(ab.df!, 6)
      }),
    )
  })

  it('chanceToWin is Φ(relative lift / its standard error), so it and chanceToLose add to 1', () => {
    fc.assert(
      fc.property(group, group, (control, treatment) => {
        const r = compare(control, treatment)
        const z = r.relative.lift! / r.relative.stdErr!
        const chanceToLose = normalCdf(-z)
        expect(r.chanceToWin!).toBeCloseTo(normalCdf(z), 15)
        expect(r.chanceToWin! + chanceToLose).toBeCloseTo(1, 14)
        // Swapping the groups flips the side of ½ that it falls on.
        const swapped = compare(treatment, control).chanceToWin!
        if (Math.abs(r.chanceToWin! - 0.5) > 1e-9) expect(swapped < 0.5).toBe(r.chanceToWin! > 0.5)
      }),
    )
  })

  it('identical groups: no lift, p = 1, chanceToWin = ½', () => {
    const r = compare(conversions(5_000, 400), conversions(5_000, 400))
    expect(r.absolute.lift).toBe(0)
    expect(r.relative.lift).toBe(0)
    expect(r.pValue).toBe(1)
    expect(r.chanceToWin).toBe(0.5)
  })
})

describe('srm', () => {
  it('fair die (Wikipedia, "Pearson\'s chi-squared test"): χ² = 13.4, df 5, p ≈ 0.020', () => {
    const r = srm([5, 8, 9, 8, 10, 20], [1, 1, 1, 1, 1, 1])
    expect(r.chi2).toBeCloseTo(13.4, 12)
    expect(r.df).toBe(5)
    expect(r.pValue!).toBeCloseTo(0.01990522033477438, 13) // scipy.stats.chisquare
    expect(r.expected).toEqual([10, 10, 10, 10, 10, 10])
    expect(r.warn).toBe(false)
  })

  it("Mendel's peas 315/108/101/32 against 9:3:3:1: χ² = 0.470, p = 0.925", () => {
    const r = srm([315, 108, 101, 32], [9, 3, 3, 1])
    expect(r.chi2!).toBeCloseTo(0.47, 3)
    expect(r.pValue!).toBeCloseTo(0.925, 3)
    expect(r.pValue!).toBeCloseTo(0.925425895103616, 12) // scipy.stats.chisquare
    expect(r.expected.map((e) => e * 16)).toEqual(
      [9 * 556, 3 * 556, 3 * 556, 556].map((e) => expect.closeTo(e, 9)),
    )
  })

  it('warns below p = 0.001, normalizes weights and leaves zero-weight variations out', () => {
    const mismatch = srm([10_000, 10_500], [50, 50])
    expect(mismatch.chi2!).toBeCloseTo(12.195121951219512, 12)
    expect(mismatch.pValue!).toBeCloseTo(0.00047914643458730067, 15)
    expect(mismatch.warn).toBe(true)
    expect(srm([10_000, 10_500], [0.5, 0.5])).toEqual(mismatch)
    const withPaused = srm([10_000, 10_500, 37], [0.5, 0.5, 0])
    expect(withPaused.df).toBe(1)
    expect(withPaused.chi2).toBe(mismatch.chi2)
    expect(withPaused.expected).toEqual([10_250, 10_250, 0])
    expect(srm([1_000, 1_040], [1, 1]).warn).toBe(false)
  })

  it('undefined cases give nulls', () => {
    const none = { chi2: null, pValue: null, warn: false }
    expect(srm([], [])).toMatchObject({ ...none, df: 0, expected: [] })
    expect(srm([0, 0], [1, 1])).toMatchObject({ ...none, df: 1, expected: [0, 0] })
    expect(srm([10], [1])).toMatchObject({ ...none, df: 0 })
    expect(srm([1, 2], [1])).toMatchObject(none)
    expect(srm([1, Number.NaN], [1, 1])).toMatchObject(none)
    expect(srm([1, 2], [1, -1])).toMatchObject(none)
    for (const n of numbersIn(srm([1, Number.NaN], [1, 1]))) expect(Number.isFinite(n)).toBe(true)
  })
})

describe('adjust', () => {
  it('Holm: Wikipedia "Holm–Bonferroni method" example rejects H4 and H1 at 0.05', () => {
    const adjusted = adjust([0.01, 0.04, 0.03, 0.005], 'holm') as number[]
    for (const [i, want] of [0.03, 0.06, 0.06, 0.02].entries()) expect(adjusted[i]).toBeCloseTo(want, 15)
    expect(adjusted.map((p) => p <= 0.05)).toEqual([true, false, false, true])
  })

  // Benjamini & Hochberg (1995), J. R. Statist. Soc. B 57(1), §4: 15 p-values; at q = 0.05 BH rejects 4,
  // the Bonferroni-type step-down procedure 3.
  const paper = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528,
    0.759, 1,
  ]

  it('BH: the original paper rejects four hypotheses; adjusted values by hand', () => {
    const adjusted = adjust(paper, 'bh') as number[]
    const byHand = [
      0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571429, 0.0638571429, 0.0645, 0.0765, 0.486,
      0.5811818182, 0.714875, 0.7532307692, 0.8132142857, 1,
    ]
    for (const [i, want] of byHand.entries()) expect(adjusted[i]).toBeCloseTo(want, 9)
    expect(adjusted.filter((p) => p <= 0.05)).toHaveLength(4)
    expect((adjust(paper, 'holm') as number[]).filter((p) => p <= 0.05)).toHaveLength(3)
  })

  it('keeps input order, passes nulls through without counting them, caps at 1', () => {
    expect(adjust([0.04, null, 0.01, Number.NaN], 'holm')).toEqual([0.04, null, 0.02, null])
    expect(adjust([0.04, null, 0.01], 'bh')).toEqual([0.04, null, 0.02])
    expect(adjust([0.9, 0.8, 0.7], 'holm')).toEqual([1, 1, 1])
    expect(adjust([], 'bh')).toEqual([])
    expect(adjust([null], 'holm')).toEqual([null])
  })

  it('adjusted values are ≥ raw, ≤ 1, and keep the order of the raw values (fast-check)', () => {
    const pValue = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null })
    fc.assert(
      fc.property(
        fc.array(pValue, { maxLength: 40 }),
        fc.constantFrom('holm' as const, 'bh' as const),
        (raw, method) => {
          const adjusted = adjust(raw, method)
          const pairs = raw.flatMap((p, i) => (p === null ? [] : [[p, adjusted[i]!] as const]))
          for (const [p, q] of pairs) {
            expect(q).toBeGreaterThanOrEqual(p)
            expect(q).toBeLessThanOrEqual(1)
          }
          for (const [p1, q1] of pairs)
            for (const [p2, q2] of pairs) if (p1 < p2) expect(q1).toBeLessThanOrEqual(q2)
          // BH never adjusts more than Holm.
          if (method === 'bh') {
            const holm = adjust(raw, 'holm')
            for (const [i, p] of raw.entries())
              if (p !== null) expect(adjusted[i]!).toBeLessThanOrEqual(holm[i]! + 1e-15)
          }
        },
      ),
    )
  })
})
