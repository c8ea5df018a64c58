import { describe, expect, it } from 'vitest'
import {
  addDays,
  bucketOf,
  bucketsOf,
  dateOf,
  daysBetween,
  parseDate,
  startOfDate,
  windowOf,
} from './time.ts'

const iso = (at: number) => new Date(at).toISOString()

describe('report time', () => {
  it('starts a local day at local midnight in UTC, Berlin and Shanghai', () => {
    expect(iso(startOfDate('2026-01-15', 'UTC'))).toBe('2026-01-15T00:00:00.000Z')
    expect(iso(startOfDate('2026-01-15', 'Europe/Berlin'))).toBe('2026-01-14T23:00:00.000Z')
    expect(iso(startOfDate('2026-07-15', 'Europe/Berlin'))).toBe('2026-07-14T22:00:00.000Z')
    expect(iso(startOfDate('2026-07-15', 'Asia/Shanghai'))).toBe('2026-07-14T16:00:00.000Z')
    expect(iso(startOfDate('2026-07-15', 'Asia/Kolkata'))).toBe('2026-07-14T18:30:00.000Z')
    expect(iso(startOfDate('2026-07-15', 'America/New_York'))).toBe('2026-07-15T04:00:00.000Z')
  })

  it('gives DST days 23 and 25 hours', () => {
    // Europe/Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.
    const spring = windowOf('2026-03-29', '2026-03-29', 'Europe/Berlin')
    expect((spring.to - spring.from) / 3_600_000).toBe(23)
    const autumn = windowOf('2026-10-25', '2026-10-25', 'Europe/Berlin')
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25)
    expect(bucketsOf('2026-03-29', '2026-03-29', 'hour', 'Europe/Berlin')).toHaveLength(23)
    expect(bucketsOf('2026-03-29', '2026-03-29', 'hour', 'Europe/Berlin')).not.toContain('2026-03-29T02:00')
    expect(bucketsOf('2026-10-25', '2026-10-25', 'hour', 'Europe/Berlin')).toHaveLength(24)
  })

  it('starts a day whose midnight does not exist at its first instant', () => {
    // America/Santiago skipped 2026-09-06 00:00 (clocks went from 00:00 to 01:00).
    const at = startOfDate('2026-09-06', 'America/Santiago')
    expect(dateOf(at, 'America/Santiago')).toBe('2026-09-06')
    expect(dateOf(at - 1, 'America/Santiago')).toBe('2026-09-05')
  })

  it('puts an instant in its local hour, day, ISO week and month', () => {
    const at = Date.parse('2026-03-01T23:30:00Z') // Monday 2 March 07:30 in Shanghai
    expect(bucketOf(at, 'hour', 'Asia/Shanghai')).toBe('2026-03-02T07:00')
    expect(bucketOf(at, 'day', 'Asia/Shanghai')).toBe('2026-03-02')
    expect(bucketOf(at, 'day', 'UTC')).toBe('2026-03-01')
    expect(bucketOf(at, 'week', 'Asia/Shanghai')).toBe('2026-03-02')
    expect(bucketOf(at, 'week', 'UTC')).toBe('2026-02-23')
    expect(bucketOf(at, 'month', 'UTC')).toBe('2026-03')
  })

  it('lists buckets of a range in order without repeats', () => {
    expect(bucketsOf('2026-02-27', '2026-03-02', 'day', 'UTC')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ])
    expect(bucketsOf('2026-02-27', '2026-03-10', 'week', 'UTC')).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ])
    expect(bucketsOf('2026-01-31', '2026-03-01', 'month', 'UTC')).toEqual(['2026-01', '2026-02', '2026-03'])
  })

  it('does date arithmetic and refuses dates that do not exist', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(daysBetween('2026-01-01', '2026-03-01')).toBe(59)
    expect(parseDate('2026-02-30')).toBeUndefined()
    expect(parseDate('26-02-01')).toBeUndefined()
  })
})
