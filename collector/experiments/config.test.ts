import { describe, expect, it } from 'vitest'
import { PERSONALIZATION } from '../../test/support/personalization.ts'
import { ConfigError, parseConfig } from '../config/site-config.ts'

const site = { id: 'demo', writeKey: 'demo-write-key', personalization: PERSONALIZATION }
const checkout = {
  key: 'checkout',
  variations: [{ key: 'control' }, { key: 'one-page' }],
  goals: [{ event: 'Order Completed' }],
}
const parse = (experiments: unknown[]) => parseConfig({ sites: [{ ...site, experiments }] })

describe('site config: experiments', () => {
  it('accepts experiments and fills their defaults; a site without any has none', () => {
    const config = parseConfig({
      sites: [
        { ...site, experiments: [checkout] },
        { id: 'b', writeKey: 'b-write-key' },
      ],
    })
    expect(config.sites[0]!.experiments[0]).toMatchObject({
      key: 'checkout',
      status: 'draft',
      hashVersion: 2,
      hashAttribute: 'anonymousId',
      bucketVersion: 0,
      coverage: 1,
      guardrails: [],
    })
    expect(config.sites[1]!.experiments).toEqual([])
  })

  it.each([
    [
      'a duplicate key',
      [checkout, { ...checkout, name: 'again' }],
      'sites[0].experiments[1].key: duplicate experiment key checkout',
    ],
    [
      'an unknown segment',
      [{ ...checkout, segment: 'nobody' }],
      'sites[0].experiments[0].segment: no segment named nobody',
    ],
    [
      'a change of an unknown slot',
      [
        {
          ...checkout,
          variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'nope', variant: 'x' } } }],
        },
      ],
      'sites[0].experiments[0].variations[1].change.slot: no slot named nope',
    ],
    [
      'a slot variant that does not exist',
      [
        {
          ...checkout,
          variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'banner', variant: 'x' } } }],
        },
      ],
      'sites[0].experiments[0].variations[1].change.slot: slot banner has no variant x',
    ],
    [
      'weights that do not add up',
      [
        {
          ...checkout,
          variations: [
            { key: 'a', weight: 0.5 },
            { key: 'b', weight: 0.2 },
          ],
        },
      ],
      'sites[0].experiments[0].variations: weights must add up to 1',
    ],
    ['no goal', [{ ...checkout, goals: [] }], 'sites[0].experiments[0].goals'],
    ['one variation', [{ ...checkout, variations: [{ key: 'a' }] }], 'sites[0].experiments[0].variations'],
    ['an unknown field', [{ ...checkout, traffic: 1 }], 'sites[0].experiments[0]'],
    [
      'a cap without a property',
      [{ ...checkout, goals: [{ event: 'Order Completed', cap: { percentile: 0.99 } }] }],
      'sites[0].experiments[0].goals[0].cap: a cap needs a property',
    ],
    [
      'a cap percentile out of range',
      [{ ...checkout, goals: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.3 } }] }],
      'sites[0].experiments[0].goals[0].cap.percentile',
    ],
  ])('refuses %s with its path', (_name, experiments, message) => {
    expect(() => parse(experiments)).toThrow(ConfigError)
    expect(() => parse(experiments)).toThrow(message)
  })

  it('accepts a cap on a mean metric', () => {
    const goals = [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.99 } }]
    const config = parse([{ ...checkout, goals }])
    expect(config.sites[0]!.experiments[0]!.goals[0]!.cap).toEqual({ percentile: 0.99 })
  })

  it('accepts a segment and a slot change that exist', () => {
    const config = parse([
      {
        ...checkout,
        segment: 'vip',
        variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'banner', variant: 'mobile-app' } } }],
      },
    ])
    expect(config.sites[0]!.experiments[0]!.segment).toBe('vip')
  })
})
