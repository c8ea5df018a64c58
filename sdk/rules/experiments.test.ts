import { describe, expect, it } from 'vitest'
import {
  type AssignContext,
  assign,
  chooseVariation,
  type ExperimentDef,
  getBucketRanges,
  getEqualWeights,
  getQAOverride,
  inNamespace,
  stickyKey,
  type VariationRange,
  weightsOf,
} from './experiments.ts'
import { hash } from './hash.ts'

// hash('hero', id, 2): visitor-1 0.0465, visitor-2 0.2102, visitor-3 0.5263, visitor-4 0.8297,
// user-3 0.7261; hash('hero', 'visitor-1', 1) 0.363; hash('__checkout', id, 1): visitor-1 0.497.
const exp = (over: Partial<ExperimentDef> = {}): ExperimentDef => ({
  key: 'hero',
  status: 'running',
  variations: [{ key: 'a' }, { key: 'b' }],
  ...over,
})
const ctx = (over: Partial<AssignContext> = {}): AssignContext => ({
  attributes: { anonymousId: 'visitor-1' },
  segments: [],
  consent: true,
  ...over,
})
const three = [{ key: 'a' }, { key: 'b' }, { key: 'c' }]

describe('hashing', () => {
  const rows: [string, Partial<ExperimentDef>, string, number, number][] = [
    ['seed defaults to the key, version 2', {}, 'visitor-1', 0.0465, 0],
    ['version 1', { hashVersion: 1 }, 'visitor-1', 0.363, 0],
    ['a seed other than the key', { seed: 'other-seed' }, 'visitor-1', 0.9158, 1],
    ['another visitor', {}, 'visitor-2', 0.2102, 0],
    ['upper half', {}, 'visitor-3', 0.5263, 1],
    ['three variations', { variations: three }, 'visitor-4', 0.8297, 2],
  ]
  it.each(rows)('%s', (_name, over, id, bucket, variation) => {
    const d = assign(exp(over), ctx({ attributes: { anonymousId: id } }))
    expect(d).toMatchObject({
      bucket,
      variation,
      reason: 'hash',
      inExperiment: true,
      log: true,
      hashValue: id,
    })
    expect(d.bucket).toBe(hash(over.seed ?? 'hero', id, over.hashVersion ?? 2))
  })
})

describe('getEqualWeights', () => {
  it.each([
    [0, []],
    [-1, []],
    [1, [1]],
    [2, [0.5, 0.5]],
    [4, [0.25, 0.25, 0.25, 0.25]],
  ])('%i', (n, expected) => expect(getEqualWeights(n)).toEqual(expected))
})

describe('getBucketRanges', () => {
  const t = 1 / 3
  // Expected ranges flattened: [start0, end0, start1, end1, ...].
  const rows: [string, number, number | undefined, number[] | undefined, number[]][] = [
    ['equal, 2', 2, 1, undefined, [0, 0.5, 0.5, 1]],
    ['equal, 3', 3, 1, undefined, [0, t, t, 2 * t, 2 * t, 1]],
    ['weighted', 2, 1, [0.2, 0.8], [0, 0.2, 0.2, 1]],
    ['weighted, 3', 3, 1, [0.5, 0.25, 0.25], [0, 0.5, 0.5, 0.75, 0.75, 1]],
    ['coverage 0', 2, 0, undefined, [0, 0, 0.5, 0.5]],
    ['coverage 0.5', 2, 0.5, undefined, [0, 0.25, 0.5, 0.75]],
    ['coverage 0.5, weighted', 2, 0.5, [0.2, 0.8], [0, 0.1, 0.2, 0.6]],
    ['coverage undefined is 1', 2, undefined, undefined, [0, 0.5, 0.5, 1]],
    ['coverage below 0 is 0', 2, -0.2, undefined, [0, 0, 0.5, 0.5]],
    ['coverage above 1 is 1', 2, 1.5, undefined, [0, 0.5, 0.5, 1]],
    ['weights of the wrong length: equal', 2, 1, [0.2, 0.3, 0.5], [0, 0.5, 0.5, 1]],
    ['weights adding up to 0.5: equal', 2, 1, [0.25, 0.25], [0, 0.5, 0.5, 1]],
    ['weights adding up to 1.02: equal', 2, 1, [0.52, 0.5], [0, 0.5, 0.5, 1]],
    ['weights within 0.01 of 1 are kept', 2, 1, [0.5, 0.505], [0, 0.5, 0.5, 1.005]],
    ['no variations', 0, 1, undefined, []],
  ]
  it.each(rows)('%s', (_name, n, coverage, weights, expected) => {
    const ranges = getBucketRanges(n, coverage, weights)
    expect(ranges.length).toBe(n)
    const flat = ranges.flat()
    for (let i = 0; i < flat.length; i++) expect(flat[i]).toBeCloseTo(expected[i]!, 12)
  })

  it('NaN coverage, as GrowthBook: every range is empty', () => {
    expect(chooseVariation(0.1, getBucketRanges(2, Number.NaN))).toBe(-1)
  })
})

