import { describe, expect, it } from 'vitest'
import { prng } from '../../test/support/prng.ts'
import { hoursOf } from '../../test/support/report-events.ts'
import { reportVisit } from '../../test/support/report-rows.ts'
import { alignedToHours, HOUR, seriesOfHours, totalsOfHours } from './hours.ts'
import { bucketsOf, windowOf } from './time.ts'
import { seriesOf, totalsOf } from './traffic.ts'
import { summaryOf } from './visits.ts'

const ZONE = 'Europe/Berlin'
const window = windowOf('2026-03-23', '2026-04-05', ZONE) // across the change to summer time
const MIN = 60_000

/** 40,000 visits of 12,000 people on 20,000 devices over two weeks, seeded. */
const visits = (() => {
  const random = prng(7)
  return Array.from({ length: 40_000 }, () => {
    const device = Math.floor(random() * 20_000)
    const start = window.from + Math.floor(random() * (window.to - window.from))
    const pages = Array.from({ length: 1 + Math.floor(random() * 4) }, () => '/p')
    return summaryOf(
      reportVisit({
        device: `d${device}`,
        person: `p${Math.floor(device * 0.6)}`,
        start,
        end: Math.min(start + Math.floor(random() * 20) * MIN, window.to - 1),
        pages,
        engaged: Math.floor(random() * 90),
        scrolls: random() < 0.5 ? [] : [Math.floor(random() * 100)],
      }),
    )
  })
})()

describe('hour aggregates', () => {
  const hours = hoursOf(visits)

  it('puts each visit in the UTC hour it starts in, each hour once, in order', () => {
    expect(hours.every((h, i) => h.hour % HOUR === 0 && (i === 0 || h.hour > hours[i - 1]!.hour))).toBe(true)
    expect(hours.reduce((n, h) => n + h.visits, 0)).toBe(visits.length)
    const first = visits.filter((v) => v.start >= hours[0]!.hour && v.start < hours[0]!.hour + HOUR)
    expect(hours[0]!.visits).toBe(first.length)
  })

  it('add up to the totals the visits give: sums exactly, people and devices within 3 standard errors', () => {
    const exact = totalsOf(visits)
    const added = totalsOfHours(hours)
    const { visitors, devices, ...sums } = added
    const { visitors: people, devices: browsers, ...exactSums } = exact
    expect(sums).toEqual(exactSums)
    expect(Math.abs(visitors - people) / people).toBeLessThan(3 * 0.0163)
    expect(Math.abs(devices - browsers) / browsers).toBeLessThan(3 * 0.0163)
    expect(people).toBeGreaterThan(10_000) // the sketch is what counts them, not a small exact count
  })

  it('make the series the visits make, by day in the site zone (a 23-hour day included) and by hour', () => {
    for (const interval of ['day', 'hour'] as const) {
      const buckets = bucketsOf('2026-03-23', '2026-04-05', interval, ZONE)
      const exact = seriesOf(visits, buckets, interval, ZONE)
      const added = seriesOfHours(hours, buckets, interval, ZONE)
      expect(added.map((p) => [p.bucket, p.visits, p.pageviews])).toEqual(
        exact.map((p) => [p.bucket, p.visits, p.pageviews]),
      )
      // Hours of ~100 people are counted exactly (their hashes); days of thousands estimated.
      for (const [i, p] of added.entries()) {
        const people = exact[i]!.visitors
        if (people <= 1_024) expect(p.visitors, p.bucket).toBe(people)
        else expect(Math.abs(p.visitors - people) / people, p.bucket).toBeLessThan(3 * 0.0163)
      }
    }
  })

  it('serve periods of whole UTC hours only: a zone half an hour off is counted visit by visit', () => {
    expect(alignedToHours(window)).toBe(true)
    expect(alignedToHours(windowOf('2026-03-23', '2026-03-24', 'Asia/Kolkata'))).toBe(false)
  })
})
