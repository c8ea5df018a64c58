import { describe, expect, it } from 'vitest'
import type { SlotConfig } from '../../sdk/rules/personalization-schema.ts'
import { wilson } from '../experiments/intervals.ts'
import { slotResults } from './slot-results.ts'

const slot = (goal?: string): SlotConfig => ({
  holdout: 0.1,
  timeout: 300,
  ...(goal ? { goal } : {}),
  variants: [
    { key: 'a', segment: 's', priority: 1, content: {} },
    { key: 'b', segment: 't', priority: 0, content: {} },
  ],
})

const pick = (groups: ReturnType<typeof slotResults>, name: string) => groups.find((g) => g.group === name)!

describe('slot results', () => {
  it('rates each group and lifts variants against the holdout', () => {
    const groups = slotResults(
      slot('Order Completed'),
      [
        { group: 'a', impressions: 30, clicks: 6 },
        { group: 'holdout', impressions: 12, clicks: 0 },
      ],
      [
        { group: 'a', eligible: null, visitors: 20, conversions: 5 },
        { group: 'b', eligible: null, visitors: 10, conversions: 1 },
        { group: 'holdout', eligible: 'a', visitors: 6, conversions: 1 },
        { group: 'holdout', eligible: 'b', visitors: 2, conversions: 0 },
        { group: 'holdout', eligible: null, visitors: 2, conversions: 1 },
      ],
    )
    expect(groups.map((g) => [g.group, g.kind])).toEqual([
      ['a', 'variant'],
      ['b', 'variant'],
      ['holdout', 'holdout'],
      ['baseline', 'baseline'],
    ])
    expect(pick(groups, 'holdout')).toEqual({
      group: 'holdout',
      kind: 'holdout',
      impressions: 12,
      late: 0,
      visitors: 10,
      clicks: 0,
      conversions: 2,
      conversionRate: 0.2,
      ci: wilson(2, 10),
      eligible: {
        a: { visitors: 6, conversions: 1 },
        b: { visitors: 2, conversions: 0 },
        '(none)': { visitors: 2, conversions: 1 },
      },
    })
    expect(pick(groups, 'a')).toMatchObject({ impressions: 30, clicks: 6, conversionRate: 0.25 })
    expect(pick(groups, 'a').lift?.absolute).toBeCloseTo(0.05, 12)
    expect(pick(groups, 'a').lift?.relative).toBeCloseTo(0.25, 12)
    expect(pick(groups, 'b').lift?.absolute).toBeCloseTo(-0.1, 12)
    expect(pick(groups, 'b').lift?.relative).toBeCloseTo(-0.5, 12)
    expect(pick(groups, 'baseline')).toEqual({
      group: 'baseline',
      kind: 'baseline',
      impressions: 0,
      late: 0,
      visitors: 0,
      clicks: 0,
      conversions: 0,
      conversionRate: null,
      ci: null,
    })
  })

  it('has no lift without holdout visitors, and no relative lift over a rate of 0', () => {
    const people = [{ group: 'a', eligible: null, visitors: 4, conversions: 1 }]
    expect(pick(slotResults(slot('Buy'), [], people), 'a').lift).toBeNull()
    const zero = slotResults(
      slot('Buy'),
      [],
      [...people, { group: 'holdout', eligible: 'a', visitors: 3, conversions: 0 }],
    )
    expect(pick(zero, 'a').lift).toEqual({ absolute: 0.25, relative: null })
  })

  it('has no conversions, rates or lift without a goal', () => {
    const groups = slotResults(
      slot(),
      [],
      [
        { group: 'a', eligible: null, visitors: 4, conversions: 0 },
        { group: 'holdout', eligible: 'a', visitors: 3, conversions: 0 },
      ],
    )
    expect(pick(groups, 'a')).toMatchObject({
      visitors: 4,
      conversions: null,
      conversionRate: null,
      ci: null,
      lift: null,
    })
    expect(pick(groups, 'holdout').eligible).toEqual({ a: { visitors: 3, conversions: null } })
  })

  it('keeps groups the config no longer has, after the configured ones, in name order', () => {
    const groups = slotResults(
      slot('Buy'),
      [
        { group: 'zeta', impressions: 1, clicks: 0 },
        { group: 'old', impressions: 2, clicks: 1 },
      ],
      [{ group: 'old', eligible: null, visitors: 1, conversions: 1 }],
    )
    expect(groups.map((g) => g.group)).toEqual(['a', 'b', 'holdout', 'baseline', 'old', 'zeta'])
    expect(pick(groups, 'old')).toEqual({
      group: 'old',
      kind: 'unknown',
      impressions: 2,
      late: 0,
      visitors: 1,
      clicks: 1,
      conversions: 1,
      conversionRate: 1,
      ci: wilson(1, 1),
    })
    expect(pick(groups, 'old').ci![1]).toBe(1) // one of one: the interval ends at 100 %, never above
  })

  it('counts late impressions for the variant they were decided for, and all of them in the baseline', () => {
    const groups = slotResults(
      slot('Buy'),
      [
        { group: 'a', impressions: 37, clicks: 0 },
        { group: 'baseline', impressions: 100, clicks: 0 },
      ],
      [],
      [
        { eligible: null, late: 1 },
        { eligible: 'a', late: 3 },
        { eligible: 'gone', late: 2 },
      ],
    )
    expect(groups.map((g) => [g.group, g.impressions, g.late])).toEqual([
      ['a', 37, 3],
      ['b', 0, 0],
      ['holdout', 0, 0],
      ['baseline', 100, 6],
      ['gone', 0, 2],
    ])
    expect(pick(groups, 'gone').kind).toBe('unknown')
  })

  it('treats a variant for everyone (no segment) like any other, against the holdout it shares', () => {
    const everyone: SlotConfig = {
      ...slot('Order Completed'),
      variants: [{ key: 'all', priority: 0, content: {} }],
    }
    const groups = slotResults(
      everyone,
      [{ group: 'all', impressions: 9, clicks: 1 }],
      [
        { group: 'all', eligible: null, visitors: 9, conversions: 3 },
        { group: 'holdout', eligible: 'all', visitors: 1, conversions: 0 },
      ],
    )
    expect(pick(groups, 'all')).toMatchObject({ kind: 'variant', visitors: 9, lift: { absolute: 1 / 3 } })
    expect(pick(groups, 'holdout').eligible).toEqual({ all: { visitors: 1, conversions: 0 } })
  })
})
