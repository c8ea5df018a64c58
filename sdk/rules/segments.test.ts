import { describe, expect, it } from 'vitest'
import { personalizationSchema } from './personalization-schema.ts'
import {
  createSegmentEngine,
  type HistoryEntry,
  historyProperties,
  pickProperties,
  type Rule,
  windowOf,
} from './segments.ts'

const DAY = 86_400_000
const NOW = Date.parse('2026-11-23T12:00:00Z')
const ago = (days: number) => NOW - days * DAY

const engineFor = (rules: Record<string, Rule>, extra: object = {}) => {
  const p = personalizationSchema.parse({
    segments: Object.fromEntries(Object.entries(rules).map(([k, rule]) => [k, { rule }])),
    ...extra,
  })
  return createSegmentEngine(p)
}
const viewed = (category: string, daysAgo: number): HistoryEntry => ({
  e: 'Product Viewed',
  t: ago(daysAgo),
  p: { category },
})
const order = (revenue: number, daysAgo: number): HistoryEntry => ({
  e: 'Order Completed',
  t: ago(daysAgo),
  p: { revenue },
})

describe('behaviour terms', () => {
  const outdoor = {
    count: { event: 'Product Viewed', where: { category: 'outdoor' }, within: '30d' },
    $gte: 3,
  }

  it('counts matching events within the window', () => {
    const engine = engineFor({ outdoor })
    for (const d of [1, 2, 40]) engine.add(viewed('outdoor', d), NOW)
    engine.add(viewed('kitchen', 1), NOW)
    expect(engine.evaluate({}, NOW)).toEqual([])
    engine.add(viewed('outdoor', 0), NOW)
    expect(engine.evaluate({}, NOW)).toEqual(['outdoor'])
    // Two of the four outdoor views leave the window as time passes.
    expect(engine.evaluate({}, NOW + 29.5 * DAY)).toEqual([])
  })

  it.each<[string, Rule, HistoryEntry[], boolean]>([
    [
      'recency: seen within 7 days',
      { recency: { event: 'Product Viewed' }, $lte: 7 },
      [viewed('x', 3)],
      true,
    ],
    ['recency: too long ago', { recency: { event: 'Product Viewed' }, $lte: 7 }, [viewed('x', 8)], false],
    ['recency: never seen is not recent', { recency: { event: 'Product Viewed' }, $lte: 7 }, [], false],
    ['recency: never seen counts as lapsed', { recency: { event: 'Product Viewed' }, $gt: 30 }, [], true],
    [
      'first: the earliest match in the window, as an ISO instant',
      {
        first: { event: 'Order Completed', within: '30d' },
        $gte: '2026-11-13T00:00:00.000Z',
        $lt: '2026-11-14T00:00:00.000Z',
      },
      [order(5, 40), order(5, 10.25), order(5, 2)],
      true,
    ],
    [
      'first: a match before the window is not the first',
      { first: { event: 'Order Completed', within: '30d' }, $gte: '2026-11-13T00:00:00.000Z' },
      [order(5, 40)],
      false,
    ],
    ['first: without a match, no time', { first: { event: 'Order Completed' } }, [viewed('x', 1)], false],
    [
      'frequency: distinct days',
      { frequency: { within: '30d' }, $gte: 2 },
      [viewed('a', 1), viewed('b', 1)],
      false,
    ],
    [
      'frequency: two days',
      { frequency: { within: '30d' }, $gte: 2 },
      [viewed('a', 1), viewed('b', 2)],
      true,
    ],
    [
      'monetary: sum of revenue',
      { monetary: { event: 'Order Completed' }, $gte: 100 },
      [order(60, 2), order(50, 1)],
      true,
    ],
    [
      'monetary: ignores non-numbers',
      { monetary: {}, $gt: 0 },
      [{ e: 'X', t: ago(1), p: { revenue: '9' } }],
      false,
    ],
    [
      'top: the most viewed category',
      { top: { event: 'Product Viewed', property: 'category' }, $eq: 'outdoor' },
      [viewed('outdoor', 3), viewed('kitchen', 2), viewed('outdoor', 1)],
      true,
    ],
    [
      'top: ties go to the most recent',
      { top: { event: 'Product Viewed', property: 'category' }, $eq: 'kitchen' },
      [viewed('outdoor', 3), viewed('kitchen', 2)],
      true,
    ],
    ['a term without operators: any at all', { count: { event: 'Order Completed' } }, [order(5, 1)], true],
    ['a term without operators: none', { count: { event: 'Order Completed' } }, [viewed('x', 1)], false],
    ['events as a list', { count: { event: ['A', 'Order Completed'] }, $eq: 1 }, [order(5, 1)], true],
    [
      'where with operators',
      { count: { where: { revenue: { $gt: 10 } } }, $eq: 1 },
      [order(5, 1), order(20, 1)],
      true,
    ],
  ])('%s', (_, rule, entries, expected) => {
    const engine = engineFor({ s: rule })
    for (const e of entries) engine.add(e, NOW)
    expect(engine.evaluate({}, NOW)).toEqual(expected ? ['s'] : [])
  })

  it('scores RFM 1-5 on the configured cuts, 0 without orders', () => {
    const rules = Object.fromEntries(
      (['r', 'f', 'm', 'total'] as const).flatMap((k) =>
        [0, 1, 2, 3, 4, 5, 15].map((n) => [`${k}${n}`, { rfm: k, $eq: n }]),
      ),
    )
    const engine = engineFor(rules)
    expect(engine.evaluate({}, NOW)).toEqual(['r0', 'f0', 'm0', 'total0'])
    // Last order 20 days ago (r 4), 3 orders (f 3 with cuts 2, 3, 5, 8), 260 spent (m 3).
    for (const [revenue, days] of [
      [100, 80],
      [60, 50],
      [100, 20],
    ] as const)
      engine.add(order(revenue, days), NOW)
    expect(engine.evaluate({}, NOW)).toEqual(['r4', 'f3', 'm3'])
    engine.add(order(1000, 0), NOW)
    for (let i = 0; i < 4; i++) engine.add(order(1, 0), NOW)
    expect(engine.evaluate({}, NOW)).toEqual(['r5', 'f5', 'm5', 'total15'])
  })
})

