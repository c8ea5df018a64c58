import { describe, expect, it } from 'vitest'
import { type RetentionPerson, retention } from './retention.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
// Integer days since the epoch: DST-free, as the caller's zone-aware periodOf would be.
const periodOf = (at: number) => Math.floor(at / DAY)
/** An instant on day `d` at `h` o'clock. */
const on = (d: number, h = 12) => d * DAY + h * HOUR

/** A person who arrived at `first` and came back at `back`, the first visit among the returns. */
const person = (first: number, ...back: number[]): RetentionPerson => ({
  firstAt: first,
  returnAts: [first, ...back],
})

describe('retention', () => {
  // The report covers days 10..13 and is read on day 13 at noon: day 13 is still running.
  const options = { periodOf, start: on(10, 0), end: on(13), periods: 2 }
  const people = [
    person(on(10), on(11), on(11, 18), on(11, 20)), // back on day 11 three times: counted once
    person(on(10, 3), on(12)),
    person(on(10, 23)),
    person(on(11), on(12, 1)),
    person(on(13, 1), on(13, 5)), // day 13: its period 0 is not complete
  ]

  it('builds the triangle; periods not yet complete are absent, not zero', () => {
    expect(retention(people, options).cohorts).toEqual([
      {
        cohort: 10,
        people: 3,
        periods: [
          { period: 0, people: 3, rate: 1 },
          { period: 1, people: 1, rate: 1 / 3 },
          { period: 2, people: 1, rate: 1 / 3 },
        ],
      },
      {
        cohort: 11,
        people: 1,
        periods: [
          { period: 0, people: 1, rate: 1 },
          { period: 1, people: 1, rate: 1 },
        ],
      },
      { cohort: 12, people: 0, periods: [{ period: 0, people: 0, rate: null }] },
      { cohort: 13, people: 1, periods: [] },
    ])
  })

  it('averages the curve over the cohorts where each period is complete, weighted by size', () => {
    expect(retention(people, options).curve).toEqual([
      { period: 0, people: 4, of: 4, rate: 1 },
      { period: 1, people: 2, of: 4, rate: 2 / 4 },
      { period: 2, people: 1, of: 3, rate: 1 / 3 },
    ])
  })

  it('completes the last day when the end is its midnight', () => {
    const { cohorts, curve } = retention(people, { ...options, end: on(14, 0) })
    expect(cohorts.map((c) => c.periods.length)).toEqual([3, 3, 2, 1])
    expect(curve[0]).toEqual({ period: 0, people: 5, of: 5, rate: 1 })
  })

  it('measures period 0 by the chosen event only when the first visit is not among the returns', () => {
    const buyers = [
      { firstAt: on(10, 9), returnAts: [on(10, 10)] },
      { firstAt: on(10, 9), returnAts: [on(11)] },
    ]
    const { cohorts } = retention(buyers, options)
    expect(cohorts[0]!.periods.map((p) => p.people)).toEqual([1, 1, 0])
  })

  it('ignores returns before the first visit and beyond the periods followed', () => {
    const odd = [{ firstAt: on(10), returnAts: [on(9), on(10, 6), on(12, 20), on(40)] }]
    const { cohorts } = retention(odd, { ...options, end: on(50), periods: 1 })
    expect(cohorts[0]!.periods.map((p) => p.people)).toEqual([0, 0])
  })

  it('leaves out people who arrived outside the report', () => {
    const { cohorts } = retention([person(on(9)), person(on(13, 20)), person(on(12))], options)
    expect(cohorts.map((c) => c.people)).toEqual([0, 0, 1, 0])
  })

  it('lists empty cohorts with null rates and a curve without NaN', () => {
    const { cohorts, curve } = retention([], { ...options, end: on(12, 0) })
    expect(cohorts).toEqual([
      {
        cohort: 10,
        people: 0,
        periods: [
          { period: 0, people: 0, rate: null },
          { period: 1, people: 0, rate: null },
        ],
      },
      { cohort: 11, people: 0, periods: [{ period: 0, people: 0, rate: null }] },
    ])
    expect(curve).toEqual([
      { period: 0, people: 0, of: 0, rate: null },
      { period: 1, people: 0, of: 0, rate: null },
    ])
  })

  it('counts weeks as well as days: the periods are the caller’s', () => {
    // Weeks from Monday: day 4 (1970-01-05) was a Monday, so week 1 is days 11..17.
    const week = (at: number) => Math.floor((at - 4 * DAY) / (7 * DAY))
    const weekly = [person(on(11), on(17), on(19)), person(on(12))]
    // Days 11..31, read at the end of day 31: weeks 1..3, all complete.
    const { cohorts } = retention(weekly, { periodOf: week, start: on(11, 0), end: on(32, 0), periods: 2 })
    expect(cohorts.map((c) => [c.cohort, c.people, c.periods.map((p) => p.people)])).toEqual([
      [1, 2, [2, 1, 0]],
      [2, 0, [0, 0]],
      [3, 0, [0]],
    ])
  })

  it('has nothing to report for an empty range, and refuses bad options', () => {
    expect(retention(people, { ...options, end: options.start })).toEqual({ cohorts: [], curve: [] })
    expect(() => retention(people, { ...options, periods: -1 })).toThrow(RangeError)
    expect(() => retention(people, { ...options, periods: 53 })).toThrow(RangeError)
    expect(() => retention(people, { ...options, periodOf: (at) => at / DAY })).toThrow(RangeError)
  })

  it('counts each period once per person up to 52 periods, as a set of periods per person would', () => {
    let seed = 11
    const random = () => {
      seed = (seed * 48271) % 2147483647
      return seed / 2147483647
    }
    const many = Array.from({ length: 400 }, () => {
      const first = on(Math.floor(random() * 30))
      return person(first, ...Array.from({ length: 12 }, () => first + Math.floor(random() * 60 * DAY)))
    })
    const wide = { periodOf, start: on(0, 0), end: on(70, 0), periods: 52 }
    // The same counted naively: a Set of periods per person, complete periods only (day 70 runs).
    const expected = new Map<string, number>()
    for (const p of many) {
      const cohort = periodOf(p.firstAt)
      for (const k of new Set(p.returnAts.map((at) => periodOf(at) - cohort)))
        if (k <= 52 && cohort + k < 70)
          expected.set(`${cohort} ${k}`, (expected.get(`${cohort} ${k}`) ?? 0) + 1)
    }
    const counted = new Map<string, number>()
    for (const c of retention(many, wide).cohorts)
      for (const cell of c.periods)
        if (cell.people > 0) counted.set(`${c.cohort} ${cell.period}`, cell.people)
    expect(counted).toEqual(expected)
    expect([...counted.keys()].some((key) => Number(key.split(' ')[1]) >= 32)).toBe(true)
  })
})
