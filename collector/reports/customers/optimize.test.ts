import { describe, expect, it } from 'vitest'
import { nelderMead } from './optimize.ts'

describe('Nelder–Mead', () => {
  it("finds Rosenbrock's minimum from the classic start (−1.2, 1)", () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2
    const m = nelderMead(rosenbrock, [-1.2, 1])
    expect(m.converged).toBe(true)
    expect(m.x[0]).toBeCloseTo(1, 4)
    expect(m.x[1]).toBeCloseTo(1, 4)
    expect(m.value).toBeLessThan(1e-10)
  })

  it('minimises a badly scaled 4-dimensional quadratic', () => {
    const centre = [3, -1, 0.5, 20]
    const scale = [1, 100, 0.01, 5]
    const f = (x: readonly number[]) => x.reduce((s, xi, i) => s + scale[i]! * (xi - centre[i]!) ** 2, 0)
    const m = nelderMead(f, [0, 0, 0, 0], { step: 1 })
    expect(m.converged).toBe(true)
    m.x.forEach((xi, i) => {
      expect(xi).toBeCloseTo(centre[i]!, 3)
    })
  })

  it('treats NaN and Infinity as worse than anything, so f can refuse a region', () => {
    // ln is undefined below 0: the minimum of (ln x − 1)² is at x = e.
    const f = ([x]: readonly number[]) => (x! > 0 ? (Math.log(x!) - 1) ** 2 : Number.NaN)
    const m = nelderMead(f, [0.5], { step: 3 })
    expect(m.x[0]).toBeCloseTo(Math.E, 6)
    expect(nelderMead(() => Number.POSITIVE_INFINITY, [1, 2]).value).toBe(Number.POSITIVE_INFINITY)
  })

  it('says when it ran out of iterations', () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2
    const m = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 10, restarts: 0 })
    expect(m.converged).toBe(false)
    expect(m.iterations).toBe(10)
    expect(m.value).toBeGreaterThan(1e-3)
  })

  it('is deterministic and counts its evaluations', () => {
    let calls = 0
    const f = (x: readonly number[]) => {
      calls += 1
      return (x[0]! - 2) ** 2 + (x[1]! + 1) ** 2
    }
    const first = nelderMead(f, [0, 0])
    expect(first.evaluations).toBe(calls)
    expect(nelderMead(f, [0, 0])).toEqual(first)
  })
})