describe('nearest: the closest centroid of z-scored behaviour', () => {
  // Orders (count) and revenue (monetary): centre (2, 100), scale (1, 50); centroids at
  // z (−1, −1) "few and small", (1, 1) "many and big", (0, 2) "few and big".
  const nearest = {
    features: [{ count: { event: 'Order Completed' } }, { monetary: { event: 'Order Completed' } }],
    center: [2, 100],
    scale: [1, 50],
    centroids: [
      [-1, -1],
      [1, 1],
      [0, 2],
    ],
  }
  const cluster = (k: number) => ({ nearest, $eq: k })

  it.each<[string, HistoryEntry[], number | null]>([
    ['one small order: (−1, −1.8)', [order(10, 1)], 0],
    ['three orders of 60: (1, 1.6)', [order(60, 1), order(60, 2), order(60, 3)], 1],
    ['two orders of 100: (0, 2), on the third centroid', [order(100, 1), order(100, 2)], 2],
    ['half way between the first two: the first', [order(50, 1), order(50, 2)], 0],
    ['no order: recency would be infinite, but count and monetary are 0', [], 0],
  ])('%s', (_, entries, k) => {
    const engine = engineFor({ a: cluster(0), b: cluster(1), c: cluster(2) })
    for (const e of entries) engine.add(e, NOW)
    expect(engine.evaluate({}, NOW)).toEqual(k === null ? [] : [['a', 'b', 'c'][k]])
  })

  it('is in no cluster when a feature is not a finite number', () => {
    const withRecency = {
      ...nearest,
      features: [{ recency: { event: 'Order Completed' } }, nearest.features[1]!],
    }
    const engine = engineFor({ a: { nearest: withRecency, $eq: 0 }, b: { nearest: withRecency, $ne: 0 } })
    engine.add(viewed('x', 1), NOW)
    expect(engine.evaluate({}, NOW)).toEqual(['b'])
  })

  it('refuses a feature that is no numeric term, and lengths that do not match', () => {
    const parse = (n: unknown) =>
      personalizationSchema
        .safeParse({ segments: { s: { rule: { nearest: n, $eq: 0 } } } })
        .error?.issues.map((i) => [i.path.join('.'), i.message])
    expect(parse(nearest)).toBeUndefined()
    expect(parse({ ...nearest, features: [{ top: { property: 'x' } }, nearest.features[1]] })).toEqual([
      [
        'segments.s.rule.nearest.features.0',
        'a feature is one term of count, recency, frequency, monetary, rfm, without operators',
      ],
    ])
    expect(parse({ ...nearest, center: [1], centroids: [[1, 2, 3]] })).toEqual([
      ['segments.s.rule.nearest.center', 'must have 2 numbers, one per feature'],
      ['segments.s.rule.nearest.centroids.0', 'must have 2 numbers, one per feature'],
    ])
    expect(parse({ ...nearest, scale: [1, 0] })?.[0]?.[0]).toBe('segments.s.rule.nearest.scale.1')
  })

  it('keeps the properties its features read', () => {
    const p = personalizationSchema.parse({
      segments: {
        s: {
          rule: {
            nearest: {
              ...nearest,
              features: [{ count: { where: { tier: 'gold' } } }],
              center: [0],
              scale: [1],
              centroids: [[0]],
            },
            $eq: 0,
          },
        },
      },
    })
    expect(historyProperties(p)).toContain('tier')
  })
})

