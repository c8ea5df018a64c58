import { describe, expect, it } from 'vitest'
import { experimentSchema } from '../../sdk/rules/experiment-schema.ts'
import { normalQuantile } from './distributions.ts'
import { experimentPlan, type PlanInput, planOf } from './planning.ts'
import { experimentResults } from './results.ts'

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  mde: 0.1,
  power: 0.8,
  alpha: 0.05,
  method: 'fixed',
  weights: [0.5, 0.5],
  baseline: { mean: 0.1, variance: 0.09, users: 1000 },
  users: 7000,
  days: 7,
  ...over,
})

describe('planOf', () => {
  it('fixed horizon: the textbook 2(z_{1−α/2} + z_β)²σ²/δ² per variation', () => {
    // 10 % conversion, +10 % relative (δ = 0.01), σ² = 0.09: 14,128 per variation, 28,256 in all.
    const perArm = (2 * (normalQuantile(0.975) + normalQuantile(0.8)) ** 2 * 0.09) / 0.01 ** 2
    const plan = planOf(input())
    expect(plan.usersNeeded).toBe(2 * Math.ceil(perArm))
    expect(plan.usersNeeded).toBe(28_256)
    expect(plan.progress).toBeCloseTo(7000 / 28_256, 12)
    expect(plan.usersPerDay).toBe(1000)
    expect(plan.daysLeft).toBe(22) // 21,256 more at 1,000 a day
  })

  it('an uneven split is paced by its smallest share; sequential needs more than fixed', () => {
    const even = planOf(input()).usersNeeded!
    expect(planOf(input({ weights: [0.8, 0.2] })).usersNeeded).toBeCloseTo(even / 0.4, -1)
    const sequential = planOf(input({ method: 'sequential' })).usersNeeded!
    expect(sequential).toBeGreaterThan(even)
    expect(sequential).toBeLessThan(even * 4)
  })

  it('reached: progress 1 and no days left', () => {
    expect(planOf(input({ users: 40_000 }))).toMatchObject({ progress: 1, daysLeft: 0 })
  })

  it('says nothing without a usable baseline or pace', () => {
    for (const baseline of [
      { mean: null, variance: 0, users: 0 },
      { mean: 0, variance: 0, users: 500 },
      { mean: 0.1, variance: 0.09, users: 10 },
    ])
      expect(planOf(input({ baseline }))).toMatchObject({ usersNeeded: null, progress: null, daysLeft: null })
    expect(planOf(input({ days: 0 }))).toMatchObject({ usersPerDay: null, daysLeft: null })
    // An effect too small to find with any realistic number of people.
    expect(planOf(input({ mde: 1e-9 })).usersNeeded).toBeNull()
  })
})

describe('experimentPlan', () => {
  it("plans from the control's first goal and the days since the first exposure", () => {
    const experiment = experimentSchema.parse({
      key: 'x',
      status: 'running',
      variations: [{ key: 'control' }, { key: 'treat' }],
      goals: [{ event: 'Order Completed' }],
      plan: { mde: 0.1 },
    })
    const day = Date.parse('2026-11-21T00:00:00Z') / 86_400_000
    const results = experimentResults({
      experiment,
      people: [
        { variation: 'control', day, hour: day * 24, users: 3500 },
        { variation: 'treat', day, hour: day * 24, users: 3500 },
      ],
      metrics: [[{ variation: 'control', day, hour: day * 24, users: 350, sum: 350, sumSquares: 350 }]],
      adjustment: 'holm',
      method: 'fixed',
    })
    // Seven days in, counting the first: 1,000 a day.
    const plan = experimentPlan(experiment, results, Date.parse('2026-11-27T12:00:00Z'))
    const control = results.metrics[0]!.variations[0]!
    expect(plan).toEqual(
      planOf({
        mde: 0.1,
        power: 0.8,
        alpha: 0.05,
        method: 'fixed',
        weights: [0.5, 0.5],
        baseline: { mean: 0.1, variance: control.variance, users: 3500 },
        users: 7000,
        days: 7,
      }),
    )
    expect(plan.usersPerDay).toBe(1000)
  })
})
