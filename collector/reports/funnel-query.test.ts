import { describe, expect, it } from 'vitest'
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { hitRowsOf, reportRow } from '../../test/support/report-rows.ts'
import {
  candidatesOfHits,
  candidatesOfRows,
  funnelAnswer,
  funnelBody,
  funnelCsvRows,
  funnelPeople,
  type PeopleQuestion,
  windowMs,
} from './funnel-query.ts'
import { type Filter, needsPages } from './traffic.ts'
import type { ReportRow } from './types.ts'

const MIN = 60_000
const HOUR = 60 * MIN

const row = (over: Partial<ReportRow> & Pick<ReportRow, 'device' | 'session' | 'at'>): ReportRow =>
  reportRow({ person: over.device, country: 'DE', ...over })
const page = (device: string, session: string, at: number, path: string, more: Partial<ReportRow> = {}) =>
  row({ device, session, at, path, ...more })
const event = (device: string, session: string, at: number, name: string, props: unknown = {}, more = {}) =>
  row({ device, session, at, kind: 'event', name, props: JSON.stringify(props), path: null, ...more })

const STEPS = [{ page: '/' }, { page: '/cart' }, { event: 'Order Completed' }]
type Question = PeopleQuestion & { filters: readonly Filter[]; goals: Readonly<Record<string, Goal>> }
const question: Question = { steps: STEPS, start: 0, end: 24 * HOUR, filters: [], goals: {} }

/** The people from whole sessions, checked against the same from the store's hits where they apply. */
const peopleOf = (rows: readonly ReportRow[], q: Question) => {
  const people = funnelPeople(candidatesOfRows(rows, q.filters, q.goals), q)
  if (!needsPages(q.filters))
    expect(funnelPeople(candidatesOfHits(hitRowsOf(rows), q.filters, q.goals), q)).toEqual(people)
  return people
}

describe('funnel body', () => {
  const ok = { steps: [{ page: '/' }] }
  it.each([
    [{ steps: [] }, 'steps'],
    [{ steps: Array.from({ length: 11 }, () => ({ page: '/' })) }, 'steps'],
    [{ steps: [{}] }, 'steps.event'],
    [{ steps: [{ event: 'A', page: '/' }] }, 'steps.page'],
    [{ steps: [{ page: '/', where: { a: 1 } }] }, 'steps.where'],
    [{ steps: [{ page: 'cart' }] }, 'steps.page'],
    [{ steps: [{ page: '/*/*/*/*' }] }, 'steps.page'],
    [{ steps: [{ event: 'A', where: { a: 'x'.repeat(3000) } }] }, 'steps.where'],
    [{ steps: [{ event: 'A', colour: 'red' }] }, 'steps'],
    [{ ...ok, window: '7 days' }, 'window'],
    [{ ...ok, window: '91d' }, 'window'],
    [{ ...ok, order: 'loose' }, 'order'],
    [{ ...ok, breakdown: 'page' }, 'breakdown'],
    [{ ...ok, filter: ['colour:red'] }, 'filter'],
    [{ ...ok, from: '2026-02-30' }, 'from'],
  ])('refuses %j naming %s', (body, field) => {
    const parsed = funnelBody.safeParse(body)
    expect(parsed.success).toBe(false)
    const path = parsed.error!.issues[0]!.path.filter((p) => typeof p === 'string').join('.')
    expect(path).toBe(field)
  })
  it('takes defaults: 1d window, any order, no filter', () => {
    expect(funnelBody.parse(ok)).toEqual({ steps: [{ page: '/' }], window: '1d', order: 'any', filter: [] })
  })
  it('reads windows', () => {
    expect([windowMs('30m'), windowMs('1h'), windowMs('7d'), windowMs('2w')]).toEqual([
      30 * MIN,
      HOUR,
      7 * 24 * HOUR,
      14 * 24 * HOUR,
    ])
    expect([windowMs('0d'), windowMs('1y'), windowMs('h')]).toEqual([undefined, undefined, undefined])
  })
})

