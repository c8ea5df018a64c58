import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type FunnelEvent, type FunnelOptions, funnel } from './funnel.ts'

const S = 1000
const MIN = 60 * S
const DAY = 24 * 60 * MIN

/** Events from `[seconds, ...steps]`: `[0, 0]` is step 0 at second 0, `[5]` an event of no step. */
const events = (...list: [number, ...number[]][]): FunnelEvent[] =>
  list.map(([at, ...matches]) => ({ at: at * S, matches }))

/** How many of three steps one person reaches. */
const reach = (list: FunnelEvent[], options: Partial<FunnelOptions> = {}) =>
  funnel([{ events: list }], { steps: 3, ...options }).steps.filter((s) => s.people === 1).length

// [name, events, order, steps reached]
const cases: [string, FunnelEvent[], 'any' | 'strict', number][] = [
  ['all steps in order', events([0, 0], [1, 1], [2, 2]), 'any', 3],
  ['all steps in order, strict', events([0, 0], [1, 1], [2, 2]), 'strict', 3],
  ['no step 0: nothing', events([0, 1], [1, 2]), 'any', 0],
  ['steps out of order stop at step 1', events([0, 0], [1, 2], [2, 1]), 'any', 2],
  ['another step in between is allowed in any order', events([0, 0], [1, 2], [2, 1], [3, 2]), 'any', 3],
  ['another step in between breaks a strict attempt', events([0, 0], [1, 2], [2, 1], [3, 2]), 'strict', 1],
  [
    'a repeat of the step just reached is fine in any order',
    events([0, 0], [1, 1], [2, 1], [3, 2]),
    'any',
    3,
  ],
  [
    'a repeat of the step just reached breaks a strict attempt',
    events([0, 0], [1, 1], [2, 1], [3, 2]),
    'strict',
    2,
  ],
  [
    'an event of no step does not break a strict attempt',
    events([0, 0], [1], [2, 1], [3], [4, 2]),
    'strict',
    3,
  ],
  ['a new step 0 restarts a strict attempt', events([0, 0], [1, 2], [2, 0], [3, 1], [4, 2]), 'strict', 3],
  ['one event advances one step only', events([0, 0, 1, 2]), 'any', 1],
  ['one event advances one step only, strict', events([0, 0, 1, 2]), 'strict', 1],
  [
    'events matching several steps, one step each',
    events([0, 0, 1, 2], [1, 0, 1, 2], [2, 0, 1, 2]),
    'any',
    3,
  ],
  ['events matching several steps, strict', events([0, 0, 1, 2], [1, 0, 1, 2], [2, 0, 1, 2]), 'strict', 3],
  ['a later step at the same instant as the previous one counts', events([0, 0], [0, 1], [0, 2]), 'any', 3],
]

describe('funnel: which steps one person reaches', () => {
  it.each(cases)('%s', (_name, list, order, expected) => {
    expect(reach(list, { order })).toBe(expected)
  })

  it('defaults to any order', () => {
    expect(reach(events([0, 0], [1, 2], [2, 1], [3, 2]))).toBe(3)
  })

  it('counts a step reached exactly at the end of the window, not one ms later', () => {
    const window = 10 * MIN
    expect(reach([...events([0, 0], [1, 1]), { at: window, matches: [2] }], { window })).toBe(3)
    expect(reach([...events([0, 0], [1, 1]), { at: window + 1, matches: [2] }], { window })).toBe(2)
  })

  it('has a window of 14 days by default', () => {
    expect(
      reach([
        { at: 0, matches: [0] },
        { at: 14 * DAY, matches: [1] },
      ]),
    ).toBe(2)
    expect(
      reach([
        { at: 0, matches: [0] },
        { at: 14 * DAY + 1, matches: [1] },
      ]),
    ).toBe(1)
  })

  it('tries every step 0: a later start can convert where an old one ran out of window', () => {
    const list = events([0, 0], [100, 1], [700, 0], [800, 1], [900, 2])
    expect(reach(list, { window: 10 * MIN })).toBe(3)
  })

  it('keeps the attempt that gets furthest, not the first', () => {
    // The first attempt reaches step 1 only (its step 2 is out of window), the second all three.
    const list = events([0, 0], [10, 1], [500, 0], [550, 1], [650, 2])
    const { steps } = funnel([{ events: list }], { steps: 3, window: 5 * MIN })
    expect(steps.map((s) => s.people)).toEqual([1, 1, 1])
    expect(steps.map((s) => s.medianSeconds)).toEqual([null, 50, 100])
  })

  it('times a step from the latest step 0 before it', () => {
    const { steps } = funnel([{ events: events([0, 0], [60, 0], [90, 1]) }], { steps: 2 })
    expect(steps[1]!.medianSeconds).toBe(30)
  })

  it('takes the times of the attempt that reaches the furthest step first', () => {
    const list = events([0, 0], [10, 1], [100, 0], [200, 1])
    const { steps } = funnel([{ events: list }], { steps: 2 })
    expect(steps[1]!.medianSeconds).toBe(10)
  })
})

