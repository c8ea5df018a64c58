import { describe, expect, it } from 'vitest'
import { breakdownQuery, periodOf, reportQuery } from './query.ts'

const NOW = Date.parse('2026-11-23T23:30:00Z')

describe('report queries', () => {
  it('defaults to the last 30 local days, today included, by day', () => {
    // 23:30 UTC is already the 24th in Shanghai.
    expect(periodOf({}, 'Asia/Shanghai', NOW)).toEqual({
      from: '2026-10-26',
      to: '2026-11-24',
      interval: 'day',
      previous: { from: '2026-09-26', to: '2026-10-25' },
    })
    expect(periodOf({ from: '2026-11-01', to: '2026-11-01' }, 'UTC', NOW)).toMatchObject({ interval: 'hour' })
    expect(periodOf({ from: '2026-01-01', to: '2026-11-01' }, 'UTC', NOW)).toMatchObject({ interval: 'week' })
  })

  it('refuses reversed periods, overlong ones and too many points', () => {
    expect(periodOf({ from: '2026-11-02', to: '2026-11-01' }, 'UTC', NOW)).toMatchObject({ path: 'from' })
    expect(periodOf({ from: '2020-01-01', to: '2026-11-01' }, 'UTC', NOW)).toMatchObject({ path: 'to' })
    expect(periodOf({ from: '2026-01-01', to: '2026-11-01', interval: 'hour' }, 'UTC', NOW)).toMatchObject({
      path: 'interval',
    })
  })

  it('reads filters as dimension:value, (none) as a missing value', () => {
    const q = reportQuery.parse({
      site: 's',
      filter: ['channel:Organic Search', 'referrer:(none)', 'page:/a:b'],
    })
    expect(q.filter).toEqual([
      { dimension: 'channel', value: 'Organic Search' },
      { dimension: 'referrer', value: null },
      { dimension: 'page', value: '/a:b' },
    ])
    expect(reportQuery.safeParse({ site: 's', filter: ['colour:red'] }).success).toBe(false)
    expect(reportQuery.safeParse({ site: 's', filter: ['page:/*a*b*c*'] }).success).toBe(false)
    expect(reportQuery.safeParse({ site: 's', filter: [`referrer:${'x'.repeat(201)}`] }).success).toBe(false)
    expect(reportQuery.safeParse({ site: 's', from: '2026-02-30' }).success).toBe(false)
    expect(breakdownQuery.safeParse({ site: 's', dimension: 'channel', limit: '0' }).success).toBe(false)
  })
})