describe('rules mix conditions and behaviour', () => {
  const attributes = {
    traits: { plan: 'pro', age: 34 },
    language: 'zh-CN',
    page: { path: '/demo/outdoor.html' },
    campaign: { source: 'newsletter' },
    device: { type: 'mobile' },
    hour: 21,
    weekday: 6,
  }

  it.each<[string, Rule, boolean]>([
    ['demographic: traits', { 'traits.plan': 'pro', 'traits.age': { $gte: 30 } }, true],
    ['geographic: language', { language: { $regex: '^zh' } }, true],
    ['context: campaign and device', { 'campaign.source': 'newsletter', 'device.type': 'mobile' }, true],
    ['time of day and weekend', { hour: { $gte: 18 }, weekday: { $in: [0, 6] } }, true],
    ['$and of behaviour and traits', { $and: [{ 'traits.plan': 'pro' }, { count: {}, $gte: 1 }] }, true],
    ['$or with a failing behaviour', { $or: [{ count: {}, $gte: 5 }, { language: 'en' }] }, false],
    ['$nor', { $nor: [{ count: {}, $gte: 5 }, { language: 'en' }] }, true],
    ['$not of behaviour', { $not: { count: {}, $gte: 5 } }, true],
    ['empty $or is true, as in GrowthBook', { $or: [] }, true],
    ['unknown operators are false, never a throw', { language: { $nope: 1 } }, false],
  ])('%s', (_, rule, expected) => {
    const engine = engineFor({ s: rule })
    engine.add(viewed('outdoor', 1), NOW)
    expect(engine.evaluate(attributes, NOW)).toEqual(expected ? ['s'] : [])
  })

  it('is false, never a throw, for a malformed rule that bypassed validation', () => {
    const engine = createSegmentEngine({
      ...personalizationSchema.parse({}),
      segments: { s: { rule: { $and: 'x', $or: [null] } as Rule }, t: { rule: { count: null } as Rule } },
    })
    expect(engine.evaluate(attributes, NOW)).toEqual([])
  })

  it('keeps the config order and evaluates every segment', () => {
    const engine = engineFor({ b: {}, a: { language: 'zh-CN' }, c: { language: 'en' } })
    expect(engine.evaluate(attributes, NOW)).toEqual(['b', 'a'])
  })
})

