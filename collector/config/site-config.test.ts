import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PERSONALIZATION } from '../../test/support/personalization.ts'
import { ConfigError, loadConfig, parseConfig } from './site-config.ts'

const site = { id: 'demo', writeKey: 'demo-write-key', allowedOrigins: ['https://shop.example'] }

describe('site config', () => {
  it('accepts a valid config and defaults allowedOrigins', () => {
    const config = parseConfig({ sites: [site, { id: 'b', writeKey: 'another-key' }] })
    expect(config.sites[1]?.allowedOrigins).toEqual([])
    expect(config.sites[1]?.timezone).toBe('UTC')
  })

  it.each([
    ['no sites', { sites: [] }, 'sites: must list at least one site'],
    ['bad id', { sites: [{ ...site, id: 'Demo Site' }] }, 'sites[0].id: must be 1-64'],
    ['short write key', { sites: [{ ...site, writeKey: 'x' }] }, 'sites[0].writeKey: must be at least 8'],
    [
      'origin with a path',
      { sites: [{ ...site, allowedOrigins: ['https://a.example/x'] }] },
      'sites[0].allowedOrigins[0]: must be an origin',
    ],
    [
      'unknown time zone',
      { sites: [{ ...site, timezone: 'Mars/Olympus' }] },
      'sites[0].timezone: must be an IANA time zone',
    ],
    ['duplicate id', { sites: [site, { ...site, writeKey: 'other-key' }] }, 'sites[1].id: duplicate id'],
    ['duplicate write key', { sites: [site, { ...site, id: 'b' }] }, 'sites[1].writeKey: duplicate writeKey'],
  ])('refuses %s with a readable message', (_name, input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError)
    expect(() => parseConfig(input)).toThrow(message)
  })

  it('validates the consent section and fills its defaults', () => {
    const config = parseConfig({
      sites: [
        {
          ...site,
          consent: {
            version: 3,
            strings: { 'zh-CN': { acceptAll: '同意' } },
            services: [{ name: 'GA', purpose: 'analytics', cookies: ['_ga', '_ga_*'] }],
          },
        },
      ],
    })
    expect(config.sites[0]?.consent).toMatchObject({ version: 3, mode: 'opt-in', maxAgeDays: 182 })
    expect(config.sites[0]?.consent.services[0]).toEqual({
      name: 'GA',
      purpose: 'analytics',
      cookies: ['_ga', '_ga_*'],
      storage: [],
      indexedDB: [],
    })
    expect(() =>
      parseConfig({ sites: [{ ...site, consent: { services: [{ name: 'X', purpose: 'ads' }] } }] }),
    ).toThrow('sites[0].consent.services[0].purpose')
    expect(() => parseConfig({ sites: [{ ...site, consent: { strings: { en: { nope: 'x' } } } }] })).toThrow(
      'sites[0].consent.strings.en',
    )
  })

  it('validates the personalization section and fills its defaults', () => {
    const config = parseConfig({
      sites: [
        { ...site, personalization: PERSONALIZATION },
        { ...site, id: 'b', writeKey: 'b-write-key' },
      ],
    })
    const p = config.sites[0]!.personalization
    expect(Object.keys(p.segments)).toEqual(['outdoor-fan', 'mobile', 'vip', 'big-spender'])
    expect(p.slots.banner).toMatchObject({ holdout: 0.05, timeout: 300 })
    expect(p.slots['home-hero']?.variants[1]).toMatchObject({ key: 'vip-offer', priority: 0 })
    expect(p.history).toEqual({ maxEvents: 1000, maxDays: 90, properties: [] })
    expect(p.rfm).toMatchObject({ event: 'Order Completed', revenue: 'revenue', within: '365d' })
    expect(config.sites[1]!.personalization).toMatchObject({ segments: {}, slots: {} })
  })

  const hero = PERSONALIZATION.slots['home-hero']
  const promo = hero.variants[0]!
  const withSlot = (variant: Record<string, unknown>) => ({
    sites: [
      {
        ...site,
        personalization: { ...PERSONALIZATION, slots: { 'home-hero': { ...hero, variants: [variant] } } },
      },
    ],
  })
  const withRule = (rule: unknown) => ({
    sites: [{ ...site, personalization: { segments: { fans: { rule } } } }],
  })
  it.each([
    [
      'a slot variant for an unknown segment',
      withSlot({ ...promo, segment: 'nobody' }),
      'sites[0].personalization.slots.home-hero.variants[0].segment: no segment named nobody',
    ],
    [
      'a behaviour term with a bad window',
      withRule({ count: { event: 'Product Viewed', within: '30 days' }, $gte: 3 }),
      'sites[0].personalization.segments.fans.rule.count.within: must be a number of minutes, hours or days',
    ],
    [
      'a behaviour term with an unknown field',
      withRule({ $or: [{ count: { event: 'Product Viewed', category: 'outdoor' }, $gte: 3 }] }),
      'sites[0].personalization.segments.fans.rule.$or[0].count',
    ],
    [
      'a behaviour term mixed with an attribute',
      withRule({ count: { event: 'Product Viewed' }, $gte: 3, country: 'CN' }),
      'sites[0].personalization.segments.fans.rule: a count term takes only comparison operators',
    ],
    [
      'a javascript: link in slot content',
      withSlot({ ...promo, content: { link: { href: 'javascript:alert(1)', text: 'Go' } } }),
      'sites[0].personalization.slots.home-hero.variants[0].content.link.href: must be an http(s) URL or a path on the site',
    ],
    [
      'a data: image in slot content',
      withSlot({ ...promo, content: { image: { src: 'data:image/png;base64,AAAA', alt: '' } } }),
      'sites[0].personalization.slots.home-hero.variants[0].content.image.src: must be an http(s) URL',
    ],
    [
      'an unknown key',
      { sites: [{ ...site, personalization: { segmentz: {} } }] },
      'sites[0].personalization: Unrecognized key: "segmentz"',
    ],
  ])('refuses %s with its path', (_name, input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError)
    expect(() => parseConfig(input)).toThrow(message)
  })

  it('fills the rate limits with generous defaults and takes partial overrides', () => {
    const config = parseConfig({
      sites: [site, { id: 'b', writeKey: 'b-write-key', rateLimit: { perIp: { perSecond: 5 } } }],
    })
    expect(config.sites[0]?.rateLimit).toEqual({
      perIp: { perSecond: 1000, burst: 2000 },
      perSite: { perSecond: 5000, burst: 10000 },
    })
    expect(config.sites[1]?.rateLimit.perIp).toEqual({ perSecond: 5, burst: 2000 })
  })

  it.each([
    ['a zero rate', { perSite: { perSecond: 0 } }, 'sites[0].rateLimit.perSite.perSecond: must be above 0'],
    ['a fractional burst', { perIp: { burst: 1.5 } }, 'sites[0].rateLimit.perIp.burst'],
    ['an unknown key', { perUser: {} }, 'sites[0].rateLimit'],
  ])('refuses rate limits with %s', (_name, rateLimit, message) => {
    expect(() => parseConfig({ sites: [{ ...site, rateLimit }] })).toThrow(message)
  })

  it('reports every problem at once', () => {
    expect(() => parseConfig({ sites: [{ id: 'X', writeKey: 'x' }] })).toThrow(/id: .*\n.*writeKey: /s)
  })

  it('loads from a file and explains unreadable or malformed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precis-config-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ sites: [site] }))
    expect(loadConfig(good).sites[0]?.id).toBe('demo')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{ "sites": [')
    expect(() => loadConfig(bad)).toThrow(/is not valid JSON/)
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/cannot read site config .*PRECIS_CONFIG/)
  })
})
