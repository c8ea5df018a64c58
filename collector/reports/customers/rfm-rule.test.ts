import { describe, expect, it } from 'vitest'
import type { Goal } from '../../../sdk/rules/goal-schema.ts'
import { personalizationSchema, segment } from '../../../sdk/rules/personalization-schema.ts'
import { createSegmentEngine, historyProperties } from '../../../sdk/rules/segments.ts'
import { prng } from '../../../test/support/prng.ts'
import { reportRow } from '../../../test/support/report-rows.ts'
import { historyEntry } from '../../personalization/attributes.ts'
import { HISTORY_CAP } from '../../personalization/evaluate.ts'
import { addDays, dateOf, windowOf } from '../time.ts'
import type { ReportRow } from '../types.ts'
import { historiesByPerson } from './customers-query.ts'
import { customersReport, scoreHistories } from './customers-report.ts'
import { segments } from './rfm.ts'
import { cutBetween, groupRules, orderBasisOf, ruleBasisOf } from './rfm-rule.ts'

const DAY = 86_400_000

/** A report row of one person (one device, a session per event): only what the report reads. */
const rowOf = (person: string, at: number, name: string | null, props?: Record<string, unknown>): ReportRow =>
  reportRow({
    device: person,
    person,
    session: `${person}-${at}`,
    at,
    kind: name === null ? 'page' : 'event',
    name,
    props: props === undefined ? null : JSON.stringify(props),
    path: name === null ? '/' : null,
    browser: null,
    os: null,
    deviceType: null,
  })

interface Shop {
  zone: string
  from: string
  to: string
  goal: Goal
  /** personalization.rfm.revenue and history.maxDays of the site. */
  revenue: string
  maxDays: number
  people: number
}

/**
 * A seeded shop: people who ordered in the history read (some only once, some often, some on one
 * day twice, some with tied totals), some who ordered only before it or after it, some who never
 * did; orders the goal does not count (another currency), other events carrying the revenue
 * property, page views, and orders without a usable revenue.
 */
const rowsOf = (seed: number, shop: Shop) => {
  const random = prng(seed)
  const { from, to } = windowOf(shop.from, shop.to, shop.zone)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const rows: ReportRow[] = []
  for (let i = 0; i < shop.people; i++) {
    const person = `p${i}`
    const kind = random()
    // Before the history read, after it, or inside it; one in ten never orders.
    const start =
      kind < 0.1
        ? from - (1 + random() * 60) * DAY
        : kind < 0.15
          ? to + random() * DAY
          : from + random() * (to - from)
    const orders = kind > 0.9 ? 0 : 1 + Math.floor(-Math.log(1 - random()) * (random() < 0.5 ? 0.5 : 3))
    let at = Math.floor(start)
    for (let k = 0; k < orders; k++) {
      const revenue = random() < 0.25 ? pick([25, 40, 99.9]) : Math.round(random() * 30_000) / 100
      const props: Record<string, unknown> =
        random() < 0.05
          ? {}
          : random() < 0.03
            ? { [shop.revenue]: String(revenue) }
            : { [shop.revenue]: revenue }
      if (shop.goal.where) props.currency = random() < 0.85 ? 'EUR' : 'USD'
      rows.push(rowOf(person, at, shop.goal.event!, props))
      if (random() < 0.2) rows.push(rowOf(person, at + 60_000, 'Product Viewed', { [shop.revenue]: 500 }))
      if (random() < 0.3) rows.push(rowOf(person, at - 120_000, null))
      // Sometimes again within the hour (the same day), else days later.
      at += random() < 0.15 ? Math.floor(random() * 3_600_000) : Math.floor((1 + random() * 40) * DAY)
    }
    if (orders === 0) rows.push(rowOf(person, from + random() * (to - from), null))
  }
  return { rows, window: { from, to } }
}

/**
 * The key check: every customer is in exactly the group and the CLV cohort the report put them
 * in, and in one cluster, each as big as the report says, by the real segment engine over their
 * history as of the report's end (as the collector sizes segments: its history properties, its
 * history cap), and nobody else is in any.
 */