describe('chooseVariation', () => {
  const half: VariationRange[] = [
    [0, 0.5],
    [0.5, 1],
  ]
  const gaps: VariationRange[] = [
    [0, 0.25],
    [0.5, 0.75],
  ]
  it.each([
    ['0 is in the first', 0, half, 0],
    ['just below a boundary', 0.4999, half, 0],
    ['a boundary starts the next range', 0.5, half, 1],
    ['just below 1', 0.9999, half, 1],
    ['1 is outside', 1, half, -1],
    ['negative is outside', -0.1, half, -1],
    ['in a coverage gap', 0.25, gaps, -1],
    ['after the last range', 0.8, gaps, -1],
    ['an empty range holds nothing', 0.5, [[0.5, 0.5]] as VariationRange[], -1],
    ['no ranges', 0.1, [] as VariationRange[], -1],
  ])('%s', (_name, n, ranges, expected) => expect(chooseVariation(n, ranges)).toBe(expected))
})

describe('namespaces', () => {
  it.each([
    ['start is inclusive', 0.497, 0.6, true],
    ['end is exclusive', 0.4, 0.497, false],
    ['inside', 0, 1, true],
    ['above', 0.5, 1, false],
    ['below', 0, 0.4, false],
  ])('%s', (_name, start, end, inside) => {
    expect(inNamespace('visitor-1', ['checkout', start, end])).toBe(inside)
    const d = assign(exp({ namespace: ['checkout', start, end] }), ctx())
    expect(d.reason).toBe(inside ? 'hash' : 'namespace')
    expect(d.inExperiment).toBe(inside)
  })

  it('keeps experiments with disjoint ranges apart', () => {
    const left = exp({ key: 'left', namespace: ['ns', 0, 0.5] })
    const right = exp({ key: 'right', namespace: ['ns', 0.5, 1] })
    let both = 0
    let either = 0
    for (let i = 0; i < 2000; i++) {
      const c = ctx({ attributes: { anonymousId: `v-${i}` } })
      const l = assign(left, c).inExperiment
      const r = assign(right, c).inExperiment
      if (l && r) both++
      if (l || r) either++
    }
    expect(both).toBe(0)
    expect(either).toBe(2000)
  })
})

describe('coverage', () => {
  it('coverage 0 excludes everyone', () => {
    const d = assign(exp({ coverage: 0 }), ctx())
    expect(d).toMatchObject({ inExperiment: false, variation: 0, key: 'a', reason: 'coverage', log: false })
    expect(d.bucket).toBe(0.0465)
    expect(d.sticky).toBeUndefined()
  })

  it('excludes visitors whose hash falls in a gap', () => {
    // Ranges [0, 0.25) and [0.5, 0.75): 0.2102 in, 0.5263 in, 0.8297 out.
    const run = (id: string) => assign(exp({ coverage: 0.5 }), ctx({ attributes: { anonymousId: id } }))
    expect(run('visitor-2')).toMatchObject({ reason: 'hash', variation: 0 })
    expect(run('visitor-3')).toMatchObject({ reason: 'hash', variation: 1 })
    expect(run('visitor-4')).toMatchObject({ reason: 'coverage', variation: 0, inExperiment: false })
  })

  it.each([[[0.5, 0.5]], [[0.2, 0.8]]])(
    'splits visitors by the weights %j (the e2e checks exposures, this the split)',
    (weights) => {
      const counts = [0, 0]
      const variations = weights.map((weight, i) => ({ key: `v${i}`, weight }))
      for (let i = 0; i < 10_000; i++)
        counts[assign(exp({ variations }), ctx({ attributes: { anonymousId: `s-${i}` } })).variation]!++
      weights.forEach((w, i) => {
        expect(Math.abs(counts[i]! / 10_000 - w)).toBeLessThan(0.02)
      })
    },
  )

  it('takes about its share of visitors', () => {
    let inside = 0
    for (let i = 0; i < 10_000; i++)
      if (assign(exp({ coverage: 0.3 }), ctx({ attributes: { anonymousId: `c-${i}` } })).inExperiment)
        inside++
    expect(Math.abs(inside / 10_000 - 0.3)).toBeLessThan(0.02)
  })
})

