// Differential test: conditions.ts must answer exactly as GrowthBook's own evalCondition, on every
// row of the spec table and on random attributes and conditions. Where GrowthBook throws we return
// false instead (conditions.ts never throws); that is the only difference allowed, plus the regex
// cache bug pinned below.
import {
  type ConditionInterface,
  evalCondition as growthbook,
  type SavedGroupsPayload,
} from '@growthbook/growthbook'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CASES, GROWTHBOOK_THROWS } from './conditions.cases.ts'
import { type Condition, evalCondition, type SavedGroups } from './conditions.ts'

const THROWS = 'throws'
const theirs = (attributes: Record<string, unknown>, condition: Condition, savedGroups?: SavedGroups) => {
  try {
    return growthbook(attributes, condition as ConditionInterface, savedGroups as SavedGroupsPayload)
  } catch {
    return THROWS
  }
}

// GrowthBook logs every unknown operator with console.error; the fuzzer makes thousands.
const silence = vi.spyOn(console, 'error')
beforeAll(() => {
  silence.mockImplementation(() => {})
})
afterAll(() => {
  silence.mockRestore()
})

describe('agrees with GrowthBook on the spec table', () => {
  it.each(CASES)('%s', (description, condition, attributes, expected, savedGroups) => {
    const ours = evalCondition(attributes, condition, savedGroups)
    if (GROWTHBOOK_THROWS.has(description)) {
      expect(theirs(attributes, condition, savedGroups)).toBe(THROWS)
      expect(ours).toBe(false)
    } else {
      expect(theirs(attributes, condition, savedGroups)).toBe(expected)
      expect(ours).toBe(expected)
    }
  })
})

describe('GrowthBook regex cache bug (deliberately not reproduced)', () => {
  // GrowthBook caches compiled patterns under `${pattern}` or `${pattern}/i`: a non-string pattern
  // fails (pattern.replace throws) until a string pattern with the same text has been seen.
  it('a non-string pattern reuses an earlier string one', () => {
    expect(growthbook({ s: '777' }, { s: { $regex: 777 } } as ConditionInterface)).toBe(false)
    expect(growthbook({ s: '777' }, { s: { $regex: '777' } })).toBe(true)
    expect(growthbook({ s: '777' }, { s: { $regex: 777 } } as ConditionInterface)).toBe(true)
    expect(evalCondition({ s: '777' }, { s: { $regex: 777 } })).toBe(false)
  })

  // ...and `$regex: 'q1/i'` shares its key with `$regexi: 'q1'`, whichever comes first wins.
  it('a pattern ending in /i and a case-insensitive one share a cache entry', () => {
    expect(growthbook({ s: 'Q1' }, { s: { $regexi: 'q1' } })).toBe(true)
    expect(growthbook({ s: 'Q1' }, { s: { $regex: 'q1/i' } })).toBe(true)
    expect(evalCondition({ s: 'Q1' }, { s: { $regex: 'q1/i' } })).toBe(false)
    expect(growthbook({ s: 'q2/i' }, { s: { $regex: 'q2/i' } })).toBe(true)
    expect(growthbook({ s: 'Q2' }, { s: { $regexi: 'q2' } })).toBe(false)
    expect(evalCondition({ s: 'Q2' }, { s: { $regexi: 'q2' } })).toBe(true)
  })
})

// Random inputs over a small vocabulary, so keys collide and values are often close to each other.
// Regex patterns are strings not ending in /i (see the cache bug above).
const SCALARS = ['a', 'A', 'b', 'ab', 'a,b', '1', '10', '9', '', 'null', 'true', 0, 1, 9, 10, -1, 1.5]
const VERSIONS = ['1.0.0', '1.0.0-beta', '1.0.0-beta.2', 'v1.2.3', '1.10.0', '1.9.0', '2.0.0+build', '1.2', 2]
const PATTERNS = ['^a', 'a$', 'A', '^1', '^null$', 'b|1', '(', '[', '^v?1\\.', 'a/b', '.*', '^$', ',']
const TYPES = ['string', 'number', 'boolean', 'array', 'object', 'null', 'undefined', 'unknown']
const GROUP_IDS = ['g1', 'g2', 'g3', 'loop', 'bad', 'missing']
const PATHS = ['a', 'b', 'a.b', 'a.c', 'tags', 'tags.0', 'tags.length', 'v', 'n', '$x']
const GROUPS = {
  g1: ['a', 1, 'A'],
  g2: { type: 'list', attributeKey: 'a', values: ['a', 'b', 1] },
  g3: { type: 'condition', condition: { a: { $exists: true } } },
  loop: { type: 'condition', condition: { $or: [{ b: 1 }, { $savedGroup: { id: 'loop' } }] } },
  bad: { type: 'list', values: null },
} as unknown as SavedGroups

