import { describe, expect, it } from 'vitest'
import { personalizationSchema } from '../../rules/personalization-schema.ts'
import { decide } from './slots.ts'

const config = (holdout: number) =>
  personalizationSchema.parse({
    segments: { a: { rule: {} }, b: { rule: {} }, c: { rule: {} } },
    slots: {
      hero: {
        holdout,
        variants: [
          { key: 'low', segment: 'a', priority: 1, content: {} },
          { key: 'first-high', segment: 'b', priority: 5, content: {} },
          { key: 'second-high', segment: 'c', priority: 5, content: {} },
        ],
      },
    },
  }).slots.hero!

describe('slot decisions', () => {
  it('takes the highest priority variant the visitor qualifies for; equal priorities keep their order', () => {
    const slot = config(0)
    expect(decide('hero', slot, ['a'], 's')).toEqual({ slot: 'hero', variant: 'low' })
    expect(decide('hero', slot, ['a', 'c'], 's')).toEqual({ slot: 'hero', variant: 'second-high' })
    expect(decide('hero', slot, ['c', 'b', 'a'], 's')).toEqual({ slot: 'hero', variant: 'first-high' })
    expect(decide('hero', slot, ['zzz'], 's')).toEqual({ slot: 'hero', variant: 'baseline' })
  })

  it('holds out a deterministic share of eligible visitors, the same on every page', () => {
    const slot = config(0.05)
    const seeds = Array.from({ length: 20_000 }, (_, i) => `visitor-${i}`)
    const held = seeds.filter((s) => decide('hero', slot, ['a'], s).variant === 'holdout')
    expect(held.length / seeds.length).toBeGreaterThan(0.045)
    expect(held.length / seeds.length).toBeLessThan(0.055)
    // Sticky: each seed gets the same answer again; held-out visitors learn what they would have seen.
    for (const s of held.slice(0, 50))
      expect(decide('hero', slot, ['a'], s)).toEqual({ slot: 'hero', variant: 'holdout', eligible: 'low' })
    // Visitors no variant targets are not part of the holdout.
    expect(seeds.every((s) => decide('hero', slot, [], s).variant === 'baseline')).toBe(true)
  })

  it('holds out independently per slot', () => {
    const slot = config(0.5)
    const seeds = Array.from({ length: 2000 }, (_, i) => `v${i}`)
    const both = seeds.filter(
      (s) =>
        decide('hero', slot, ['a'], s).variant === 'holdout' &&
        decide('promo', slot, ['a'], s).variant === 'holdout',
    )
    expect(both.length / seeds.length).toBeGreaterThan(0.2)
    expect(both.length / seeds.length).toBeLessThan(0.3)
  })
})