describe('getQAOverride', () => {
  const keys = ['a', 'b', 'c']
  it.each([
    ['one experiment', '?precis_exp=hero:b', 1],
    ['without the question mark', 'precis_exp=hero:c', 2],
    ['the control', '?precis_exp=hero:a', 0],
    ['several in one parameter', '?precis_exp=other:x,hero:c', 2],
    ['repeated parameters', '?precis_exp=other:x&precis_exp=hero:b', 1],
    ['among other parameters', '?utm_source=x&precis_exp=hero:b&page=2', 1],
    ['URL-encoded', '?precis_exp=hero%3Ab%2Cother%3Ax', 1],
    ['spaces around', '?precis_exp=%20hero%20:%20b%20', 1],
    ['first known variant wins', '?precis_exp=hero:zzz,hero:c,hero:b', 2],
    ['unknown variant', '?precis_exp=hero:zzz', null],
    ['another experiment only', '?precis_exp=other:b', null],
    ['no parameter', '?utm_source=x', null],
    ['empty', '', null],
    ['no colon', '?precis_exp=hero', null],
    ['two colons', '?precis_exp=hero:b:c', null],
    ['empty variant', '?precis_exp=hero:', null],
    ["GrowthBook's format is not ours", '?hero=1', null],
    ['other parameter name', '?precis_exps=hero:b', null],
    ['malformed percent-encoding', '?precis_exp=%E0%A4%A&precis_exp=hero:b', 1],
    ['case matters', '?precis_exp=HERO:b', null],
  ])('%s', (_name, search, expected) => expect(getQAOverride('hero', search, keys)).toBe(expected))

  it('forces a variation in assign, never logged nor stored', () => {
    const d = assign(exp(), ctx({ search: '?precis_exp=hero:b' }))
    expect(d).toEqual({
      inExperiment: true,
      variation: 1,
      key: 'b',
      hashValue: 'visitor-1',
      reason: 'qa',
      log: false,
    })
  })

  it.each([
    ['without consent', exp(), { consent: false }],
    ['for a draft', exp({ status: 'draft' }), {}],
    ['for a stopped experiment', exp({ status: 'stopped' }), {}],
    ['over a sticky assignment', exp(), { sticky: { hero__0: 'a' } }],
    ['outside the coverage', exp({ coverage: 0 }), {}],
    ['without any id', exp(), { attributes: {} }],
  ] as [string, ExperimentDef, Partial<AssignContext>][])('applies %s', (_name, e, over) => {
    expect(assign(e, ctx({ search: '?precis_exp=hero:b', ...over }))).toMatchObject({
      variation: 1,
      reason: 'qa',
      log: false,
    })
  })
})

