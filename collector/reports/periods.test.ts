import { describe, expect, it } from 'vitest'
import { periodOfDate, periodStart, periodsIn } from './periods.ts'
import { startOfDate } from './time.ts'

const BERLIN = 'Europe/Berlin'

describe('cohort periods', () => {
  it('numbers days and ISO weeks (Monday first) and finds where each starts', () => {
    expect(periodOfDate('1970-01-01', 'day')).toBe(0)
    expect(periodOfDate('1970-01-05', 'week')).toBe(0)
    expect(periodOfDate('1970-01-04', 'week')).toBe(-1) // a Sunday: the week before
    for (const date of ['2026-10-19', '2026-10-22', '2026-10-25'])
      expect(periodStart(periodOfDate(date, 'week'), 'week')).toBe('2026-10-19')
    expect(periodOfDate('2026-10-26', 'week') - periodOfDate('2026-10-25', 'week')).toBe(1)
    expect(periodStart(periodOfDate('2026-03-29', 'day'), 'day')).toBe('2026-03-29')
    expect(periodOfDate('2027-01-01', 'day') - periodOfDate('2026-12-31', 'day')).toBe(1)
  })

  it('puts instants in local days and weeks across both DST changes', () => {
    const day = periodsIn(BERLIN, 'day')
    const week = periodsIn(BERLIN, 'week')
    for (const date of ['2026-03-29', '2026-10-25']) {
      // A 23- and a 25-hour day: its first and last instants are that day, the next instant the next day.
      const start = startOfDate(date, BERLIN)
      const next = startOfDate(date === '2026-03-29' ? '2026-03-30' : '2026-10-26', BERLIN)
      expect(next - start).toBe(date === '2026-03-29' ? 23 * 3_600_000 : 25 * 3_600_000)
      expect(day(start)).toBe(periodOfDate(date, 'day'))
      expect(day(next - 1)).toBe(periodOfDate(date, 'day'))
      expect(day(next)).toBe(periodOfDate(date, 'day') + 1)
      // Both are Sundays: the week changes at the local midnight that ends them.
      expect(week(next - 1)).toBe(periodOfDate(date, 'week'))
      expect(week(next)).toBe(periodOfDate(date, 'week') + 1)
    }
    // 23:30 UTC on 31 October is already 1 November in Berlin (UTC+1).
    expect(day(Date.parse('2026-10-31T23:30:00Z'))).toBe(periodOfDate('2026-11-01', 'day'))
  })

  it('agrees with a zone whose offset is not whole hours', () => {
    const day = periodsIn('Asia/Kathmandu', 'day') // UTC+5:45
    expect(day(Date.parse('2026-06-01T18:14:59Z'))).toBe(periodOfDate('2026-06-01', 'day'))
    expect(day(Date.parse('2026-06-01T18:15:00Z'))).toBe(periodOfDate('2026-06-02', 'day'))
  })
})
