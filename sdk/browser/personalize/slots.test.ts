import { describe, expect, it } from 'vitest'
import { personalizationSchema } from '../../rules/personalization-schema.ts'
import { decide, planSlots } from './slots.ts'

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

describe("the next page's plan", () => {
  const slots = {
    hero: personalizationSchema.parse({
      segments: { fan: { rule: {} }, other: { rule: {} } },
      slots: {
        hero: {
          holdout: 0,
          variants: [
            {
              key: 'fan',
              segment: 'fan',
              content: {
                heading: 'Hi {{traits.name|there}}',
                link: { href: '/x', text: 'For {{traits.name}}' },
                image: { src: '/i.png', alt: '{{traits.name}}' },
              },
            },
            { key: 'other', segment: 'other', content: { text: 'other' } },
          ],
        },
      },
    }).slots.hero!,
  }
  const attributes = { traits: { name: '<b>Ann</b>' } }

  it('plans every slot with its content filled in as text, and the baseline for the rest', () => {
    expect(planSlots({ slots, segments: ['fan'], seed: 's', attributes })).toEqual({
      hero: {
        decision: { slot: 'hero', variant: 'fan' },
        content: {
          heading: 'Hi <b>Ann</b>',
          link: { href: '/x', text: 'For <b>Ann</b>' },
          image: { src: '/i.png', alt: '<b>Ann</b>' },
        },
      },
    })
    expect(planSlots({ slots, segments: [], seed: 's', attributes })).toEqual({
      hero: { decision: { slot: 'hero', variant: 'baseline' } },
    })
  })

  it("follows an experiment's variant over the segments", () => {
    const overrides = new Map([['hero', 'other']])
    expect(planSlots({ slots, segments: ['fan'], seed: 's', attributes, overrides }).hero).toEqual({
      decision: { slot: 'hero', variant: 'other' },
      content: { text: 'other' },
    })
  })
})