describe('consent and status', () => {
  it('shows the control without consent, logs and stores nothing', () => {
    const d = assign(exp(), ctx({ consent: false, attributes: { anonymousId: 'visitor-3' } }))
    expect(d).toEqual({
      inExperiment: false,
      variation: 0,
      key: 'a',
      hashValue: 'visitor-3',
      reason: 'no-consent',
      log: false,
    })
  })

  it('ignores a sticky assignment without consent', () => {
    expect(assign(exp(), ctx({ consent: false, sticky: { hero__0: 'b' } }))).toMatchObject({
      variation: 0,
      reason: 'no-consent',
    })
  })

  it('a stopped experiment with a rollout shows its winner to everyone with consent, logs and stores nothing', () => {
    const rolledOut = exp({ status: 'stopped', rollout: 'b' })
    // visitor-1 hashes to a, visitor-3 to b, and a sticky a: all see b.
    for (const c of [
      ctx(),
      ctx({ attributes: { anonymousId: 'visitor-3' } }),
      ctx({ sticky: { hero__0: 'a' } }),
    ])
      expect(assign(rolledOut, c)).toEqual({
        inExperiment: false,
        variation: 1,
        key: 'b',
        hashValue: c.attributes.anonymousId,
        reason: 'rollout',
        log: false,
      })
    expect(assign(rolledOut, ctx({ consent: false }))).toMatchObject({ variation: 0, reason: 'no-consent' })
    expect(assign(rolledOut, ctx({ search: '?precis_exp=hero:a' }))).toMatchObject({
      variation: 0,
      reason: 'qa',
    })
    // Only a stopped experiment rolls out (the schema refuses the rest).
    for (const status of ['draft', 'archived'] as const)
      expect(assign(exp({ status, rollout: 'b' }), ctx()).reason).toBe('not-running')
  })

  it.each([['draft'], ['stopped'], ['archived'], [undefined]] as const)('status %s: control', (status) => {
    const d = assign(exp({ status }), ctx({ attributes: { anonymousId: 'visitor-3' } }))
    expect(d).toMatchObject({
      inExperiment: false,
      variation: 0,
      key: 'a',
      reason: 'not-running',
      log: false,
    })
    expect(assign(exp({ status }), ctx({ sticky: { hero__0: 'b' } })).reason).toBe('not-running')
  })
})

describe('sticky assignments', () => {
  it('returns a new assignment to store', () => {
    expect(assign(exp(), ctx({ attributes: { anonymousId: 'visitor-3' } })).sticky).toEqual({
      key: 'hero__0',
      value: 'b',
    })
    expect(stickyKey(exp({ bucketVersion: 3 }))).toBe('hero__3')
    expect(stickyKey({ key: 'x' })).toBe('x__0')
  })

  it('wins over the hash, the condition, the segment, the namespace and the coverage', () => {
    const strict = exp({
      condition: { country: 'FR' },
      segment: 'buyers',
      namespace: ['checkout', 0, 0.1],
      coverage: 0,
    })
    const d = assign(strict, ctx({ sticky: { hero__0: 'b' } }))
    expect(d).toEqual({
      inExperiment: true,
      variation: 1,
      key: 'b',
      hashValue: 'visitor-1',
      reason: 'sticky',
      log: true,
    })
  })

  it('is ignored after a bucketVersion bump: the visitor is re-randomized', () => {
    const sticky = { hero__0: 'b' }
    expect(assign(exp(), ctx({ sticky }))).toMatchObject({ variation: 1, reason: 'sticky' })
    const bumped = assign(exp({ bucketVersion: 1 }), ctx({ sticky }))
    expect(bumped).toMatchObject({ variation: 0, reason: 'hash', sticky: { key: 'hero__1', value: 'a' } })
  })

  it('is ignored when its variation no longer exists', () => {
    expect(assign(exp(), ctx({ sticky: { hero__0: 'gone' } }))).toMatchObject({
      variation: 0,
      reason: 'hash',
    })
  })

  it('keeps the anonymous assignment after login with a userId hash attribute', () => {
    const e = exp({ hashAttribute: 'userId' })
    const before = assign(e, ctx({ attributes: { anonymousId: 'visitor-1' } }))
    expect(before).toMatchObject({ variation: 0, reason: 'hash', hashValue: 'visitor-1' })
    const sticky = { [before.sticky!.key]: before.sticky!.value }
    const attributes = { anonymousId: 'visitor-1', userId: 'user-3' }
    expect(assign(e, ctx({ attributes, sticky }))).toMatchObject({ variation: 0, reason: 'sticky' })
    // Without the stored assignment, the userId decides (user-3: 0.7261, variation b).
    expect(assign(e, ctx({ attributes }))).toMatchObject({
      variation: 1,
      reason: 'hash',
      hashValue: 'user-3',
    })
  })
})