describe('history bounds', () => {
  it('forgets the oldest beyond maxEvents and anything older than maxDays, and says which', () => {
    const engine = engineFor({ s: { count: {}, $gte: 3 } }, { history: { maxEvents: 3, maxDays: 10 } })
    const entries = [viewed('a', 12), viewed('b', 5), viewed('c', 4), viewed('d', 3), viewed('e', 2)]
    expect(engine.add(entries[0]!, NOW)).toEqual([entries[0]])
    expect(engine.add(entries[1]!, NOW)).toEqual([])
    engine.add(entries[2]!, NOW)
    expect(engine.add(entries[3]!, NOW)).toEqual([])
    expect(engine.evaluate({}, NOW)).toEqual(['s'])
    expect(engine.add(entries[4]!, NOW)).toEqual([entries[1]])
    expect(engine.entries().map((e) => e.p?.category)).toEqual(['c', 'd', 'e'])
    // Four days on, c is past maxDays: the count falls below 3.
    expect(engine.evaluate({}, NOW + 6.5 * DAY)).toEqual([])
  })

  it('keeps history in time order when events arrive out of order', () => {
    const engine = engineFor({ s: { recency: {}, $lte: 1 } })
    engine.add(viewed('new', 0.5), NOW)
    engine.add(viewed('old', 3), NOW)
    expect(engine.entries().map((e) => e.p?.category)).toEqual(['old', 'new'])
    expect(engine.evaluate({}, NOW)).toEqual(['s'])
  })
})

describe('minimisation', () => {
  it('keeps only the properties the rules read, small values only', () => {
    const p = personalizationSchema.parse({
      segments: {
        a: { rule: { count: { where: { category: 'x', 'price.amount': { $gt: 1 } } }, $gte: 1 } },
        b: { rule: { $or: [{ top: { property: 'brand' } }, { 'traits.plan': 'pro' }] } },
      },
      history: { properties: ['sku'] },
    })
    const keys = historyProperties(p).sort()
    expect(keys).toEqual(['brand', 'category', 'price', 'revenue', 'sku'])
    expect(
      pickProperties(
        { category: 'x'.repeat(300), email: 'a@b.c', sku: ['a', 1, { deep: true }], brand: null, revenue: 5 },
        keys,
      ),
    ).toEqual({ category: 'x'.repeat(200), sku: ['a', 1], revenue: 5 })
  })
})

describe('config', () => {
  it('parses windows', () => {
    expect(windowOf('45m')).toBe(45 * 60_000)
    expect(windowOf('12h')).toBe(12 * 3_600_000)
    expect(windowOf('30d')).toBe(30 * DAY)
    expect(windowOf(undefined)).toBeUndefined()
  })

  it.each<[string, object, string]>([
    ['a term with a stray key', { segments: { s: { rule: { count: {}, plan: 'x' } } } }, 'segments.s.rule'],
    [
      'a bad window',
      { segments: { s: { rule: { count: { within: '3 weeks' } } } } },
      'segments.s.rule.count.within',
    ],
    [
      'an unknown rfm score',
      { segments: { s: { rule: { $and: [{ rfm: 'x' }] } } } },
      'segments.s.rule.$and.0.rfm',
    ],
    [
      'a slot aimed at a missing segment',
      { slots: { hero: { variants: [{ key: 'v', segment: 'nope', content: {} }] } } },
      'slots.hero.variants.0.segment',
    ],
    [
      'a javascript: link',
      {
        segments: { s: { rule: {} } },
        slots: {
          hero: {
            variants: [
              { key: 'v', segment: 's', content: { link: { href: 'javascript:alert(1)', text: 'x' } } },
            ],
          },
        },
      },
      'slots.hero.variants.0.content.link.href',
    ],
  ])('refuses %s, with its path', (_, input, path) => {
    const result = personalizationSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path)
  })
})
