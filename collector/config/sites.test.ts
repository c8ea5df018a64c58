import { describe, expect, it } from 'vitest'
import { parseConfig } from './site-config.ts'
import { createSites } from './sites.ts'

const UNTIL = '2026-12-06T12:00:00.000Z'
const config = parseConfig({
  sites: [
    {
      id: 'demo',
      writeKey: 'new-write-key',
      previousWriteKey: 'old-write-key',
      previousWriteKeyUntil: UNTIL,
      serverKey: 'new-server-key-0123456789abc',
      previousServerKey: 'old-server-key-0123456789abc',
    },
  ],
})

describe('createSites', () => {
  it('a rotated key works until its time; the new one from the start', () => {
    let now = Date.parse(UNTIL) - 1
    const sites = createSites(config, [], () => now)
    expect(sites.byWriteKey('new-write-key')?.id).toBe('demo')
    expect(sites.byWriteKey('old-write-key')?.id).toBe('demo')
    expect(sites.byServerKey('old-server-key-0123456789abc')?.id).toBe('demo')
    now = Date.parse(UNTIL)
    expect(sites.byWriteKey('old-write-key')).toBeUndefined()
    expect(sites.byWriteKey('new-write-key')?.id).toBe('demo')
    // No end given: the previous server key works until it is removed.
    expect(sites.byServerKey('old-server-key-0123456789abc')?.id).toBe('demo')
  })

  it('follows the config a function returns, rebuilding its lookups when it changes', () => {
    let current = config
    const sites = createSites(() => current)
    expect(sites.byId('shop')).toBeUndefined()
    current = parseConfig({
      sites: [{ id: 'shop', writeKey: 'shop-write-key', allowedOrigins: ['https://shop.example'] }],
    })
    expect(sites.byId('shop')?.id).toBe('shop')
    expect(sites.byWriteKey('shop-write-key')?.id).toBe('shop')
    expect(sites.byWriteKey('new-write-key')).toBeUndefined()
    expect(sites.anyAllows('https://shop.example')).toBe(true)
  })

  it('a key is one site and one kind: a previous write key may not be another key', () => {
    expect(() =>
      parseConfig({
        sites: [
          { id: 'a', writeKey: 'a-write-key' },
          { id: 'b', writeKey: 'b-write-key', previousWriteKey: 'a-write-key' },
        ],
      }),
    ).toThrow(/sites\[1\]\.previousWriteKey: duplicate previousWriteKey/)
  })
})
