import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, parseConfig } from './site-config.ts'

const site = { id: 'demo', writeKey: 'demo-write-key', allowedOrigins: ['https://shop.example'] }

describe('site config', () => {
  it('accepts a valid config and defaults allowedOrigins', () => {
    const config = parseConfig({ sites: [site, { id: 'b', writeKey: 'another-key' }] })
    expect(config.sites[1]?.allowedOrigins).toEqual([])
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