const checkShop = (seed: number, shop: Shop) => {
  const { rows, window } = rowsOf(seed, shop)
  const byPerson = historiesByPerson(rows, shop.goal, window)
  const people = [...byPerson.keys()]
  const histories = [...byPerson.values()]
  const basis = ruleBasisOf(
    shop.goal,
    { history: { maxDays: shop.maxDays }, rfm: { revenue: shop.revenue } },
    { from: shop.from, to: shop.to, zone: shop.zone },
  )
  expect(basis).not.toHaveProperty('refusal')
  const report = customersReport(histories, {
    at: window.to,
    zone: shop.zone,
    horizonMonths: 12,
    discountRate: 0.01,
    rules: basis,
    cohortRules: orderBasisOf(shop.goal, { history: { maxDays: shop.maxDays } }, { ...shop }),
  })
  const groupOf = new Map(scoreHistories(histories, window.to).map((c, i) => [people[i]!, c.segment]))
  // The scores held here are the report's: the same count in every group.
  for (const s of report.segments)
    expect(s.customers, s.segment).toBe([...groupOf.values()].filter((g) => g === s.segment).length)

  const cohortOf = new Map(
    histories.map((h, i) => [people[i]!, `cohort-${dateOf(h.orders[0]!.at, shop.zone).slice(0, 7)}`]),
  )
  for (const c of report.cohorts)
    expect(c.customers, c.cohort).toBe(
      [...cohortOf.values()].filter((k) => k === `cohort-${c.cohort}`).length,
    )

  const rules = Object.fromEntries([
    ...report.segments.flatMap((s) => (s.rule ? [[s.segment, { rule: s.rule }]] : [])),
    ...report.cohorts.map((c) => [`cohort-${c.cohort}`, { rule: c.rule }]),
    ...report.clusters.clusters.map((c) => [`cluster-${c.cluster}`, { rule: c.rule }]),
  ])
  for (const s of [...report.segments, ...report.cohorts, ...report.clusters.clusters]) {
    if (s.customers > 0) expect(s.rule, `${JSON.stringify(s)}: ${s.ruleRefusal}`).not.toBeNull()
    if (s.rule) expect(segment.safeParse({ rule: s.rule }).error).toBeUndefined()
  }
  const p = personalizationSchema.parse({
    segments: rules,
    history: { maxDays: shop.maxDays },
    rfm: { revenue: shop.revenue },
  })
  const keys = historyProperties(p)
  const everyone = new Set(rows.map((r) => r.person))
  const clusterSizes = new Map<string, number>()
  for (const person of everyone) {
    const engine = createSegmentEngine({
      segments: p.segments,
      rfm: p.rfm,
      history: { maxEvents: HISTORY_CAP, maxDays: p.history.maxDays },
    })
    const own = rows.filter((r) => r.person === person && r.at < window.to).sort((a, b) => a.at - b.at)
    for (const r of own)
      engine.add(
        historyEntry(
          { type: r.kind === 'page' ? 'page' : 'track', name: r.name, timestamp: r.at, properties: r.props },
          keys,
        ),
        window.to,
      )
    const group = groupOf.get(person)
    const found = engine.evaluate({}, window.to)
    const clusters = found.filter((s) => s.startsWith('cluster-'))
    expect(clusters, person).toHaveLength(group ? 1 : 0)
    for (const c of clusters) clusterSizes.set(c, (clusterSizes.get(c) ?? 0) + 1)
    expect(
      found.filter((s) => !s.startsWith('cluster-')),
      person,
    ).toEqual(group ? [group, cohortOf.get(person)] : [])
  }
  for (const c of report.clusters.clusters)
    expect(clusterSizes.get(`cluster-${c.cluster}`) ?? 0, `cluster ${c.cluster}`).toBe(c.customers)
  return { report, customers: histories.length, people: everyone.size }
}