describe('hash attribute', () => {
  it('falls back from userId to anonymousId', () => {
    const d = assign(exp({ hashAttribute: 'userId' }), ctx({ attributes: { anonymousId: 'visitor-3' } }))
    expect(d).toMatchObject({ hashValue: 'visitor-3', variation: 1, reason: 'hash' })
  })

  it('uses anonymousId by default, even when logged in', () => {
    const d = assign(exp(), ctx({ attributes: { anonymousId: 'visitor-3', userId: 'user-1' } }))
    expect(d.hashValue).toBe('visitor-3')
  })

  it.each([
    ['no ids', {}],
    ['empty ids', { anonymousId: '', userId: '' }],
  ])('%s: control, not in the experiment', (_name, attributes) => {
    for (const hashAttribute of ['anonymousId', 'userId'] as const)
      expect(assign(exp({ hashAttribute }), ctx({ attributes }))).toEqual({
        inExperiment: false,
        variation: 0,
        key: 'a',
        hashValue: '',
        reason: 'no-hash-value',
        log: false,
      })
  })
})

describe('eligibility', () => {
  const e = exp({ condition: { country: { $in: ['FR', 'DE'] } } })
  it('excludes visitors failing the condition', () => {
    const fr = ctx({ attributes: { anonymousId: 'visitor-3', country: 'FR' } })
    const us = ctx({ attributes: { anonymousId: 'visitor-3', country: 'US' } })
    expect(assign(e, fr)).toMatchObject({ inExperiment: true, variation: 1, reason: 'hash' })
    expect(assign(e, us)).toMatchObject({ inExperiment: false, variation: 0, reason: 'excluded-condition' })
  })

  it('resolves saved groups', () => {
    const grouped = exp({ condition: { anonymousId: { $inGroup: 'beta' } } })
    expect(assign(grouped, ctx({ savedGroups: { beta: ['visitor-1'] } })).reason).toBe('hash')
    expect(assign(grouped, ctx({ savedGroups: { beta: ['visitor-2'] } })).reason).toBe('excluded-condition')
  })

  it('excludes visitors outside the segment', () => {
    const s = exp({ segment: 'buyers' })
    expect(assign(s, ctx({ segments: ['readers', 'buyers'] })).reason).toBe('hash')
    expect(assign(s, ctx({ segments: ['readers'] }))).toMatchObject({
      inExperiment: false,
      reason: 'excluded-segment',
      log: false,
    })
  })

  it('checks the condition, then the segment, then the namespace', () => {
    const all = exp({ condition: { country: 'FR' }, segment: 'buyers', namespace: ['checkout', 0, 0.1] })
    expect(assign(all, ctx()).reason).toBe('excluded-condition')
    const fr = { anonymousId: 'visitor-1', country: 'FR' }
    expect(assign(all, ctx({ attributes: fr })).reason).toBe('excluded-segment')
    expect(assign(all, ctx({ attributes: fr, segments: ['buyers'] })).reason).toBe('namespace')
  })
})

describe('weights', () => {
  it('weightsOf: configured, or equal', () => {
    expect(
      weightsOf({
        variations: [
          { key: 'a', weight: 0.2 },
          { key: 'b', weight: 0.8 },
        ],
      }),
    ).toEqual([0.2, 0.8])
    expect(weightsOf({ variations: three })).toEqual(getEqualWeights(3))
    expect(weightsOf({ variations: [{ key: 'a', weight: 1 }, { key: 'b' }] })).toEqual([0.5, 0.5])
  })

  it('splits 10,000 visitors 20/80 within 2 points', () => {
    const e = exp({
      variations: [
        { key: 'a', weight: 0.2 },
        { key: 'b', weight: 0.8 },
      ],
    })
    const counts = [0, 0]
    for (let i = 0; i < 10_000; i++)
      counts[assign(e, ctx({ attributes: { anonymousId: `id-${i}` } })).variation]!++
    expect(Math.abs(counts[0]! / 10_000 - 0.2)).toBeLessThan(0.02)
    expect(Math.abs(counts[1]! / 10_000 - 0.8)).toBeLessThan(0.02)
  })

  it('is deterministic and does not mutate its inputs', () => {
    const e = exp({ condition: { country: 'FR' }, namespace: ['checkout', 0, 1] })
    const c = ctx({ attributes: { anonymousId: 'visitor-3', country: 'FR' }, sticky: { other__0: 'x' } })
    const before = JSON.stringify([e, c])
    expect(assign(e, c)).toEqual(assign(e, c))
    expect(JSON.stringify([e, c])).toBe(before)
  })
})
