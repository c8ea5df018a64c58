import { describe, expect, it } from 'vitest'
import { goalSchema, goalsSchema, pageMatches } from './goal-schema.ts'

const issues = (input: unknown) =>
  (goalSchema.safeParse(input).error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }))

describe('goal schema', () => {
  it('takes an event goal with a filter and a revenue property, or a page goal', () => {
    const order = {
      name: 'Order',
      description: 'A completed order',
      event: 'Order Completed',
      where: { currency: 'EUR' },
      revenue: 'revenue',
    }
    expect(goalSchema.parse(order)).toEqual(order)
    expect(goalSchema.parse({ page: '/thank-you' })).toEqual({ page: '/thank-you' })
    expect(goalSchema.parse({ page: '/orders/*/done' })).toEqual({ page: '/orders/*/done' })
  })

  it('needs exactly one of event and page', () => {
    expect(issues({ name: 'Nothing' })).toEqual([
      { path: [], message: 'give an event or a page: what a visitor does to reach the goal' },
    ])
    expect(issues({ event: 'Signed Up', page: '/welcome' })).toEqual([
      { path: ['page'], message: 'give an event or a page, not both' },
    ])
  })

  it('takes where and revenue only with an event', () => {
    expect(issues({ page: '/thank-you', where: { a: 1 }, revenue: 'value' })).toEqual([
      { path: ['where'], message: 'only an event goal takes where' },
      { path: ['revenue'], message: 'only an event goal takes revenue' },
    ])
  })

  it('refuses a page that is not a path, unknown fields and empty names', () => {
    const message = 'must be a path starting with "/", without spaces ("*" matches any characters)'
    expect(issues({ page: 'thank-you' })).toEqual([{ path: ['page'], message }])
    expect(issues({ page: '/thank you' })).toEqual([{ path: ['page'], message }])
    expect(issues({ event: 'X', url: '/x' }).map((i) => i.path)).toEqual([[]])
    expect(issues({ event: '' }).map((i) => i.path)).toEqual([['event']])
    expect(issues({ event: 'X', where: 'EUR' }).map((i) => i.path)).toEqual([['where']])
  })

  it('keys goals like every other key of the config, and defaults to none', () => {
    expect(goalsSchema.parse(undefined)).toEqual({})
    expect(goalsSchema.safeParse({ 'signed-up': { event: 'Signed Up' } }).success).toBe(true)
    const bad = goalsSchema.safeParse({ 'Signed Up': { event: 'Signed Up' } })
    expect(bad.success).toBe(false)
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`g${i}`, { event: 'E' }]))
    expect(goalsSchema.safeParse(many).error?.issues[0]?.message).toBe('at most 100 goals')
  })
})

describe('pageMatches', () => {
  it('matches the whole path, `*` any characters, nothing else special', () => {
    expect(pageMatches('/thank-you', '/thank-you')).toBe(true)
    expect(pageMatches('/thank-you', '/thank-you/again')).toBe(false)
    expect(pageMatches('/orders/*/done', '/orders/42/done')).toBe(true)
    expect(pageMatches('/orders/*/done', '/orders/done')).toBe(false)
    expect(pageMatches('/blog/*', '/blog/')).toBe(true)
    expect(pageMatches('/a.b', '/axb')).toBe(false)
    expect(pageMatches('/a?b', '/a?b')).toBe(true)
  })
})
