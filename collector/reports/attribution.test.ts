import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AttributionPerson, attribute, MODELS, shares, type Touch } from './attribution.ts'

const DAY = 86_400_000
const touch = (day: number, channel: string, campaign: string | null = null): Touch => ({
  at: day * DAY,
  channel,
  campaign,
  source: null,
})
/** Credits of one model as `{ key: conversions }`, rounded against float noise. */
const table = (rows: { key: string; conversions: number }[]) =>
  Object.fromEntries(rows.map((r) => [r.key, Math.round(r.conversions * 1e9) / 1e9]))

describe('attribution: the models', () => {
  // Organic search, then an email, then two direct visits; 100 spent on day 30.
  const person: AttributionPerson = {
    touches: [
      touch(20, 'Direct'),
      touch(0, 'Organic Search'),
      touch(29, 'Direct'),
      touch(10, 'Email', 'spring'),
    ],
    conversions: [{ at: 30 * DAY, value: 100 }],
  }
  const { models, attributed, unattributed } = attribute([person])

  it('first touch: the earliest, from touches given in any order', () => {
    expect(models.first).toEqual([{ key: 'Organic Search', conversions: 1, value: 100 }])
  })

  it('last non-direct touch: direct visits never take credit from a known source', () => {
    expect(models.lastNonDirect).toEqual([{ key: 'Email', conversions: 1, value: 100 }])
  })

  it('last non-direct touch: the last direct visit when all are direct', () => {
    const direct = {
      touches: [touch(1, 'Direct'), touch(2, 'Direct')],
      conversions: [{ at: 3 * DAY, value: 5 }],
    }
    expect(attribute([direct]).models.lastNonDirect).toEqual([{ key: 'Direct', conversions: 1, value: 5 }])
    expect(shares('lastNonDirect', direct.touches)).toEqual([0, 1])
  })

  it('linear: equal parts, summed per key', () => {
    expect(table(models.linear)).toEqual({ Direct: 0.5, 'Organic Search': 0.25, Email: 0.25 })
    expect(models.linear.map((r) => r.key)).toEqual(['Direct', 'Email', 'Organic Search'])
  })

  it('position: 40 % first, 40 % last, 20 % over the middle', () => {
    expect(table(models.position)).toEqual({ Direct: 0.5, 'Organic Search': 0.4, Email: 0.1 })
    const [a, b, c] = [touch(1, 'A'), touch(2, 'B'), touch(3, 'C')]
    expect(shares('position', [a])).toEqual([1])
    expect(shares('position', [a, b])).toEqual([0.5, 0.5])
    expect(shares('position', [a, b, c])).toEqual([0.4, 0.2, 0.4])
  })

  it('time decay: halves every half-life before the conversion', () => {
    // Δt 20, 10 and 0 days with a 10-day half-life: weights 1/4, 1/2, 1, so 1/7, 2/7, 4/7.
    const three = [touch(10, 'A'), touch(20, 'B'), touch(30, 'C')]
    const got = shares('timeDecay', three, 10 * DAY)
    expect(got.map((s) => s * 7)).toEqual([1, 2, 4].map((n) => expect.closeTo(n, 12)))
    const decayed = {
      touches: [touch(23, 'A'), touch(30, 'B')],
      conversions: [{ at: 30 * DAY, value: 30 }],
    }
    // The default half-life is 7 days: 1/2 against 1.
    expect(table(attribute([decayed]).models.timeDecay)).toEqual({ A: 0.333333333, B: 0.666666667 })
  })

  it('time decay: a half-life far below the lookback does not underflow to NaN', () => {
    const far = [touch(0, 'A'), touch(90, 'B')]
    expect(shares('timeDecay', far, 1)).toEqual([0, 1])
  })

  it('credits the value in the same fractions and counts the conversion once', () => {
    expect(models.position.find((r) => r.key === 'Email')!.value).toBeCloseTo(10)
    expect(attributed).toEqual({ conversions: 1, value: 100 })
    expect(unattributed).toEqual({ conversions: 0, value: 0 })
  })

  it('keys rows as the caller likes: channel and campaign', () => {
    const key = (t: Touch) => `${t.channel} / ${t.campaign ?? '(none)'}`
    expect(attribute([person], { key }).models.lastNonDirect[0]!.key).toBe('Email / spring')
  })

  it('lets the caller say what is direct', () => {
    const isDirect = (t: Touch) => t.channel === 'Email' || t.channel === 'Direct'
    expect(attribute([person], { isDirect }).models.lastNonDirect[0]!.key).toBe('Organic Search')
  })
})

