import { describe, expect, it } from 'vitest'
import { CONVERSIONS, D, experiment, PEOPLE, REVENUE } from '../../test/support/experiment-results.ts'
import { cupedFit, varianceReduction } from './cuped.ts'
import { meanInterval, wilson } from './intervals.ts'
import { dailyOf, experimentResults } from './results.ts'
import { adjust, compare, compareMoments, summarize } from './stats.ts'
import type { CovariateRow, MetricRow, PeopleRow } from './types.ts'

describe('experiment results', () => {
  const results = experimentResults({
    experiment: experiment(),
    people: PEOPLE,
    metrics: [CONVERSIONS, REVENUE],
    adjustment: 'holm',
    // Three UTC days since the first exposure (Nov 21 to 23): a daily series.
    now: Date.parse('2026-11-23T12:00:00.000Z'),
  })

  it('counts people per configured variation and checks the split against the weights', () => {
    expect(results.experiment).toEqual({
      key: 'checkout',
      name: 'checkout',
      status: 'running',
      bucketVersion: 0,
      variations: [
        { key: 'control', name: 'control', weight: 0.5 },
        { key: 'treat', name: 'One page', weight: 0.5 },
      ],
    })
    expect(results.users).toBe(8)
    expect(results.srm).toEqual({ chi2: 0, pValue: 1, warn: false, expected: [4, 4], observed: [4, 4] })
  })

  it('gives conversions, means and variances per variation, by hand', () => {
    const [conversion, revenue] = results.metrics
    expect(conversion).toMatchObject({
      event: 'Order Completed',
      property: null,
      kind: 'proportion',
      role: 'goal',
    })
    const [c, t] = conversion!.variations
    // Control 1,0,0,1: mean 1/2, variance (2 - 2·½)/3 = 1/3; treat 1,1,1,0: 3/4, (3 - 3·¾)/3 = 1/4.
    expect(c).toMatchObject({ key: 'control', users: 4, conversions: 2, mean: 0.5, vsControl: null })
    expect(c!.variance).toBeCloseTo(1 / 3, 12)
    expect(c!.stdErr).toBeCloseTo(Math.sqrt(1 / 12), 12)
    expect(t).toMatchObject({
      key: 'treat',
      users: 4,
      conversions: 3,
      mean: 0.75,
      variance: 0.25,
      stdErr: 0.25,
    })
    expect(t!.vsControl!.absolute.lift).toBeCloseTo(0.25, 12)
    expect(t!.vsControl!.relative.lift).toBeCloseTo(0.5, 12)
    // Sequential by default: the always-valid intervals and p-value.
    const expected = compare(
      { users: 4, sum: 2, sumSquares: 2 },
      { users: 4, sum: 3, sumSquares: 3 },
      { method: 'sequential' },
    )
    expect(t!.vsControl).toEqual({
      absolute: { lift: expected.absolute.lift, ci: expected.absolute.ci },
      relative: { lift: expected.relative.lift, ci: expected.relative.ci },
      pValue: expected.pValue,
      adjustedPValue: expected.pValue, // one goal, one treatment: nothing to adjust
      significant: false,
      chanceToWin: expected.chanceToWin,
      risk: expected.risk,
      unadjusted: null, // no history before exposure was given: no CUPED
      varianceReduction: null,
    })
    expect(conversion!.cuped).toEqual({
      applied: false,
      reason: 'no-history',
      theta: null,
      varianceReduction: null,
      windowDays: 14,
    })
    // Each rate's own interval is Wilson's, inside [0, 1].
    expect(c!.ci).toEqual(wilson(2, 4))
    expect(t!.ci).toEqual(wilson(3, 4))
    expect(t!.ci![1]).toBeLessThan(1)

    // Revenue per user: control 10,0,0,30 (mean 10, variance (1000 - 40·10)/3 = 200);
    // treat 20,40,5,0 (mean 16.25, variance (2025 - 65·16.25)/3 = 322.916…). No conversions field.
    expect(revenue).toMatchObject({ property: 'revenue', kind: 'mean', role: 'guardrail' })
    const [rc, rt] = revenue!.variations
    expect(rc).toEqual({
      key: 'control',
      users: 4,
      mean: 10,
      ci: meanInterval(summarize({ users: 4, sum: 40, sumSquares: 1000 })),
      variance: 200,
      stdErr: Math.sqrt(50),
      vsControl: null,
    })
    expect(rt!.mean).toBe(16.25)
    expect(rt!.variance).toBeCloseTo(968.75 / 3, 10)
    expect(rt!.vsControl!.absolute.lift).toBeCloseTo(6.25, 12)
    expect(rt!.vsControl!.adjustedPValue).toBeNull() // guardrails are not adjusted
    expect(rc!.ci![0]).toBeGreaterThan(0) // revenue cannot be negative, nor can its interval
  })

  it("names a metric that counts a site goal by the goal's name (its key without one); others by event", () => {
    const named = experimentResults({
      experiment: experiment({
        goals: [{ event: 'Order Completed', goal: 'order' }],
        guardrails: [{ event: 'Order Completed', property: 'revenue', goal: 'revenue' }],
      }),
      people: PEOPLE,
      metrics: [CONVERSIONS, REVENUE],
      adjustment: 'holm',
      goals: {
        order: { name: 'Order placed', event: 'Order Completed' },
        revenue: { event: 'Order Completed' },
      },
    })
    expect(named.metrics.map(({ event, goal, name }) => ({ event, goal, name }))).toEqual([
      { event: 'Order Completed', goal: 'order', name: 'Order placed' },
      { event: 'Order Completed', goal: 'revenue', name: 'revenue' },
    ])
    // The same numbers as without the goal.
    expect(named.metrics[1]!.variations).toEqual(results.metrics[1]!.variations)
    expect(results.metrics[0]).not.toHaveProperty('goal')
    expect(results.metrics[0]).not.toHaveProperty('name')
  })

  it('says whether the goals may be acted on now, and reads the fixed horizon only on request', () => {
    const people: PeopleRow[] = ['control', 'treat'].map((variation) => ({
      variation,
      day: D,
      hour: D * 24,
      users: 10_000,
    }))
    const rate = (variation: string, n: number): MetricRow => ({
      variation,
      day: D,
      hour: D * 24,
      users: n,
      sum: n,
      sumSquares: n,
    })
    const run = (treat: number, method?: 'fixed') =>
      experimentResults({
        experiment: experiment({ guardrails: [] }),
        people,
        metrics: [[rate('control', 1000), rate('treat', treat)]],
        adjustment: 'holm',
        ...(method ? { method } : {}),
      })
    expect(run(1300)).toMatchObject({ method: 'sequential', alpha: 0.05, prior: 'flat', verdict: 'act-now' })
    expect(run(1300).metrics[0]!.variations[1]!.vsControl!.significant).toBe(true)
    // 10 % → 11 %: significant read once (p ≈ 0.028), not yet under the always-valid sequence.
    expect(run(1100).verdict).toBe('keep-running')
    expect(run(1100).metrics[0]!.variations[1]!.vsControl!.significant).toBe(false)
    const fixed = run(1100, 'fixed')
    expect(fixed.verdict).toBe('read-once')
    expect(fixed.metrics[0]!.variations[1]!.vsControl!.pValue).toBeCloseTo(0.027897349223862316, 10)
    expect(fixed.metrics[0]!.variations[1]!.vsControl!.significant).toBe(true)
  })

  it('adds up users and first-goal conversions day by day', () => {
    expect(results.daily).toEqual([
      {
        date: '2026-11-21',
        variations: [
          { key: 'control', users: 2, conversions: 1, lift: null },
          { key: 'treat', users: 2, conversions: 1, lift: 0 },
        ],
      },
      {
        date: '2026-11-22',
        variations: [
          { key: 'control', users: 4, conversions: 2, lift: null },
          { key: 'treat', users: 4, conversions: 3, lift: 0.5 },
        ],
      },
    ])
    // Days without anyone new still appear; nothing exposed, nothing to chart.
    expect(
      dailyOf(
        ['a'],
        [{ variation: 'a', day: D, hour: D * 24, users: 1 }],
        [{ variation: 'a', day: D + 2, hour: (D + 2) * 24, users: 1, sum: 1, sumSquares: 1 }],
      ).map((p) => [p.date, p.variations[0]!.users, p.variations[0]!.conversions]),
    ).toEqual([
      ['2026-11-21', 1, 0],
      ['2026-11-22', 1, 0],
      ['2026-11-23', 1, 1],
    ])
    expect(dailyOf(['a'], [], [])).toEqual([])
    // The lift of each day's totals so far: Nov 21 12 % vs 10 % → +20 %; Nov 22 15 % vs 10 % → +50 %.
    // c has no one yet, and a control without conversions gives nothing to divide by.
    const lifts = dailyOf(
      ['control', 'b', 'c'],
      [
        { variation: 'control', day: D, hour: D * 24, users: 100 },
        { variation: 'b', day: D, hour: D * 24, users: 100 },
        { variation: 'control', day: D + 1, hour: (D + 1) * 24, users: 100 },
        { variation: 'b', day: D + 1, hour: (D + 1) * 24, users: 100 },
      ],
      [
        { variation: 'control', day: D, hour: D * 24, users: 10, sum: 10, sumSquares: 10 },
        { variation: 'b', day: D, hour: D * 24, users: 12, sum: 12, sumSquares: 12 },
        { variation: 'control', day: D + 1, hour: (D + 1) * 24, users: 10, sum: 10, sumSquares: 10 },
        { variation: 'b', day: D + 1, hour: (D + 1) * 24, users: 18, sum: 18, sumSquares: 18 },
      ],
    ).map((p) => p.variations.map((v) => (v.lift === null ? null : Number(v.lift.toFixed(10)))))
    expect(lifts).toEqual([
      [null, 0.2, null],
      [null, 0.5, null],
    ])
    const none = dailyOf(
      ['control', 'b'],
      [
        { variation: 'control', day: D, hour: D * 24, users: 5 },
        { variation: 'b', day: D, hour: D * 24, users: 5 },
      ],
      [],
    )
    expect(none[0]!.variations[1]!.lift).toBeNull()
  })

  it('warns of a sample-ratio mismatch when the split is off the weights', () => {
    const skewed = experimentResults({
      experiment: experiment({
        variations: [
          { key: 'control', weight: 0.5 },
          { key: 'treat', weight: 0.5 },
        ],
      }),
      people: [
        { variation: 'control', day: D, hour: D * 24, users: 600 },
        { variation: 'treat', day: D, hour: D * 24, users: 400 },
      ],
      metrics: [[], []],
      adjustment: 'holm',
    })
    // χ² = (600 - 500)²/500 + (400 - 500)²/500 = 40 on 1 df.
    expect(skewed.srm).toMatchObject({ chi2: 40, warn: true, expected: [500, 500], observed: [600, 400] })
    expect(skewed.srm.pValue).toBeLessThan(1e-9)
    // The same split is what 60/40 weights ask for.
    const planned = experimentResults({
      experiment: experiment({
        variations: [
          { key: 'control', weight: 0.6 },
          { key: 'treat', weight: 0.4 },
        ],
      }),
      people: skewed.experiment.variations.map((v, i) => ({
        variation: v.key,
        day: D,
        hour: D * 24,
        users: [600, 400][i]!,
      })),
      metrics: [[], []],
      adjustment: 'holm',
    })
    expect(planned.srm).toMatchObject({ chi2: 0, warn: false })
    // Nobody yet: no statistics, nothing null where a number is promised.
    const empty = experimentResults({
      experiment: experiment(),
      people: [],
      metrics: [[], []],
      adjustment: 'holm',
    })
    expect(empty.srm).toMatchObject({ chi2: null, pValue: null, warn: false })
    expect(empty.metrics[0]!.variations[1]).toMatchObject({ users: 0, conversions: 0, mean: null })
    expect(empty.daily).toEqual([])
  })

  it('adjusts every goal against the control in every treatment, Holm or Benjamini–Hochberg', () => {
    const three = experiment({
      variations: [{ key: 'control' }, { key: 'treat' }, { key: 'express' }],
      goals: [{ event: 'Order Completed' }, { event: 'Signed Up' }],
      guardrails: [],
    })
    const people: PeopleRow[] = ['control', 'treat', 'express'].map((variation) => ({
      variation,
      day: D,
      hour: D * 24,
      users: 1000,
    }))
    const rate = (variation: string, n: number): MetricRow => ({
      variation,
      day: D,
      hour: D * 24,
      users: n,
      sum: n,
      sumSquares: n,
    })
    const metrics = [
      [rate('control', 100), rate('treat', 130), rate('express', 105)],
      [rate('control', 200), rate('treat', 240), rate('express', 150)],
    ]
    const run = (adjustment: 'holm' | 'bh') =>
      experimentResults({ experiment: three, people, metrics, adjustment, method: 'fixed' })
    const tests = (r: ReturnType<typeof run>) =>
      r.metrics.flatMap((m) => m.variations.slice(1).map((v) => v.vsControl!))
    const holm = tests(run('holm'))
    const bh = tests(run('bh'))
    const raw = holm.map((t) => t.pValue)
    expect(raw.every((p) => p !== null && p > 0 && p < 1)).toBe(true)
    expect(holm.map((t) => t.adjustedPValue)).toEqual(adjust(raw, 'holm'))
    expect(bh.map((t) => t.adjustedPValue)).toEqual(adjust(raw, 'bh'))
    expect(run('bh').adjustment).toBe('bh')
    // Four hypotheses: the smallest p-value is multiplied by 4 under Holm.
    const smallest = Math.min(...(raw as number[]))
    expect(holm[raw.indexOf(smallest)]!.adjustedPValue).toBeCloseTo(Math.min(1, 4 * smallest), 12)
  })

  it('compares CUPED-adjusted means where people have history, and reports the variance it cut', () => {
    const people: PeopleRow[] = ['control', 'treat', 'express'].map((variation) => ({
      variation,
      day: D,
      hour: D * 24,
      users: 100,
    }))
    const three = experiment({
      variations: [{ key: 'control' }, { key: 'treat' }, { key: 'express' }],
      guardrails: [],
    })
    const rate = (variation: string, n: number): MetricRow => ({
      variation,
      day: D,
      hour: D * 24,
      users: n,
      sum: n,
      sumSquares: n,
    })
    const metrics = [[rate('control', 30), rate('treat', 45), rate('express', 33)]]
    // Converted before: 40, 38, 41 of 100; of them converted after: 20, 28, 22.
    const cov = (variation: string, pre: number, post: number, both: number): CovariateRow => ({
      variation,
      users: 100,
      preSum: pre,
      preSumSquares: pre,
      postSum: post,
      postSumSquares: post,
      crossSum: both,
    })
    const covariates = [[cov('control', 40, 30, 20), cov('treat', 38, 45, 28), cov('express', 41, 33, 22)]]
    const run = (cuped?: boolean) =>
      experimentResults({
        experiment: three,
        people,
        metrics,
        covariates,
        ...(cuped === undefined ? {} : { cuped }),
        adjustment: 'holm',
        method: 'fixed',
      })
    const on = run()
    const fit = cupedFit(covariates[0]!)
    const [, treat, express] = on.metrics[0]!.variations
    const adjusted = [1, 2].map((i) =>
      compareMoments(fit.moments[0]!, fit.moments[i]!, { method: 'fixed', alpha: 0.05 }),
    )
    const raw = [45, 33].map((n) =>
      compare(
        { users: 100, sum: 30, sumSquares: 30 },
        { users: 100, sum: n, sumSquares: n },
        { method: 'fixed' },
      ),
    )
    expect(on.metrics[0]!.cuped).toEqual({
      applied: true,
      reason: null,
      theta: fit.theta,
      varianceReduction: varianceReduction([
        [raw[0]!, adjusted[0]!],
        [raw[1]!, adjusted[1]!],
      ]),
      windowDays: 14,
    })
    expect(fit.theta).toBeGreaterThan(0)
    expect(on.metrics[0]!.cuped.varianceReduction).toBeGreaterThan(0)
    expect(treat!.vsControl).toMatchObject({
      absolute: { lift: adjusted[0]!.absolute.lift, ci: adjusted[0]!.absolute.ci },
      relative: { lift: adjusted[0]!.relative.lift, ci: adjusted[0]!.relative.ci },
      pValue: adjusted[0]!.pValue,
      chanceToWin: adjusted[0]!.chanceToWin,
      unadjusted: {
        absolute: { lift: raw[0]!.absolute.lift, ci: raw[0]!.absolute.ci },
        relative: { lift: raw[0]!.relative.lift, ci: raw[0]!.relative.ci },
        pValue: raw[0]!.pValue,
      },
      varianceReduction: varianceReduction([[raw[0]!, adjusted[0]!]]),
    })
    // The adjusted p-values are the ones adjusted for multiplicity.
    expect([treat, express].map((v) => v!.vsControl!.adjustedPValue)).toEqual(
      adjust(
        adjusted.map((c) => c.pValue),
        'holm',
      ),
    )
    // Means and their intervals stay raw.
    expect(treat).toMatchObject({ mean: 0.45, ci: wilson(45, 100) })

    const off = run(false)
    expect(off.metrics[0]!.cuped).toMatchObject({ applied: false, reason: 'off', theta: null })
    expect(off.metrics[0]!.variations[1]!.vsControl).toMatchObject({
      pValue: raw[0]!.pValue,
      unadjusted: null,
      varianceReduction: null,
    })
    // Everyone with the same history (or none) leaves nothing to adjust by.
    const flat = experimentResults({
      experiment: three,
      people,
      metrics,
      covariates: [[cov('control', 100, 30, 30), cov('treat', 100, 45, 45), cov('express', 100, 33, 33)]],
      adjustment: 'holm',
    })
    expect(flat.metrics[0]!.cuped).toMatchObject({ applied: false, reason: 'no-history' })
  })
})
