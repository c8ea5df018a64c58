import { describe, expect, it } from 'vitest'
import { journeyResults } from './results.ts'
import type { JourneyCounts } from './types.ts'

const counts = (
  group: JourneyCounts['group'],
  entered: number,
  converted: number,
  revenue = converted * 10,
): JourneyCounts => ({
  group,
  entered,
  waiting: 0,
  sent: group === 'reached' ? entered : 0,
  held: group === 'holdout' ? entered : 0,
  exited: 0,
  skipped: 0,
  converted,
  revenue,
  revenueSquares: converted * 100,
})

describe('journeyResults', () => {
  it('compares reached with held-out entries: rates with intervals inside [0, 1], lift, a verdict', () => {
    const r = journeyResults([counts('reached', 9000, 1800), counts('holdout', 1000, 100)], { goal: true })
    expect(r.groups.reached.conversionRate).toBeCloseTo(0.2)
    expect(r.groups.holdout.conversionRate).toBeCloseTo(0.1)
    const [lo, hi] = r.groups.holdout.conversionCi!
    expect(lo).toBeGreaterThan(0)
    expect(hi).toBeLessThan(1)
    expect(r.conversion!.absolute.lift).toBeCloseTo(0.1)
    expect(r.conversion!.absolute.ci![0]).toBeGreaterThan(0)
    expect(r.decided).toBe(true)
    expect(r.revenue!.absolute.lift).toBeCloseTo(1)
    expect(r.groups.reached.revenueCi![0]).toBeGreaterThan(0)
  })

  it('an equal split decides nothing; no goal compares nothing; a missing group reads as empty', () => {
    const same = journeyResults([counts('reached', 900, 90), counts('holdout', 100, 10)], { goal: true })
    expect(same.decided).toBe(false)
    const fixed = journeyResults([counts('reached', 9000, 1800), counts('holdout', 1000, 100)], {
      goal: true,
      method: 'fixed',
    })
    expect(fixed.decided).toBe(false) // a fixed-horizon result is read once, at its planned size
    const none = journeyResults([counts('reached', 10, 0)], { goal: false })
    expect(none.conversion).toBeNull()
    expect(none.groups.holdout).toMatchObject({ entered: 0, conversionRate: null, conversionCi: null })
  })
})