describe('funnel: the report', () => {
  const people = [
    { events: events([0, 0], [10, 1], [40, 2]), group: 'Email' },
    { events: events([0, 0], [20, 1], [80, 2]), group: 'Email' },
    { events: events([0, 0], [30, 1]), group: 'Social' },
    { events: events([0, 0]), group: 'Social' },
    { events: events([0, 0], [5, 0], [9, 1], [12, 2], [20, 0], [25, 1], [30, 2]), group: 'Social' },
    { events: events([0, 1], [1, 2]) },
    { events: [] },
  ]

  it('counts each person once at the furthest step, with rates, drop-off and median times', () => {
    expect(funnel(people, { steps: 3 }).steps).toEqual([
      { people: 5, fromPrevious: null, fromFirst: 1, dropOff: 0, medianSeconds: null },
      { people: 4, fromPrevious: 4 / 5, fromFirst: 4 / 5, dropOff: 1, medianSeconds: 15 },
      { people: 3, fromPrevious: 3 / 4, fromFirst: 3 / 5, dropOff: 1, medianSeconds: 30 },
    ])
  })

  it('breaks down by group, most people first; people without a group only count overall', () => {
    const { groups } = funnel(people, { steps: 3 })
    expect(groups.map((g) => [g.group, g.steps.map((s) => s.people)])).toEqual([
      ['Social', [3, 2, 1]],
      ['Email', [2, 2, 2]],
    ])
    expect(groups[1]!.steps.map((s) => s.medianSeconds)).toEqual([null, 15, 45])
  })

  it('has no groups when nobody has one', () => {
    expect(funnel([{ events: events([0, 0]) }], { steps: 2 }).groups).toEqual([])
  })

  it('answers nulls, not NaN, when nobody starts', () => {
    expect(funnel([], { steps: 2 }).steps).toEqual([
      { people: 0, fromPrevious: null, fromFirst: null, dropOff: 0, medianSeconds: null },
      { people: 0, fromPrevious: null, fromFirst: null, dropOff: 0, medianSeconds: null },
    ])
  })

  it('has a one-step funnel', () => {
    const once = [{ events: events([0, 0], [9, 0]) }, { events: events([3, 0]) }, { events: events([1]) }]
    expect(funnel(once, { steps: 1 }).steps).toEqual([
      { people: 2, fromPrevious: null, fromFirst: 1, dropOff: 0, medianSeconds: null },
    ])
  })

  it('refuses unsorted events, unknown steps and bad options', () => {
    expect(() => funnel([{ events: events([5, 0], [1, 1]) }], { steps: 2 })).toThrow(RangeError)
    expect(() => funnel([{ events: events([0, 2]) }], { steps: 2 })).toThrow(RangeError)
    expect(() => funnel([], { steps: 0 })).toThrow(RangeError)
    expect(() => funnel([], { steps: 2, window: -1 })).toThrow(RangeError)
  })
})

/** The definitions read literally: follow every step 0 on its own, as far as it goes. */
const naiveReach = (list: FunnelEvent[], steps: number, window: number, strict: boolean) => {
  let furthest = 0
  list.forEach((start, i) => {
    if (!start.matches.includes(0)) return
    let level = 0
    for (const e of list.slice(i + 1)) {
      if (level === steps - 1 || e.at - start.at > window) break
      if (e.matches.includes(level + 1)) level++
      else if (strict && e.matches.length > 0) break
    }
    furthest = Math.max(furthest, level + 1)
  })
  return furthest
}

describe('funnel: property', () => {
  it('reaches as far as following every step 0 on its own', () => {
    const event = fc.record({
      at: fc.integer({ min: 0, max: 50 }),
      matches: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    })
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 14 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        (raw, window, strict) => {
          const list = [...raw].sort((a, b) => a.at - b.at)
          const options = { steps: 4, window, order: strict ? ('strict' as const) : ('any' as const) }
          const got = funnel([{ events: list }], options).steps.filter((s) => s.people === 1).length
          expect(got).toBe(naiveReach(list, 4, window, strict))
        },
      ),
      { numRuns: 2000 },
    )
  })
})
