import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../config/site-config.ts'

const withEnrichment = (enrichment: unknown) =>
  parseConfig({ sites: [{ id: 'demo', writeKey: 'demo-write-key', enrichment }] }).sites[0]!.enrichment

describe('enrichment config', () => {
  it('defaults to flagging bots and truncating IPs, trusting no proxy', () => {
    const site = parseConfig({ sites: [{ id: 'demo', writeKey: 'demo-write-key' }] }).sites[0]!
    expect(site.enrichment).toEqual({ bots: 'flag', ip: 'truncate', trustProxy: false })
  })

  it('accepts every field and lower-cases header names', () => {
    expect(
      withEnrichment({
        bots: 'drop',
        ip: 'discard',
        trustProxy: true,
        geoHeaders: { country: 'CF-IPCountry', region: 'x-vercel-ip-country-region' },
      }),
    ).toEqual({
      bots: 'drop',
      ip: 'discard',
      trustProxy: true,
      geoHeaders: { country: 'cf-ipcountry', region: 'x-vercel-ip-country-region' },
    })
  })

  it.each([
    ['an unknown bot policy', { bots: 'block' }, 'sites[0].enrichment.bots: must be "flag" or "drop"'],
    ['an unknown IP policy', { ip: 'hash' }, 'sites[0].enrichment.ip: must be "truncate" or "discard"'],
    ['a trustProxy string', { trustProxy: 'yes' }, 'sites[0].enrichment.trustProxy: must be true or false'],
    ['an unknown key', { city: true }, 'sites[0].enrichment: Unrecognized key: "city"'],
    [
      'an unknown geo header key',
      { trustProxy: true, geoHeaders: { latitude: 'x-lat' } },
      'sites[0].enrichment.geoHeaders: Unrecognized key: "latitude"',
    ],
    [
      'a header name with a space',
      { trustProxy: true, geoHeaders: { country: 'cf ipcountry' } },
      'sites[0].enrichment.geoHeaders.country: must be a header name',
    ],
    [
      'geo headers without a trusted proxy',
      { geoHeaders: { country: 'cf-ipcountry' } },
      'sites[0].enrichment.geoHeaders: geoHeaders needs trustProxy: true',
    ],
  ])('refuses %s with a readable message', (_name, enrichment, message) => {
    expect(() => withEnrichment(enrichment)).toThrow(ConfigError)
    expect(() => withEnrichment(enrichment)).toThrow(message)
  })
})