describe('funnel people', () => {
  it('joins one person across devices: step 0 on the laptop, the order on the phone', () => {
    const rows = [
      page('laptop', 's1', HOUR, '/', { person: 'ana' }),
      page('laptop', 's1', HOUR + MIN, '/cart', { person: 'ana' }),
      page('phone', 's2', 2 * HOUR, '/shoes', { person: 'ana', deviceType: 'mobile' }),
      event('phone', 's2', 2 * HOUR + MIN, 'Order Completed', { revenue: 5 }, { person: 'ana' }),
    ]
    const people = peopleOf(rows, question)
    expect(people).toHaveLength(1)
    const answer = funnelAnswer(people, STEPS, { window: 24 * HOUR, breakdown: false })
    expect(answer.steps.map((s) => s.people)).toEqual([1, 1, 1])
    expect(answer.steps.map((s) => s.medianSeconds)).toEqual([null, 60, 3600])
  })

  it('starts only in the period; later steps may follow after it, within the window', () => {
    const end = question.end
    const rows = [
      page('a', 's1', -MIN, '/'), // before the period: no start
      page('a', 's1', MIN, '/cart'),
      page('b', 's2', end - MIN, '/'),
      page('b', 's2', end + MIN, '/cart'), // after the period, inside the window
      page('c', 's3', end + MIN, '/'), // after the period: no start
      page('c', 's3', end + 2 * MIN, '/cart'),
    ]
    const people = peopleOf(rows, question)
    const answer = funnelAnswer(people, STEPS, { window: HOUR, breakdown: false })
    expect(answer.steps.map((s) => s.people)).toEqual([1, 1, 0])
  })

  it('after the period, a step-0 event neither starts an attempt nor breaks a strict one', () => {
    const end = question.end
    const rows = [
      page('a', 's1', end - 2 * MIN, '/'),
      page('a', 's1', end - MIN, '/cart'),
      page('a', 's1', end + MIN, '/'),
      event('a', 's1', end + 2 * MIN, 'Order Completed'),
    ]
    const answer = funnelAnswer(peopleOf(rows, question), STEPS, {
      window: HOUR,
      order: 'strict',
      breakdown: false,
    })
    expect(answer.steps.map((s) => s.people)).toEqual([1, 1, 1])
  })

  it('counts only visits the filters keep, and no session without a page view', () => {
    const rows = [
      page('a', 's1', MIN, '/', { country: 'FR' }),
      page('a', 's1', 2 * MIN, '/cart', { country: 'FR' }),
      page('b', 's2', MIN, '/'),
      event('b', 'server', 2 * MIN, 'Order Completed'), // a session without a page view: no visit
      page('c', 's3', MIN, '/'),
      row({ device: 'c', session: 's3', at: 90_000, kind: 'engagement', path: '/' }),
      page('c', 's3', 2 * MIN, '/cart'),
    ]
    const filters = [{ dimension: 'country' as const, value: 'DE' }]
    const answer = funnelAnswer(peopleOf(rows, { ...question, filters }), STEPS, {
      window: HOUR,
      breakdown: false,
    })
    expect(answer.steps.map((s) => [s.people, s.dropOff])).toEqual([
      [2, 0],
      [1, 1],
      [0, 1],
    ])
    expect(answer.steps[1]).toMatchObject({ fromPrevious: 0.5, fromFirst: 0.5, label: '/cart', step: 2 })
  })

  it('follows a goal: filter with the site goals: only visits that reached the goal count', () => {
    const rows = [
      page('a', 's1', MIN, '/'),
      page('a', 's1', 2 * MIN, '/cart'),
      event('a', 's1', 3 * MIN, 'Order Completed'),
      page('b', 's2', MIN, '/'),
      page('b', 's2', 2 * MIN, '/cart'),
    ]
    const people = (filters: { dimension: 'goal'; value: string }[]) =>
      funnelAnswer(
        peopleOf(rows, { ...question, filters, goals: { order: { event: 'Order Completed' } } }),
        STEPS,
        { window: HOUR, breakdown: false },
      ).steps.map((s) => s.people)
    expect(people([])).toEqual([2, 2, 1])
    expect(people([{ dimension: 'goal', value: 'order' }])).toEqual([1, 1, 1])
  })

  it('groups each person by the visit of their first step 0 in the period', () => {
    const rows = [
      page('a', 's1', MIN, '/', { source: 'newsletter' }),
      page('a', 's2', HOUR, '/', { source: 'google' }),
      page('a', 's2', HOUR + MIN, '/cart', { source: 'google' }),
      page('b', 's3', MIN, '/shoes', { source: 'google' }),
      page('b', 's3', 2 * MIN, '/'),
      page('c', 's4', MIN, '/cart'), // never at step 0: in no group
    ]
    const people = peopleOf(rows, { ...question, breakdown: 'utm_source' })
    expect(people.map((p) => p.group)).toEqual(['newsletter', 'google'])
    const answer = funnelAnswer(people, STEPS, { window: HOUR, breakdown: true })
    expect(answer.groupsTotal).toBe(2)
    expect(answer.groups!.map((g) => [g.value, g.steps.map((s) => s.people)])).toEqual([
      ['google', [1, 0, 0]],
      ['newsletter', [1, 1, 0]],
    ])
    expect(funnelCsvRows(answer)[0]).toEqual(['(all)', 1, '/', 2, null, 1, 0, null])
  })

  it('matches a step with a condition on the event properties', () => {
    const steps = [{ page: '/' }, { event: 'Order Completed', where: { revenue: { $gt: 100 } } }]
    const rows = [
      page('a', 's1', MIN, '/'),
      event('a', 's1', 2 * MIN, 'Order Completed', { revenue: 50 }),
      page('b', 's2', MIN, '/'),
      event('b', 's2', 2 * MIN, 'Order Completed', { revenue: 150 }),
    ]
    const answer = funnelAnswer(peopleOf(rows, { ...question, steps }), steps, {
      window: HOUR,
      breakdown: false,
    })
    expect(answer.steps.map((s) => s.people)).toEqual([2, 1])
    expect(answer.steps[1]!.label).toBe('Order Completed (where …)')
  })
})
