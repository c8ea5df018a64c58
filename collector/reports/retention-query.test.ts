import { describe, expect, it } from 'vitest'
import { reportRow } from '../../test/support/report-rows.ts'
import {
  retentionPeople,
  retentionReport,
  retentionReportOfVisits,
  visitStartsFold,
} from './retention-query.ts'
import { startOfDate } from './time.ts'
import type { ReportRow } from './types.ts'
import { summaryOf, visitsOf } from './visits.ts'

const ZONE = 'Europe/Berlin'
const at = (local: string) => startOfDate(local.slice(0, 10), ZONE) + Number(local.slice(11, 13)) * 3_600_000

const row = (person: string, device: string, session: string, when: string, extra: Partial<ReportRow> = {}) =>
  reportRow({ device, person, session, at: at(when), ...extra })

const order = { event: 'Order Completed' }

describe('retention from report rows', () => {
  const rows = [
    // Ann: first on her laptop on Monday 2 November, back on her phone the next week, orders there.
    row('ann', 'laptop', 's1', '2026-11-02T10', { referrer: 'google.com' }),
    row('ann', 'phone', 's2', '2026-11-10T09'),
    row('ann', 'phone', 's2', '2026-11-10T09', { kind: 'event', name: 'Order Completed', path: null }),
    // Bob: came in October already; his November visits make him no new person.
    row('bob', 'b', 's3', '2026-10-20T12'),
    row('bob', 'b', 's4', '2026-11-03T12'),
    // Cy: once, directly, on 4 November; an order without a page view is no visit.
    row('cy', 'c', 's5', '2026-11-04T12'),
    row('cy', 'c', 's6', '2026-11-11T12', { kind: 'event', name: 'Order Completed', path: null }),
  ]
  const question = {
    filters: [],
    goals: {},
    by: 'week' as const,
    zone: ZONE,
    start: startOfDate('2026-11-02', ZONE),
    end: startOfDate('2026-11-23', ZONE),
    periods: 4,
  }

  it('follows a person across devices, from the first visit the rows hold', () => {
    const answer = retentionReport(rows, question)
    expect(answer.people).toBe(2) // Ann and Cy; Bob arrived before
    expect(answer.cohorts.map((c) => c.cohort)).toEqual(['2026-11-02', '2026-11-09', '2026-11-16'])
    expect(answer.cohorts[0]).toEqual({
      cohort: '2026-11-02',
      people: 2,
      periods: [
        { period: 0, people: 2, rate: 1 },
        { period: 1, people: 1, rate: 0.5 },
        { period: 2, people: 0, rate: 0 },
      ],
    })
    expect(answer.cohorts[2]!.periods).toEqual([{ period: 0, people: 0, rate: null }])
    expect(answer.curve[1]).toEqual({ period: 1, people: 1, of: 2, rate: 0.5 })
  })

  it('answers the same from visit summaries, without a goal, filtered by a visit dimension or not', () => {
    const summaries = visitsOf(rows).map(summaryOf)
    for (const filters of [[], [{ dimension: 'referrer' as const, value: 'google.com' }]])
      expect(retentionReportOfVisits(summaries, { ...question, filters })).toEqual(
        retentionReport(rows, { ...question, filters }),
      )
  })

  it("answers the same from visits' people and starts folded as read, without filters", () => {
    const fold = visitStartsFold()
    for (const v of visitsOf(rows)) fold.add(v.person, v.start)
    expect(fold.report(question)).toEqual(retentionReport(rows, question))
  })

  it('folds many people in any order, over up to 52 periods, as the report of their rows', () => {
    // Thousands of visits (the fold's arrays grow), by day and by week.
    let seed = 7
    const random = () => {
      seed = (seed * 48271) % 2147483647
      return seed / 2147483647
    }
    const many: ReportRow[] = []
    for (let i = 0; i < 6000; i++) {
      const person = `p${Math.floor(random() * 1500)}`
      const day = Math.floor(random() * 380)
      const when = startOfDate('2026-01-05', ZONE) + day * 86_400_000 + Math.floor(random() * 24) * 3_600_000
      many.push(reportRow({ device: `${person}-${i % 3}`, person, session: `s${i}`, at: when }))
    }
    for (const [by, periods] of [
      ['week', 52],
      ['day', 40],
    ] as const) {
      const q = {
        ...question,
        by,
        periods,
        start: startOfDate('2026-02-02', ZONE),
        end: startOfDate('2027-01-18', ZONE),
      }
      const fold = visitStartsFold()
      for (const v of visitsOf(many).reverse()) fold.add(v.person, v.start)
      const answer = fold.report(q)
      expect(answer).toEqual(retentionReport(many, q))
      // Periods from 32 on are counted in the fold's second mask.
      expect(answer.cohorts.some((c) => c.periods.slice(32).some((p) => p.people > 0))).toBe(true)
    }
  })

  it('counts returns reaching a goal, only in visits', () => {
    const answer = retentionReport(rows, { ...question, goal: order })
    expect(answer.cohorts[0]!.periods.map((p) => p.people)).toEqual([0, 1, 0])
  })

  it('selects people by their first visit', () => {
    const google = retentionPeople(rows, {
      filters: [{ dimension: 'referrer', value: 'google.com' }],
      goals: {},
    })
    expect(google).toEqual([
      { firstAt: at('2026-11-02T10'), returnAts: [at('2026-11-02T10'), at('2026-11-10T09')] },
    ])
    // Bob's first visit was October's: a filter his November visit passes does not make him new.
    const desktop = retentionPeople(rows, { filters: [{ dimension: 'device', value: 'desktop' }], goals: {} })
    expect(desktop.map((p) => p.firstAt)).toContain(at('2026-10-20T12'))
  })

  it('names day cohorts by their date, the 25-hour DST day one cohort', () => {
    const dst = [row('d', 'd', 's7', '2026-10-25T00'), row('e', 'e', 's8', '2026-10-25T23')]
    const answer = retentionReport(dst, {
      ...question,
      by: 'day',
      start: startOfDate('2026-10-25', ZONE),
      end: startOfDate('2026-10-27', ZONE),
    })
    expect(answer.cohorts.map((c) => [c.cohort, c.people])).toEqual([
      ['2026-10-25', 2],
      ['2026-10-26', 0],
    ])
  })
})
