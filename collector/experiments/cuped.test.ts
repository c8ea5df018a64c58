import { describe, expect, it } from 'vitest'
import { prng } from '../../test/support/prng.ts'
import { type CupedSums, cupedFit, varianceReduction } from './cuped.ts'
import { compare, compareMoments, summarize } from './stats.ts'

/** One person: value before the first exposure (x) and after it (y). */
type Person = { x: number; y: number }

/** The store's sums of a variation (CovariateRow without its key). */
const sumsOf = (people: readonly Person[]): CupedSums => ({
  users: people.length,
  preSum: people.reduce((s, p) => s + p.x, 0),
  preSumSquares: people.reduce((s, p) => s + p.x * p.x, 0),
  postSum: people.reduce((s, p) => s + p.y, 0),
  postSumSquares: people.reduce((s, p) => s + p.y * p.y, 0),
  crossSum: people.reduce((s, p) => s + p.x * p.y, 0),
})

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length
/** Two-pass sample variance, n − 1. */
const variance = (v: readonly number[]) => {
  const m = mean(v)
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1)
}

/**
 * The reference: θ by least squares on every person's rows, then each person's adjusted value
 * Y − θ(X − X̄) computed and summarized directly, without any of cuped.ts's sums.
 */
const reference = (groups: readonly (readonly Person[])[]) => {
  const all = groups.flat()
  const mx = mean(all.map((p) => p.x))
  const my = mean(all.map((p) => p.y))
  const theta =
    all.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / all.reduce((s, p) => s + (p.x - mx) ** 2, 0)
  return {
    theta,
    groups: groups.map((g) => {
      const adjusted = g.map((p) => p.y - theta * (p.x - mx))
      return { users: g.length, mean: mean(adjusted), variance: variance(adjusted) }
    }),
  }
}

/** A standard normal draw (Box–Muller). */
const normal = (random: () => number) =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())

describe('cupedFit', () => {
  // Control (x, y): (0, 0), (2, 3), (4, 5); treat: (1, 2), (3, 5), (0, 1).
  const control: Person[] = [
    { x: 0, y: 0 },
    { x: 2, y: 3 },
    { x: 4, y: 5 },
  ]
  const treat: Person[] = [
    { x: 1, y: 2 },
    { x: 3, y: 5 },
    { x: 0, y: 1 },
  ]

  it('matches the regression adjustment computed on the rows, to 1e-10', () => {
    // By hand: Σx = 10, Σy = 16, Σxy = 43, Σx² = 30 over 6 people; Sxy = 43 − 160/6 = 49/3,
    // Sxx = 30 − 100/6 = 40/3, so θ = 49/40.
    const fit = cupedFit([sumsOf(control), sumsOf(treat)])
    const ref = reference([control, treat])
    expect(ref.theta).toBeCloseTo(49 / 40, 12)
    expect(fit.applied).toBe(true)
    expect(Math.abs(fit.theta - ref.theta)).toBeLessThan(1e-10)
    fit.moments.forEach((m, i) => {
      expect(m.users).toBe(ref.groups[i]!.users)
      expect(Math.abs(m.mean! - ref.groups[i]!.mean)).toBeLessThan(1e-10)
      expect(Math.abs(m.variance - ref.groups[i]!.variance)).toBeLessThan(1e-10)
    })
  })

  it('matches the reference on random data with three variations and many zeros', () => {
    const random = prng(7)
    const groups = [0, 1, 2].map((g) =>
      Array.from({ length: 40 + g * 7 }, () => {
        const x = random() < 0.4 ? 0 : Math.round(random() * 100) / 4
        const y = random() < 0.3 ? 0 : x * 0.6 + Math.round(random() * 80) / 8 + g
        return { x, y }
      }),
    )
    const fit = cupedFit(groups.map(sumsOf))
    const ref = reference(groups)
    expect(Math.abs(fit.theta - ref.theta)).toBeLessThan(1e-10)
    fit.moments.forEach((m, i) => {
      expect(Math.abs(m.mean! - ref.groups[i]!.mean)).toBeLessThan(1e-10)
      expect(Math.abs(m.variance - ref.groups[i]!.variance) / ref.groups[i]!.variance).toBeLessThan(1e-10)
    })
  })

  it('falls back to the raw moments without variance before exposure, or without people', () => {
    const raw = (people: Person[]) => {
      const s = summarize({
        users: people.length,
        sum: people.reduce((a, p) => a + p.y, 0),
        sumSquares: people.reduce((a, p) => a + p.y * p.y, 0),
      })
      return { users: s.users, mean: s.mean, variance: s.variance }
    }
    const none = control.map((p) => ({ ...p, x: 0 }))
    const same = treat.map((p) => ({ ...p, x: 1 })) // everyone converted before: no spread
    for (const groups of [
      [none, treat.map((p) => ({ ...p, x: 0 }))],
      [same, control.map((p) => ({ ...p, x: 1 }))],
    ]) {
      const fit = cupedFit(groups.map(sumsOf))
      expect(fit).toEqual({ applied: false, theta: 0, moments: groups.map(raw) })
    }
    expect(cupedFit([sumsOf([]), sumsOf([])])).toEqual({
      applied: false,
      theta: 0,
      moments: [
        { users: 0, mean: null, variance: 0 },
        { users: 0, mean: null, variance: 0 },
      ],
    })
    expect(cupedFit([])).toMatchObject({ applied: false, moments: [] })
  })
})

