import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromRows, toRows } from './assets/conditions.js'

type Rows = { join: 'all' | 'any'; rows: Record<string, string>[] } | null
const rows = toRows as (c: unknown) => Rows
const back = fromRows as (join: string, rows: unknown[]) => unknown

const demo = JSON.parse(readFileSync(new URL('../../precis.config.json', import.meta.url), 'utf8'))
const segments: Record<string, { rule: unknown }> = demo.sites[0].personalization.segments

describe('the condition builder', () => {
  it('gives back every condition it can show as rows, unchanged', () => {
    const cases = [
      { 'traits.plan': 'pro' },
      { language: { $regex: '^zh' } },
      { hour: { $gte: 18 } },
      { $or: [{ 'device.type': 'mobile' }, { 'campaign.source': { $in: ['news', 7] } }] },
      { $and: [{ count: { event: 'Order Completed' } }, { recency: { event: 'Order Completed' }, $gt: 60 }] },
      { count: { event: 'Product Viewed', within: '30d' }, $gte: 2 },
      { 'traits.zip': '02134' },
      { 'traits.vip': true },
    ]
    for (const c of cases) {
      const r = rows(c)
      expect(r, JSON.stringify(c)).not.toBeNull()
      expect(back(r!.join, r!.rows)).toEqual(c)
    }
  })

  it('turns an object of several attributes into rows joined by all', () => {
    const r = rows({ 'traits.plan': 'pro', hour: { $lt: 9 } })
    expect(r?.join).toBe('all')
    expect(back(r!.join, r!.rows)).toEqual({ $and: [{ 'traits.plan': 'pro' }, { hour: { $lt: 9 } }] })
  })

  it('leaves to JSON what rows cannot say: nesting, where, top, rfm, two operators', () => {
    for (const c of [
      segments['outdoor-fan']!.rule,
      segments['kitchen-lover']!.rule,
      segments['loyal-customer']!.rule,
      { $and: [{ $or: [{ a: 1 }, { b: 2 }] }] },
      { hour: { $gte: 9, $lt: 17 } },
      { $not: { a: 1 } },
    ])
      expect(rows(c), JSON.stringify(c)).toBeNull()
  })

  it('shows no condition as no rows, and no rows as no condition', () => {
    expect(rows(undefined)).toEqual({ join: 'all', rows: [] })
    expect(rows({})).toEqual({ join: 'all', rows: [] })
    expect(back('all', [])).toBeUndefined()
  })

  it('refuses a row without an attribute', () => {
    expect(() =>
      back('all', [{ kind: 'attribute', attribute: ' ', event: '', within: '', op: '$eq', value: 'x' }]),
    ).toThrow(/attribute/)
  })
})
