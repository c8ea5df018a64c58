import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config/site-config.ts'
import { shownTextHash, userAgentFamily } from './evidence.ts'

const sites = (consent: object[]) =>
  parseConfig({ sites: consent.map((c, i) => ({ id: `s${i}`, writeKey: `key-${i}-xxxxxx`, consent: c })) })
    .sites

describe('shownTextHash', () => {
  it('changes with the language, overrides, policy version and services', () => {
    const [plain, custom, revised, withService] = sites([
      {},
      { strings: { en: { acceptAll: 'OK' } } },
      { version: 2 },
      { services: [{ name: 'Vendor', purpose: 'analytics' }] },
    ])
    const base = shownTextHash(plain!, 'en')
    expect(base).toMatch(/^[0-9a-f]{64}$/)
    expect(shownTextHash(plain!, 'en')).toBe(base)
    for (const other of [
      shownTextHash(plain!, 'zh-CN'),
      shownTextHash(custom!, 'en'),
      shownTextHash(revised!, 'en'),
      shownTextHash(withService!, 'en'),
    ])
      expect(other).not.toBe(base)
  })

  it('ignores the order of keys in the config file', () => {
    const [a, b] = sites([
      { services: [{ name: 'V', purpose: 'marketing', cookies: ['_v*'] }], strings: { en: { save: 'S' } } },
      { strings: { en: { save: 'S' } }, services: [{ cookies: ['_v*'], purpose: 'marketing', name: 'V' }] },
    ])
    expect(shownTextHash(a!, 'en')).toBe(shownTextHash(b!, 'en'))
  })

  it('ignores overrides of the other language', () => {
    const [plain, zhOnly] = sites([{}, { strings: { 'zh-CN': { save: '保存' } } }])
    expect(shownTextHash(zhOnly!, 'en')).toBe(shownTextHash(plain!, 'en'))
  })
})

describe('userAgentFamily', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 / Linux',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Mobile Safari 17 / iOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox 133 / Windows',
    ],
    ['curl/8.5.0', 'unknown / unknown'],
    ['', 'unknown / unknown'],
    [undefined, 'unknown / unknown'],
  ])('reduces %s to %s', (ua, family) => {
    expect(userAgentFamily(ua)).toBe(family)
  })

  it('stays short whatever the header holds', () => {
    expect(userAgentFamily(`Chrome/131.0 ${'x'.repeat(20_000)}`).length).toBeLessThan(100)
  })
})
