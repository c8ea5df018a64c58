import { describe, expect, it } from 'vitest'
import { personalizationSchema } from '../../rules/personalization-schema.ts'
import { previews } from './plan.ts'
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

describe('a variant for everyone (no segment)', () => {
  const parse = (variants: unknown[], holdout = 0) =>
    personalizationSchema.parse({ segments: { a: { rule: {} } }, slots: { hero: { holdout, variants } } })
      .slots.hero!
  const slot = parse([
    { key: 'everyone', content: {} },
    { key: 'fans', segment: 'a', priority: 1, content: {} },
    { key: 'later', content: {} },
  ])

  it('goes to every personalized visitor whom no variant of higher priority (or earlier) takes', () => {
    expect(decide('hero', slot, [], 's')).toEqual({ slot: 'hero', variant: 'everyone' })
    expect(decide('hero', slot, ['zzz'], 's')).toEqual({ slot: 'hero', variant: 'everyone' })
    expect(decide('hero', slot, ['a'], 's')).toEqual({ slot: 'hero', variant: 'fans' })
    // At equal priority, a segment's variant listed after it never comes first.
    const first = parse([
      { key: 'everyone', content: {} },
      { key: 'fans', segment: 'a', content: {} },
    ])
    expect(decide('hero', first, ['a'], 's').variant).toBe('everyone')
  })

  it('keeps the holdout: a share of everyone gets the baseline, told what they would have seen', () => {
    const held = parse([{ key: 'everyone', content: {} }], 0.1)
    const seeds = Array.from({ length: 10_000 }, (_, i) => `visitor-${i}`)
    const out = seeds.map((s) => decide('hero', held, [], s))
    const share = out.filter((d) => d.variant === 'holdout').length / seeds.length
    expect(share).toBeGreaterThan(0.09)
    expect(share).toBeLessThan(0.11)
    expect(out.filter((d) => d.variant === 'holdout').every((d) => d.eligible === 'everyone')).toBe(true)
    expect(out.every((d) => d.variant === 'holdout' || d.variant === 'everyone')).toBe(true)
  })

  it('is planned for the next page like any variant', () => {
    expect(planSlots({ slots: { hero: slot }, segments: [], seed: 's', attributes: {} }).hero).toEqual({
      decision: { slot: 'hero', variant: 'everyone' },
      content: {},
    })
  })

  it('still needs a named segment to exist', () => {
    const parsed = personalizationSchema.safeParse({
      slots: { hero: { variants: [{ key: 'x', segment: 'nobody', content: {} }] } },
    })
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['slots.hero.variants.0.segment', 'no segment named nobody'],
    ])
    expect(
      personalizationSchema.safeParse({ slots: { hero: { variants: [{ key: 'x', content: {} }] } } }).success,
    ).toBe(true)
  })
})

describe('preview links', () => {
  const slots = personalizationSchema.parse({
    segments: { a: { rule: {} } },
    slots: {
      hero: {
        variants: [
          { key: 'outdoor', segment: 'a', content: {} },
          { key: 'all', content: {} },
        ],
      },
      promo: { variants: [{ key: 'sale', segment: 'a', content: {} }] },
    },
  }).slots

  it('force a known variant or the baseline per slot, several at once; anything unknown is ignored', () => {
    const forced = (search: string) => Object.fromEntries(previews(search, slots))
    expect(forced('?precis_preview=hero:outdoor')).toEqual({ hero: 'outdoor' })
    expect(forced('?x=1&precis_preview=hero:all,promo:baseline')).toEqual({ hero: 'all', promo: 'baseline' })
    expect(forced('?precis_preview=hero:nope,nope:outdoor,promo,toString:x,:outdoor,promo:sale')).toEqual({
      promo: 'sale',
    })
    expect(forced('?precis_preview=')).toEqual({})
    expect(forced('')).toEqual({})
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