describe('each RFM group as a segment rule', () => {
  const order: Goal = { event: 'Order Completed', revenue: 'revenue' }
  const shops: [string, Shop][] = [
    [
      'UTC, 200 days',
      {
        zone: 'UTC',
        from: '2026-05-08',
        to: '2026-11-23',
        goal: order,
        revenue: 'revenue',
        maxDays: 400,
        people: 400,
      },
    ],
    [
      'Berlin across a clock change, a goal with where, revenue in "value"',
      {
        zone: 'Europe/Berlin',
        from: '2026-09-01',
        to: '2026-11-23',
        goal: { event: 'Purchase', where: { currency: { $in: ['EUR'] } }, revenue: 'value' },
        revenue: 'value',
        maxDays: 90,
        people: 300,
      },
    ],
    [
      'New York, a handful of customers',
      {
        zone: 'America/New_York',
        from: '2026-01-01',
        to: '2026-03-31',
        goal: order,
        revenue: 'revenue',
        maxDays: 90,
        people: 9,
      },
    ],
  ]
  // Seconds of work on a quiet machine (every person through the segment engine): a limit for a
  // hung test, not a speed check.
  it.each(shops)(
    'selects exactly the report’s group, as of its end: %s',
    (_, shop) => {
      for (const seed of [1, 2, 3]) {
        const { report, customers, people } = checkShop(seed, shop)
        expect(people).toBeGreaterThan(customers)
        // Several groups hold customers, so several rules were held against the report.
        expect(report.segments.filter((s) => s.customers > 0).length).toBeGreaterThanOrEqual(
          customers > 100 ? 8 : 3,
        )
      }
    },
    60_000,
  )

  it('counts orders over the history read: a window of whole hours across a clock change', () => {
    const berlin = ruleBasisOf(
      order,
      { history: { maxDays: 400 }, rfm: { revenue: 'revenue' } },
      {
        from: '2026-09-01',
        to: '2026-11-23',
        zone: 'Europe/Berlin',
      },
    )
    // 84 local days, one of them 25 hours long.
    expect(berlin).toEqual({ orders: { event: 'Order Completed' }, within: `${84 * 24 + 1}h` })
  })

  it('keeps each rule small: adjacent bands merged into boxes', () => {
    // Five distinct values on each score, every combination once: the full 5 × 5 × 5 map.
    const scored = scoreHistories(
      Array.from({ length: 125 }, (_, i) => {
        const [r, f, m] = [Math.floor(i / 25), Math.floor(i / 5) % 5, i % 5]
        const at = Date.UTC(2026, 10, 1) - (4 - r) * 10 * DAY
        return {
          orders: Array.from({ length: f + 1 }, (_, k) => ({
            at: at - k * DAY,
            revenue: k === 0 ? (m + 1) * 100 - f : 0,
          })),
          pageviews: 1,
        }
      }),
      Date.UTC(2026, 10, 2),
    )
    const rules = groupRules(scored, { orders: { event: 'Order Completed' }, within: '365d' })
    const parts = (s: keyof typeof rules) => {
      const rule = rules[s].rule as { $or?: unknown[] }
      return rule.$or?.length ?? 1
    }
    // Champions: R 5 and F + M ≥ 8, a staircase of three boxes; lost: R 1, F + M ≤ 3, two.
    expect(parts('champions')).toBe(3)
    expect(parts('lost')).toBe(2)
    // New customers: R 5 and F + M ≤ 3, i.e. one order and M ≤ 2, or F ≤ 2 and M 1.
    const orders = { event: 'Order Completed', within: '365d' }
    const recent = { recency: { event: 'Order Completed' }, $lt: 10 }
    expect(rules['new-customers'].rule).toEqual({
      $or: [
        { $and: [recent, { count: orders, $gte: 1, $lte: 1 }, { monetary: orders, $lt: 250 }] },
        { $and: [recent, { count: orders, $gte: 1, $lte: 2 }, { monetary: orders, $lt: 150 }] },
      ],
    })
    for (const s of segments) expect(rules[s].ruleRefusal).toBeNull()
  })

  it('refuses a group no score falls in, and every group of a report without customers', () => {
    // Everybody alike: every score is 1, so only R 1 × FM 1 (lost) exists.
    const alike = scoreHistories(
      Array.from({ length: 4 }, () => ({ orders: [{ at: 0, revenue: 10 }], pageviews: 1 })),
      DAY,
    )
    const rules = groupRules(alike, { orders: { event: 'Order Completed' }, within: '30d' })
    expect(rules.lost.rule).toEqual({
      $and: [{ count: { event: 'Order Completed', within: '30d' }, $gte: 1 }],
    })
    expect(rules.champions).toEqual({ rule: null, ruleRefusal: expect.stringMatching(/no cut points/) })
    expect(groupRules([], { orders: { event: 'x' }, within: '1d' }).lost.ruleRefusal).toMatch(/no customers/)
  })
})

describe('ruleBasisOf', () => {
  const p = { history: { maxDays: 90 }, rfm: { revenue: 'revenue' } }
  const dates = { from: '2026-09-01', to: '2026-11-23', zone: 'UTC' }
  it.each<[string, Goal, RegExp]>([
    ['a page goal', { page: '/thanks' }, /page views/],
    ['an event named page', { event: 'page', revenue: 'revenue' }, /"page"/],
    ['another revenue property', { event: 'Renewed', revenue: 'amount' }, /"amount".*"revenue"/],
    [
      'a nested where',
      { event: 'Order', revenue: 'revenue', where: { 'cart.size': { $gt: 2 } } },
      /cart\.size/,
    ],
    [
      'a where inside a list',
      { event: 'Order', revenue: 'revenue', where: { $or: [{ items: { $elemMatch: { sku: 'a' } } }] } },
      /items/,
    ],
  ])('refuses %s', (_, goal, reason) => {
    const basis = ruleBasisOf(goal, p, dates)
    expect('refusal' in basis && basis.refusal).toMatch(reason)
  })

  it('refuses a history longer than segments see, and names the first date that fits', () => {
    const basis = ruleBasisOf({ event: 'Order', revenue: 'revenue' }, p, { ...dates, from: '2026-08-01' })
    const earliest = addDays('2026-11-23', -89)
    expect(basis).toEqual({ refusal: expect.stringContaining(`Choose ${earliest} or later`) })
    expect(ruleBasisOf({ event: 'Order', revenue: 'revenue' }, p, { ...dates, from: earliest })).toEqual({
      orders: { event: 'Order' },
      within: '90d',
    })
  })

  it('keeps a goal’s where in the terms', () => {
    const where = { currency: 'EUR' }
    expect(ruleBasisOf({ event: 'Order', revenue: 'revenue', where }, p, dates)).toEqual({
      orders: { event: 'Order', where },
      within: '84d',
    })
  })
})

describe('cutBetween', () => {
  it.each([
    [45, 60, false, 50],
    [2, 5, true, 3],
    [2, 3, true, 3],
    [10, 20, true, 15],
    [117.43, 120.5, false, 120],
    [45, 45.5, false, 45.1],
    [-5, 0, false, -4],
    [0.001, 0.0011, false, 0.00105],
  ])('between %d and %d (integer %s): %d', (lo, hi, integer, cut) => {
    expect(cutBetween(lo, hi, integer)).toBe(cut)
  })
})
