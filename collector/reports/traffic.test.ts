import { describe, expect, it } from 'vitest'
import { reportRow } from '../../test/support/report-rows.ts'
import { breakdownOf, filterVisits, seriesOf, totalsOf } from './traffic.ts'
import type { ReportRow } from './types.ts'
import { visitsOf } from './visits.ts'

const MIN = 60_000
const T0 = Date.parse('2026-11-10T09:00:00Z')
const row = (over: Partial<ReportRow>): ReportRow =>
  reportRow({ at: T0, country: 'DE', region: 'BE', ...over })

// p1 on two devices (one visit each), p2 with one bounce from Google.
const rows: ReportRow[] = [
  row({ path: '/shoes', referrer: 'blog.example' }),
  row({ at: T0 + MIN, kind: 'engagement', path: '/shoes', engaged: 30, scroll: 80 }),
  row({ at: T0 + 3 * MIN, path: '/cart' }),
  row({
    device: 'd2',
    session: 's9',
    at: T0 + 60 * MIN,
    path: '/',
    deviceType: 'mobile',
    browser: 'Mobile Safari',
  }),
  row({
    device: 'd3',
    person: 'p2',
    session: 's2',
    at: T0 + 2 * MIN,
    path: '/shoes',
    referrer: 'google.com',
  }),
  // Engagement without its page view (lost) makes no visit.
  row({ device: 'd4', person: 'p3', session: 's3', kind: 'engagement', engaged: 5, scroll: 10 }),
]

describe('visits and traffic', () => {
  const visits = visitsOf(rows)

  it('makes one visit per device session with a page view, landing attributes first', () => {
    expect(visits).toHaveLength(3)
    const first = visits.find((v) => v.device === 'd1')!
    expect(first).toMatchObject({
      pages: ['/shoes', '/cart'],
      entry: '/shoes',
      exit: '/cart',
      channel: 'Referral',
      engaged: 30,
      scrolls: [80],
      region: 'DE-BE',
      start: T0,
      end: T0 + 3 * MIN,
    })
  })

  it('counts people once across devices', () => {
    expect(totalsOf(visits)).toEqual({
      visitors: 2,
      devices: 3,
      visits: 3,
      pageviews: 4,
      viewsPerVisit: 1.3333,
      bounceRate: 0.6667,
      visitDuration: 60,
      engagedTime: 10,
      scrollDepth: 80,
    })
    expect(totalsOf([])).toMatchObject({ visitors: 0, bounceRate: null, scrollDepth: null })
  })

  it('breaks down by page per path and by channel per visit', () => {
    expect(breakdownOf(visits, 'page')).toEqual([
      { value: '/shoes', visitors: 2, visits: 2, pageviews: 2, bounceRate: 0.5, visitDuration: 90 },
      { value: '/', visitors: 1, visits: 1, pageviews: 1, bounceRate: 1, visitDuration: 0 },
      { value: '/cart', visitors: 1, visits: 1, pageviews: 1, bounceRate: 0, visitDuration: 180 },
    ])
    expect(breakdownOf(visits, 'channel').map((r) => [r.value, r.visitors, r.visits])).toEqual([
      ['Direct', 1, 1],
      ['Organic Search', 1, 1],
      ['Referral', 1, 1],
    ])
    expect(breakdownOf(visits, 'referrer').find((r) => r.value === null)).toMatchObject({ visits: 1 })
  })

  it('filters visits by a visit dimension, by a page pattern and by a missing value', () => {
    expect(filterVisits(visits, [{ dimension: 'device', value: 'mobile' }])).toHaveLength(1)
    expect(filterVisits(visits, [{ dimension: 'page', value: '/sh*' }])).toHaveLength(2)
    expect(filterVisits(visits, [{ dimension: 'referrer', value: null }])).toHaveLength(1)
    expect(
      filterVisits(visits, [
        { dimension: 'page', value: '/shoes' },
        { dimension: 'channel', value: 'Referral' },
      ]),
    ).toHaveLength(1)
  })

  it('puts each visit in the bucket it starts in, every bucket present', () => {
    const series = seriesOf(
      visits,
      ['2026-11-10T09:00', '2026-11-10T10:00', '2026-11-10T11:00'],
      'hour',
      'UTC',
    )
    expect(series).toEqual([
      { bucket: '2026-11-10T09:00', visitors: 2, visits: 2, pageviews: 3 },
      { bucket: '2026-11-10T10:00', visitors: 1, visits: 1, pageviews: 1 },
      { bucket: '2026-11-10T11:00', visitors: 0, visits: 0, pageviews: 0 },
    ])
  })
})
