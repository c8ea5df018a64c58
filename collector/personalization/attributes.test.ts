import { describe, expect, it } from 'vitest'
import { buildAttributes, deviceType, historyEntry, parseObject } from './attributes.ts'
import type { SituationRow } from './types.ts'

// Monday 23 November 2026, 12:34 UTC.
const NOW = Date.parse('2026-11-23T12:34:00.000Z')

const situation = (overrides: Partial<SituationRow> = {}): SituationRow => ({
  type: 'track',
  userId: null,
  anonymousId: 'a1',
  timestamp: NOW - 1000,
  properties: null,
  context: JSON.stringify({
    page: {
      path: '/outdoor',
      url: 'https://shop.example/outdoor?utm_source=news',
      title: 'Outdoor',
      referrer: '',
      search: '?utm_source=news',
    },
    campaign: { source: 'news', medium: 'email', name: 'autumn', term: 'tent', content: 'hero', gclid: 'x' },
    locale: 'zh-CN',
    device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
    location: { country: 'CN', region: 'SH' },
    userAgent: 'whatever',
    ip: '203.0.113.0',
  }),
  ...overrides,
})

describe('segment attributes', () => {
  it('reads page, campaign, device, language and geo from the latest event, time in UTC', () => {
    expect(
      buildAttributes({ traits: { plan: 'vip' }, userId: 'u-1', situation: situation(), now: NOW }),
    ).toEqual({
      traits: { plan: 'vip' },
      userId: 'u-1',
      anonymousId: 'a1',
      page: {
        path: '/outdoor',
        url: 'https://shop.example/outdoor?utm_source=news',
        title: 'Outdoor',
        referrer: '',
        search: '?utm_source=news',
      },
      campaign: { source: 'news', medium: 'email', name: 'autumn', term: 'tent', content: 'hero' },
      device: { type: 'mobile' },
      language: 'zh-CN',
      geo: { country: 'CN', region: 'SH' },
      hour: 12,
      weekday: 1,
    })
  })

  it("prefers a page view's own properties for the page", () => {
    const row = situation({
      type: 'page',
      properties: JSON.stringify({ path: '/cart', title: 'Cart', url: 42 }),
    })
    expect(buildAttributes({ traits: {}, situation: row, now: NOW }).page).toEqual({
      path: '/cart',
      url: 'https://shop.example/outdoor?utm_source=news',
      title: 'Cart',
      referrer: '',
      search: '?utm_source=news',
    })
  })

  it('leaves out what is not known and defaults the device to desktop', () => {
    const sunday = Date.parse('2026-11-22T23:59:59.999Z')
    expect(buildAttributes({ traits: {}, now: sunday })).toEqual({
      traits: {},
      page: {},
      device: { type: 'desktop' },
      hour: 23,
      weekday: 0,
    })
    const bare = situation({ userId: 'u-9', anonymousId: null, context: '{"locale":"","location":{}}' })
    expect(buildAttributes({ traits: {}, situation: bare, now: NOW })).toEqual({
      traits: {},
      userId: 'u-9',
      page: {},
      device: { type: 'desktop' },
      hour: 12,
      weekday: 1,
    })
  })

  it.each([
    ['mobile', 'mobile'],
    ['tablet', 'tablet'],
    ['desktop', 'desktop'],
    ['smarttv', 'desktop'],
    ['wearable', 'desktop'],
    [undefined, 'desktop'],
  ])('device type %s reads as %s', (type, expected) => {
    expect(deviceType(type)).toBe(expected)
  })

  it('parses only JSON objects', () => {
    expect(parseObject('{"a":1}')).toEqual({ a: 1 })
    expect([null, undefined, '', '[1]', '"x"', '{broken'].map(parseObject)).toEqual(Array(6).fill(undefined))
  })
})

describe('history entries', () => {
  const keys = ['category', 'revenue', 'tags']

  it('keeps only whitelisted, small properties, as the browser does', () => {
    const row = {
      type: 'track' as const,
      name: 'Product Viewed',
      timestamp: 5,
      properties: JSON.stringify({
        category: 'outdoor',
        revenue: 12.5,
        tags: ['a', { nested: true }, 3],
        email: 'ada@example.com',
        sku: 'x-1',
      }),
    }
    expect(historyEntry(row, keys)).toEqual({
      e: 'Product Viewed',
      t: 5,
      p: { category: 'outdoor', revenue: 12.5, tags: ['a', 3] },
    })
    expect(
      historyEntry({ ...row, properties: JSON.stringify({ category: 'x'.repeat(300) }) }, keys).p,
    ).toEqual({
      category: 'x'.repeat(200),
    })
  })

  it("names page views 'page' and leaves p out when nothing is kept", () => {
    const page = { type: 'page' as const, name: null, timestamp: 7, properties: '{"path":"/"}' }
    expect(historyEntry(page, keys)).toEqual({ e: 'page', t: 7 })
    expect(historyEntry({ ...page, properties: null }, keys)).toEqual({ e: 'page', t: 7 })
    expect(historyEntry(page, [])).toEqual({ e: 'page', t: 7 })
  })
})