const scalar = fc.constantFrom<unknown>(...SCALARS, ...VERSIONS, true, false, null)

const attrValue: fc.Memo<unknown> = fc.memo(
  (n): fc.Arbitrary<unknown> =>
    n <= 1
      ? scalar
      : fc.oneof(
          { weight: 4, arbitrary: scalar },
          fc.array(attrValue(n - 1), { maxLength: 3 }),
          fc.dictionary(fc.constantFrom('a', 'b', 'c', '0'), attrValue(n - 1), { maxKeys: 3 }),
        ),
)
const attributes = fc.dictionary(fc.constantFrom('a', 'b', 'tags', 'v', 'n', '$x'), attrValue(3), {
  maxKeys: 5,
})

const entries = <T>(arb: fc.Arbitrary<[string, T]>, min: number) =>
  fc.array(arb, { minLength: min, maxLength: 3 }).map((e) => Object.fromEntries(e) as Condition)

const opObject: fc.Memo<Condition> = fc.memo((n): fc.Arbitrary<Condition> => {
  const deeper = n > 1
  const op: fc.Arbitrary<[string, unknown]> = fc.oneof(
    fc.tuple(fc.constantFrom('$eq', '$ne', '$lt', '$lte', '$gt', '$gte'), scalar),
    fc.tuple(
      fc.constantFrom('$in', '$nin', '$ini', '$nini'),
      fc.oneof(fc.array(scalar, { maxLength: 3 }), scalar),
    ),
    fc.tuple(
      fc.constantFrom('$all', '$alli'),
      fc.oneof(fc.array(deeper ? conditionValue(n - 1) : scalar, { maxLength: 3 }), scalar),
    ),
    fc.tuple(fc.constant('$elemMatch'), deeper ? fc.oneof(condition(n - 1), opObject(n - 1)) : scalar),
    fc.tuple(fc.constant('$size'), deeper ? fc.oneof(fc.nat(3), opObject(n - 1)) : fc.nat(3)),
    fc.tuple(fc.constant('$not'), deeper ? conditionValue(n - 1) : scalar),
    fc.tuple(fc.constant('$exists'), fc.constantFrom<unknown>(true, false, 1, 0, null)),
    fc.tuple(fc.constant('$type'), fc.constantFrom(...TYPES)),
    fc.tuple(fc.constantFrom('$regex', '$regexi'), fc.constantFrom(...PATTERNS)),
    fc.tuple(fc.constantFrom('$veq', '$vne', '$vgt', '$vgte', '$vlt', '$vlte'), fc.constantFrom(...VERSIONS)),
    fc.tuple(fc.constantFrom('$inGroup', '$notInGroup'), fc.constantFrom(...GROUP_IDS)),
    fc.tuple(fc.constantFrom('$foo', '$mod'), scalar),
  )
  return entries<unknown>(op, 1)
})

const conditionValue: fc.Memo<unknown> = fc.memo(
  (n): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 3, arbitrary: scalar },
      { weight: 4, arbitrary: opObject(n) },
      fc.array(scalar, { maxLength: 2 }),
      fc.dictionary(fc.constantFrom('a', 'b', '$gt'), scalar, { maxKeys: 2 }),
    ),
)

const condition: fc.Memo<Condition> = fc.memo((n): fc.Arbitrary<Condition> => {
  const deeper = n > 1
  const key: fc.Arbitrary<[string, unknown]> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...PATHS), conditionValue(n)) },
    fc.tuple(
      fc.constantFrom('$and', '$or', '$nor'),
      fc.array(deeper ? condition(n - 1) : scalar, { maxLength: 3 }),
    ),
    fc.tuple(fc.constant('$not'), deeper ? condition(n - 1) : fc.constant({})),
    fc.tuple(
      fc.constant('$savedGroup'),
      fc.record({ id: fc.constantFrom(...GROUP_IDS), attributeKey: fc.constantFrom(undefined, 'b') }),
    ),
  )
  // Now and then a malformed condition where GrowthBook throws (null where a condition belongs).
  return fc.oneof(
    { weight: 30, arbitrary: entries<unknown>(key, 0) },
    fc.constant(null as unknown as Condition),
  )
})

describe('agrees with GrowthBook on random inputs', () => {
  it('for 2,000 random attribute and condition pairs', () => {
    const seen = { true: 0, false: 0, throws: 0 }
    fc.assert(
      fc.property(attributes, condition(3), (attrs, cond) => {
        const expected = theirs(attrs, cond, GROUPS)
        seen[`${expected}`]++
        expect(evalCondition(attrs, cond, GROUPS)).toBe(expected === THROWS ? false : expected)
      }),
      { numRuns: 2000 },
    )
    // The vocabulary is small enough that both answers are common, so the comparison means something.
    expect(seen.true).toBeGreaterThan(200)
    expect(seen.false).toBeGreaterThan(200)
  })
})
