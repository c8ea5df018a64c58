import { describe, expect, it } from 'vitest'
import {
  quintileScores,
  type RfmCustomer,
  type RfmSegment,
  scoreRfm,
  segmentLabels,
  segmentOf,
  segments,
  summarizeRfm,
} from './rfm.ts'

describe('quintile scores', () => {
  it('splits distinct values into exact fifths, 5 best', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
    expect(quintileScores(values, true)).toEqual([5, 1, 5, 1, 4, 2, 4, 2, 3, 3])
    // Recency: fewer days is better.
    expect(quintileScores(values, false)).toEqual([1, 5, 1, 5, 2, 4, 2, 4, 3, 3])
  })

  it('gives equal values equal scores and the worst value 1', () => {
    // 6 of 10 customers ordered once, 2 twice, 1 three times, 1 ten times.
    const orders = [1, 1, 1, 1, 1, 1, 2, 2, 3, 10]
    expect(quintileScores(orders, true)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5])
    const days = [3, 3, 3, 40, 40, 90, 90, 90, 90, 365]
    expect(quintileScores(days, false)).toEqual([4, 4, 4, 3, 3, 1, 1, 1, 1, 1])
  })

  it('scores everyone 1 when nobody differs, and nothing when there is nobody', () => {
    expect(quintileScores([7, 7, 7], true)).toEqual([1, 1, 1])
    expect(quintileScores([42], false)).toEqual([1])
    expect(quintileScores([], true)).toEqual([])
  })
})

describe('the segment map', () => {
  // Spec table: row R = 5 down to 1, columns FM = 1 to 5 (the map in rfm.ts).
  const table: [number, RfmSegment[]][] = [
    [5, ['new-customers', 'potential-loyalists', 'potential-loyalists', 'champions', 'champions']],
    [4, ['promising', 'potential-loyalists', 'potential-loyalists', 'loyal-customers', 'loyal-customers']],
    [3, ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal-customers', 'loyal-customers']],
    [2, ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them']],
    [1, ['lost', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them']],
  ]
  for (const [r, row] of table)
    row.forEach((segment, i) => {
      it(`R=${r}, FM=${i + 1} → ${segment}`, () => expect(segmentOf(r, i + 1)).toBe(segment))
    })

  it('names all eleven segments, each reachable', () => {
    expect(new Set(table.flatMap(([, row]) => row))).toEqual(new Set(segments))
    expect(segments).toHaveLength(11)
    for (const s of segments) expect(segmentLabels[s]).toMatch(/^[A-Z]/)
  })

  it('refuses scores outside 1–5', () => {
    expect(() => segmentOf(0, 3)).toThrow(RangeError)
    expect(() => segmentOf(3, 6)).toThrow(RangeError)
    expect(() => segmentOf(2.5, 3)).toThrow(RangeError)
  })
})

describe('scoring customers', () => {
  // Five customers, every value distinct, so each score is 1 + (customers with a worse value).
  const customers: RfmCustomer[] = [
    { id: 'fan', recencyDays: 2, frequency: 12, monetary: 900 }, // R5 F5 M5
    { id: 'newbie', recencyDays: 5, frequency: 1, monetary: 20 }, // R4 F1 M1
    { id: 'regular', recencyDays: 30, frequency: 6, monetary: 300 }, // R3 F3 M3
    { id: 'whale', recencyDays: 200, frequency: 9, monetary: 600 }, // R1 F4 M4
    { id: 'gone', recencyDays: 100, frequency: 2, monetary: 40 }, // R2 F2 M2
  ]

  it('scores relative to the other customers and names the segment from R and ⌊(F+M)/2⌋', () => {
    const scored = scoreRfm(customers)
    const brief = scored.map(({ id, r, f, m, segment }) => ({ id, r, f, m, segment }))
    expect(brief).toEqual([
      { id: 'fan', r: 5, f: 5, m: 5, segment: 'champions' },
      { id: 'newbie', r: 4, f: 1, m: 1, segment: 'promising' },
      { id: 'regular', r: 3, f: 3, m: 3, segment: 'need-attention' },
      { id: 'whale', r: 1, f: 4, m: 4, segment: 'at-risk' },
      { id: 'gone', r: 2, f: 2, m: 2, segment: 'hibernating' },
    ])
    expect(scored[0]).toMatchObject(customers[0]!)
  })

  it('refuses values that cannot be ranked', () => {
    expect(() => scoreRfm([{ id: 'x', recencyDays: Number.NaN, frequency: 1, monetary: 1 }])).toThrow(
      RangeError,
    )
  })
})

describe('the summary', () => {
  const customers: RfmCustomer[] = Array.from({ length: 50 }, (_, i) => ({
    id: `c${i}`,
    recencyDays: (i * 37) % 50,
    frequency: 1 + (i % 7),
    monetary: 10 * ((i * 13) % 50) + 5,
  }))
  const scored = scoreRfm(customers)
  const summary = summarizeRfm(scored)

  it('counts, sums revenue and averages scores per segment', () => {
    for (const s of summary.segments) {
      const members = scored.filter((c) => c.segment === s.segment)
      expect(s.customers).toBe(members.length)
      expect(s.revenue).toBe(members.reduce((sum, c) => sum + c.monetary, 0))
      const mean = (k: 'r' | 'f' | 'm') =>
        members.length ? members.reduce((sum, c) => sum + c[k], 0) / members.length : null
      expect([s.meanR, s.meanF, s.meanM]).toEqual([mean('r'), mean('f'), mean('m')])
    }
    expect(summary.segments.map((s) => s.segment)).toEqual(segments)
    expect(summary.segments.reduce((n, s) => n + s.customers, 0)).toBe(50)
    expect(summary.segments.reduce((n, s) => n + s.revenue, 0)).toBe(
      customers.reduce((n, c) => n + c.monetary, 0),
    )
  })

  it('lays out an R × F grid of counts', () => {
    expect(summary.grid).toHaveLength(5)
    for (const row of summary.grid) expect(row).toHaveLength(5)
    expect(summary.grid.flat().reduce((a, b) => a + b, 0)).toBe(50)
    for (let r = 1; r <= 5; r++)
      for (let f = 1; f <= 5; f++)
        expect(summary.grid[r - 1]![f - 1]).toBe(scored.filter((c) => c.r === r && c.f === f).length)
  })

  it('reports an empty segment with null means (and a lone customer, with nobody to beat, as lost)', () => {
    const one = summarizeRfm(scoreRfm([{ id: 'solo', recencyDays: 3, frequency: 1, monetary: 10 }]))
    expect(one.segments.find((s) => s.segment === 'lost')).toEqual({
      segment: 'lost',
      customers: 1,
      revenue: 10,
      meanR: 1,
      meanF: 1,
      meanM: 1,
    })
    expect(one.segments.find((s) => s.segment === 'champions')).toEqual({
      segment: 'champions',
      customers: 0,
      revenue: 0,
      meanR: null,
      meanF: null,
      meanM: null,
    })
    expect(one.grid[0]![0]).toBe(1)
  })
})