describe('compareMoments', () => {
  it('is compare on the summaries of the same sums', () => {
    const c = { users: 120, sum: 300, sumSquares: 1900 }
    const t = { users: 110, sum: 310, sumSquares: 2100 }
    for (const method of ['fixed', 'sequential'] as const)
      expect(compareMoments(summarize(c), summarize(t), { method })).toEqual(compare(c, t, { method }))
  })

  it('treats a non-finite mean as no users', () => {
    expect(
      compareMoments({ users: 3, mean: Number.NaN, variance: 1 }, { users: 3, mean: 1, variance: 1 }).pValue,
    ).toBe(null)
  })
})

describe('variance reduction (seeded simulation)', () => {
  /**
   * Two variations of `n` people; X and Y standard normals with correlation ρ, shifted to means
   * 10 and 20 (scale 2 and 4), the treatment's Y 5 % higher. Returns CUPED's variance reduction of
   * the relative lift and both comparisons.
   */
  const simulate = (rho: number, n: number, seed: number, effect = 0.05) => {
    const random = prng(seed)
    const groups = [0, 1].map((g) =>
      Array.from({ length: n }, () => {
        const zx = normal(random)
        const zy = rho * zx + Math.sqrt(1 - rho * rho) * normal(random)
        return { x: 10 + 2 * zx, y: (20 + 4 * zy) * (g === 1 ? 1 + effect : 1) }
      }),
    )
    const sums = groups.map(sumsOf)
    const fit = cupedFit(sums)
    const raw = compare(
      { users: n, sum: sums[0]!.postSum, sumSquares: sums[0]!.postSumSquares },
      { users: n, sum: sums[1]!.postSum, sumSquares: sums[1]!.postSumSquares },
      { method: 'fixed' },
    )
    const adjusted = compareMoments(fit.moments[0]!, fit.moments[1]!, { method: 'fixed' })
    return { reduction: varianceReduction([[raw, adjusted]])!, raw, adjusted, fit }
  }

  it.each([0.3, 0.5, 0.8])('cuts the variance of the lift by about ρ² (ρ = %s)', (rho) => {
    const { reduction, adjusted, fit } = simulate(rho, 20_000, 42)
    expect(Math.abs(reduction - rho * rho)).toBeLessThan(0.02)
    // θ estimates cov/var = ρ·4/2 (Y is 5 % larger in half the people, so a little more).
    expect(fit.theta).toBeGreaterThan(2 * rho * 0.97)
    expect(fit.theta).toBeLessThan(2 * rho * 1.08)
    // Still an estimate of the true lift: within its interval.
    expect(adjusted.relative.ci![0]).toBeLessThan(0.05)
    expect(adjusted.relative.ci![1]).toBeGreaterThan(0.05)
  })

  it('reduces nothing when before and after are independent', () => {
    expect(Math.abs(simulate(0, 20_000, 3).reduction)).toBeLessThan(0.01)
  })

  it('keeps the false positive rate of an A/A test at alpha (400 runs)', () => {
    let positives = 0
    for (let run = 0; run < 400; run++) {
      const { adjusted } = simulate(0.7, 500, 1000 + run, 0)
      if (adjusted.pValue! < 0.05) positives++
    }
    expect(positives / 400).toBeGreaterThan(0.02)
    expect(positives / 400).toBeLessThan(0.085)
  })

  it('is null without comparisons to weigh', () => {
    expect(varianceReduction([])).toBeNull()
  })
})
