// Differential test: experiments.ts must bucket exactly as GrowthBook 1.8.0 does, for the helpers
// and for whole experiments run through `new GrowthBook().run()` (no sticky bucketing, no QA).
import { type Experiment as GBExperiment, GrowthBook } from '@growthbook/growthbook'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  assign,
  chooseVariation,
  type ExperimentDef,
  getBucketRanges,
  getEqualWeights,
  inNamespace,
  type VariationRange,
} from './experiments.ts'

// The helpers are not among GrowthBook's public exports.
const reference = '../../node_modules/@growthbook/growthbook/dist/esm/util.mjs'
const gb = (await import(reference)) as {
  getEqualWeights(n: number): number[]
  getBucketRanges(n: number, coverage: number | undefined, weights?: number[]): VariationRange[]
  chooseVariation(n: number, ranges: VariationRange[]): number
  inNamespace(hashValue: string, namespace: [string, number, number]): boolean
}

// GrowthBook reports invalid coverage and weights with console.error; the fuzzer makes many.
const silence = vi.spyOn(console, 'error')
beforeAll(() => {
  silence.mockImplementation(() => {})
})
afterAll(() => {
  silence.mockRestore()
})

const runs = { numRuns: 2500, seed: 20240601 }
const unit = fc.double({ min: 0, max: 1, noNaN: true })
const weights = (n: number) =>
  fc.oneof(
    // Valid: random shares normalized to 1.
    fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => {
      const total = w.reduce((a, b) => a + b, 0)
      return w.map((x) => x / total)
    }),
    fc.constant(undefined),
    // Invalid: not adding up to 1, or of the wrong length.
    fc.array(unit, { minLength: n, maxLength: n }),
    fc.array(unit, { minLength: 1, maxLength: 5 }),
  )
const coverage = fc.oneof(unit, fc.constantFrom(0, 0.5, 1), fc.double({ min: -1, max: 2, noNaN: true }))
// Mostly valid experiments, so that most visitors get through to the hashing.
const often = <T>(arb: fc.Arbitrary<T>, weight = 3) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight }, { arbitrary: arb, weight: 1 })

describe('helpers agree with GrowthBook', () => {
  it('getEqualWeights', () => {
    for (let n = -2; n <= 12; n++) expect(getEqualWeights(n)).toEqual(gb.getEqualWeights(n))
  })

  it('getBucketRanges', () => {
    const input = fc
      .integer({ min: 0, max: 6 })
      .chain((n) => fc.tuple(fc.constant(n), fc.option(coverage, { nil: undefined }), weights(n)))
    fc.assert(
      fc.property(input, ([n, c, w]) => {
        expect(getBucketRanges(n, c, w)).toEqual(gb.getBucketRanges(n, c, w))
      }),
      runs,
    )
  })

  it('chooseVariation, on and around range boundaries', () => {
    const input = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(coverage, weights(n), unit, fc.nat(5)))
    fc.assert(
      fc.property(input, ([c, w, x, pick]) => {
        const ranges = getBucketRanges(w?.length ?? 3, c, w)
        const bounds = ranges.flat()
        for (const n of [x, bounds[pick % bounds.length]!, 0, 1, 0.5])
          expect(chooseVariation(n, ranges)).toBe(gb.chooseVariation(n, ranges))
      }),
      runs,
    )
  })

  it('inNamespace', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), unit, unit, (id, name, a, b) => {
        const ns: [string, number, number] = [name, Math.min(a, b), Math.max(a, b)]
        expect(inNamespace(id, ns)).toBe(gb.inNamespace(id, ns))
      }),
      runs,
    )
  })
})

describe('assign agrees with GrowthBook run()', () => {
  const key = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/)
  const id = fc.oneof(
    { arbitrary: fc.uuid(), weight: 3 },
    { arbitrary: fc.nat().map((n) => `visitor-${n}`), weight: 3 },
    { arbitrary: fc.string(), weight: 1 },
  )
  const namespace = fc
    .tuple(fc.stringMatching(/^[a-z]{1,8}$/), unit, unit)
    .filter(([, a, b]) => a !== b)
    .map(([name, a, b]): [string, number, number] => [name, Math.min(a, b), Math.max(a, b)])
  const experiment = fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc.record({
      key,
      n: fc.constant(n),
      weights: weights(n),
      coverage: often(coverage),
      seed: fc.option(fc.oneof(fc.string(), key), { nil: undefined }),
      hashVersion: fc.constantFrom(1 as const, 2 as const),
      namespace: often(namespace),
      condition: often(fc.constant({ country: { $in: ['FR', 'DE'] } })),
      status: often(fc.constant('draft' as const), 5).map((s) => s ?? ('running' as const)),
    }),
  )
  const country = fc.constantFrom('FR', 'DE', 'US', undefined)

  it('same variation, membership, bucket and hash value (2,500 random experiments and visitors)', () => {
    let inside = 0
    fc.assert(
      fc.property(experiment, id, country, (e, visitor, c) => {
        const variations = Array.from({ length: e.n }, (_, i) => i) as [number, number, ...number[]]
        const theirs = new GrowthBook({ attributes: { id: visitor, country: c } }).run({
          key: e.key,
          variations,
          weights: e.weights,
          coverage: e.coverage,
          seed: e.seed,
          hashVersion: e.hashVersion,
          namespace: e.namespace,
          condition: e.condition,
          status: e.status,
          hashAttribute: 'id',
        } as GBExperiment<number>)
        const def = {
          key: e.key,
          status: e.status,
          seed: e.seed,
          hashVersion: e.hashVersion,
          coverage: e.coverage,
          namespace: e.namespace,
          condition: e.condition,
          variations: variations.map((i) => ({ key: `v${i}`, weight: e.weights?.[i] })),
        } as ExperimentDef
        // weightsOf reads per-variation weights; wrong-length lists must reach getBucketRanges as is.
        const ours = assign(
          e.weights && e.weights.length !== e.n
            ? { ...def, variations: def.variations.map((v) => ({ key: v.key })) }
            : def,
          { attributes: { anonymousId: visitor, country: c }, segments: [], consent: true },
        )
        expect(ours.variation).toBe(theirs.variationId)
        expect(ours.inExperiment).toBe(theirs.inExperiment)
        if (theirs.inExperiment) {
          inside++
          expect(ours.bucket).toBe(theirs.bucket)
          expect(ours.hashValue).toBe(theirs.hashValue)
          expect(ours.sticky).toEqual({ key: `${e.key}__0`, value: `v${theirs.variationId}` })
        }
      }),
      runs,
    )
    // The fuzzer must exercise both sides.
    expect(inside).toBeGreaterThan(runs.numRuns / 4)
    expect(inside).toBeLessThan(runs.numRuns * 0.9)
  })
})
