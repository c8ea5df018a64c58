/**
 * Derivative-free minimisation by the Nelder–Mead simplex method (Nelder & Mead 1965, "A simplex
 * method for function minimization"), with the standard coefficients: reflection 1, expansion 2,
 * contraction ½, shrink ½ (as in Lagarias et al. 1998, "Convergence properties of the Nelder–Mead
 * simplex method in low dimensions"). The customer models fit 3 or 4 log-parameters with it.
 */

export interface NelderMeadOptions {
  /** Initial simplex: start + step·eᵢ for each coordinate i (a number or one per coordinate). */
  step?: number | readonly number[]
  /** Iterations per run. */
  maxIterations?: number
  /** Stop when the simplex's values differ by at most tolerance·(1 + |best|)… */
  tolerance?: number
  /** …and every vertex is within xTolerance of the best in each coordinate. */
  xTolerance?: number
  /**
   * Fresh simplices built around the best point after convergence. Nelder–Mead can stall on a
   * non-stationary point (McKinnon 1998); a restart costs little and is the usual cure. A restart
   * that finds no lower value ends the search.
   */
  restarts?: number
}

export interface Minimum {
  x: number[]
  value: number
  iterations: number
  evaluations: number
  /** False when a run stopped at maxIterations. */
  converged: boolean
}

interface Vertex {
  x: number[]
  value: number
}

/** Minimises f from start. A NaN or infinite value counts as +Infinity, so f may refuse a region. */
export const nelderMead = (
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): Minimum => {
  const n = start.length
  const maxIterations = options.maxIterations ?? 200 * Math.max(1, n)
  const tolerance = options.tolerance ?? 1e-10
  const xTolerance = options.xTolerance ?? 1e-8
  const steps = start.map((_, i) =>
    typeof options.step === 'number' ? options.step : (options.step?.[i] ?? 0.5),
  )
  let evaluations = 0
  const evaluate = (x: number[]): Vertex => {
    evaluations += 1
    const value = f(x)
    return { x, value: Number.isFinite(value) ? value : Number.POSITIVE_INFINITY }
  }

  const run = (from: readonly number[]) => {
    const simplex: Vertex[] = [evaluate([...from])]
    for (let i = 0; i < n; i++) {
      const x = [...from]
      x[i] = x[i]! + steps[i]!
      simplex.push(evaluate(x))
    }
    // Points on the line from the centroid c through the worst vertex w: c + t·(c − w).
    const along = (c: number[], w: number[], t: number) => c.map((ci, j) => ci + t * (ci - w[j]!))
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      simplex.sort((p, q) => p.value - q.value)
      const best = simplex[0]!
      const worst = simplex[n]!
      const spread = worst.value - best.value
      const small = simplex.every((v) => v.x.every((xi, j) => Math.abs(xi - best.x[j]!) <= xTolerance))
      if (spread <= tolerance * (1 + Math.abs(best.value)) && small)
        return { best, iterations: iteration, converged: true }

      const centroid = new Array<number>(n).fill(0)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n
      const reflected = evaluate(along(centroid, worst.x, 1))
      if (reflected.value < best.value) {
        const expanded = evaluate(along(centroid, worst.x, 2))
        simplex[n] = expanded.value < reflected.value ? expanded : reflected
        continue
      }
      if (reflected.value < simplex[n - 1]!.value) {
        simplex[n] = reflected
        continue
      }
      // Contract: outside (towards the reflected point) when it beat the worst, else inside.
      const outside = reflected.value < worst.value
      const contracted = evaluate(along(centroid, worst.x, outside ? 0.5 : -0.5))
      if (contracted.value < (outside ? reflected.value : worst.value)) {
        simplex[n] = contracted
        continue
      }
      // Shrink every vertex halfway towards the best.
      for (let i = 1; i <= n; i++) simplex[i] = evaluate(simplex[i]!.x.map((xi, j) => (xi + best.x[j]!) / 2))
    }
    simplex.sort((p, q) => p.value - q.value)
    return { best: simplex[0]!, iterations: maxIterations, converged: false }
  }

  let result = run(start)
  let iterations = result.iterations
  for (let i = 0; i < (options.restarts ?? 2); i++) {
    const again = run(result.best.x)
    iterations += again.iterations
    // A run starts from the best point, so its result is never worse.
    const improved = again.best.value < result.best.value - tolerance * (1 + Math.abs(result.best.value))
    result = again
    if (!improved) break
  }
  return {
    x: result.best.x,
    value: result.best.value,
    iterations,
    evaluations,
    converged: result.converged,
  }
}
