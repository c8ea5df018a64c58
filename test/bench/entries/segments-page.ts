// Runs in Chromium (bundled by test/bench/segments.ts): builds rules and history, then times
// evaluate() and add()+evaluate() as the SDK runs them on each event.
import { createSegmentEngine } from '../../../sdk/rules/segments.ts'

const run = (rules: number, events: number) => {
  const names = ['Product Viewed', 'Product Added', 'Order Completed', 'page', 'Search', 'Signed Up']
  const categories = ['outdoor', 'kitchen', 'garden', 'toys', 'books']
  const kinds = [
    (i: number) => ({
      count: { event: names[i % 3], where: { category: categories[i % 5] }, within: `${7 + (i % 60)}d` },
      $gte: 2 + (i % 4),
    }),
    (i: number) => ({ recency: { event: names[i % 6] }, $lte: 1 + (i % 30) }),
    (i: number) => ({ frequency: { within: '30d' }, $gte: 1 + (i % 5) }),
    (i: number) => ({
      top: { event: 'Product Viewed', property: 'category', within: '30d' },
      $eq: categories[i % 5],
    }),
    (i: number) => ({
      $and: [
        { rfm: 'r', $gte: 1 + (i % 5) },
        { rfm: 'm', $gte: 2 },
      ],
    }),
    (i: number) => ({
      $or: [
        { 'traits.plan': { $in: ['pro', 'team'] }, language: { $regex: i % 2 ? '^zh' : '^en' } },
        { count: { where: { price: { $gt: 10 * (i % 9) } } }, $gte: 5 },
      ],
    }),
  ]
  const segments: Record<string, { rule: Record<string, unknown> }> = {}
  for (let i = 0; i < rules; i++) segments[`s${i}`] = { rule: kinds[i % kinds.length]!(i) }
  const engine = createSegmentEngine({
    segments,
    rfm: {
      event: 'Order Completed',
      revenue: 'revenue',
      within: '365d',
      recency: [7, 30, 90, 180],
      frequency: [2, 3, 5, 8],
      monetary: [50, 200, 500, 1000],
    },
    history: { maxEvents: events, maxDays: 90 },
  })
  const now = Date.now()
  let seed = 7
  const random = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  const event = (t: number) => ({
    e: names[Math.floor(random() * names.length)]!,
    t,
    p: { category: categories[Math.floor(random() * 5)], price: Math.round(random() * 200), revenue: 40 },
  })
  for (let i = 0; i < events; i++) engine.add(event(now - (events - i) * 7_000_000), now)
  const attributes = { traits: { plan: 'pro' }, language: 'en-GB', page: { path: '/' }, hour: 12, weekday: 2 }
  const p95 = (samples: number[]) => samples.sort((a, b) => a - b)[Math.floor(samples.length * 0.95)]!
  const evaluate: number[] = []
  const update: number[] = []
  let members = 0
  for (let i = 0; i < 500; i++) {
    let start = performance.now()
    members += engine.evaluate(attributes, now + i).length
    evaluate.push(performance.now() - start)
    start = performance.now()
    engine.add(event(now + i), now + i)
    members += engine.evaluate(attributes, now + i).length
    update.push(performance.now() - start)
  }
  return { evaluateP95: p95(evaluate), updateP95: p95(update), members, remembered: engine.entries().length }
}

;(window as unknown as { runSegmentsBench: typeof run }).runSegmentsBench = run