describe('attribution: which touches count', () => {
  const lookback = 30 * DAY
  const convert = (touches: Touch[], day = 40, value = 10): AttributionPerson => ({
    touches,
    conversions: [{ at: day * DAY, value }],
  })

  it('counts a touch exactly at the lookback, not one ms older', () => {
    const edge = { ...touch(10, 'Email'), at: 10 * DAY }
    const older = { ...touch(10, 'Social'), at: 10 * DAY - 1 }
    expect(attribute([convert([older, edge])], { lookback }).models.first[0]!.key).toBe('Email')
  })

  it('leaves a conversion whose touches are all older than the lookback unattributed', () => {
    const { models, attributed, unattributed } = attribute([convert([touch(5, 'Email')], 40, 7)], {
      lookback,
    })
    expect(unattributed).toEqual({ conversions: 1, value: 7 })
    expect(attributed).toEqual({ conversions: 0, value: 0 })
    expect(models.linear).toEqual([])
  })

  it('never counts touches after the conversion; one at its instant counts', () => {
    const { models } = attribute([convert([touch(20, 'Email'), touch(40, 'Social'), touch(41, 'Display')])])
    expect(table(models.linear)).toEqual({ Email: 0.5, Social: 0.5 })
    const only = attribute([convert([touch(41, 'Display')])])
    expect(only.unattributed.conversions).toBe(1)
  })

  it('credits each conversion on its own, so one touch can count for two', () => {
    const twice = {
      touches: [touch(1, 'Email'), touch(5, 'Social')],
      conversions: [
        { at: 3 * DAY, value: 10 },
        { at: 6 * DAY, value: 20 },
      ],
    }
    const { models, attributed } = attribute([twice])
    expect(models.first).toEqual([{ key: 'Email', conversions: 2, value: 30 }])
    expect(models.lastNonDirect).toEqual([
      { key: 'Email', conversions: 1, value: 10 },
      { key: 'Social', conversions: 1, value: 20 },
    ])
    expect(attributed).toEqual({ conversions: 2, value: 30 })
  })

  it('refuses a negative lookback and a half-life of 0', () => {
    expect(() => attribute([], { lookback: -1 })).toThrow(RangeError)
    expect(() => attribute([], { halfLife: 0 })).toThrow(RangeError)
  })
})

describe('attribution: property', () => {
  const channels = fc.constantFrom('Direct', 'Email', 'Social', 'Organic Search', 'Paid Search')
  const arbTouch = fc.record({
    at: fc.integer({ min: 0, max: 100 * DAY }),
    channel: channels,
    campaign: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    source: fc.constant(null),
  })
  const arbPerson = fc.record({
    touches: fc.array(arbTouch, { maxLength: 8 }),
    conversions: fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 100 * DAY }), value: fc.integer({ min: 0, max: 1000 }) }),
      { maxLength: 4 },
    ),
  })

  it('every model credits exactly the conversions that had a touch, and their value', () => {
    fc.assert(
      fc.property(
        fc.array(arbPerson, { maxLength: 6 }),
        fc.integer({ min: 0, max: 120 * DAY }),
        fc.integer({ min: 1, max: 30 * DAY }),
        (people, lookback, halfLife) => {
          const { models, attributed, unattributed } = attribute(people, { lookback, halfLife })
          const all = people.flatMap((p) => p.conversions)
          expect(attributed.conversions + unattributed.conversions).toBe(all.length)
          expect(attributed.value + unattributed.value).toBe(all.reduce((s, c) => s + c.value, 0))
          for (const model of MODELS) {
            const rows = models[model]
            expect(rows.every((r) => r.conversions > 0 && r.value >= 0)).toBe(true)
            expect(rows.reduce((s, r) => s + r.conversions, 0)).toBeCloseTo(attributed.conversions, 9)
            expect(rows.reduce((s, r) => s + r.value, 0)).toBeCloseTo(attributed.value, 6)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
