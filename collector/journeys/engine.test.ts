import { describe, expect, it } from 'vitest'
import { journeySchema } from './config.ts'
import { groupOf, journeyOps, localMinutes, messageIdOf, quietUntil, type SiteJourneys } from './engine.ts'

const T0 = Date.parse('2026-12-07T10:00:00Z')

const cart = journeySchema.parse({
  key: 'cart',
  trigger: { event: 'Checkout Started', where: { 'properties.value': { $gt: 0 } } },
  delay: '1h',
  unless: { event: 'Order Completed' },
  goal: 'purchase',
  action: { destination: 'mail', template: 'abandoned-cart' },
})

const site = (
  journeys = [cart],
  purposes: Record<string, string[]> = { mail: ['marketing'] },
): SiteJourneys => ({
  site: 's',
  journeys,
  goals: { purchase: { event: 'Order Completed', revenue: 'revenue' } },
  purposes,
})

const stamp = (marketing: boolean, gpc = false) => ({
  consent: { categoryPreferences: { analytics: true, marketing }, ...(gpc ? { gpc: true } : {}) },
  locale: 'zh-CN',
  timezone: 'Asia/Shanghai',
  page: { url: 'https://shop.example/cart' },
})

const event = (
  name: string,
  properties: Record<string, unknown>,
  at = T0,
  context: object = stamp(true),
) => ({
  type: 'track',
  event: name,
  messageId: `m-${name}-${at}`,
  timestamp: new Date(at).toISOString(),
  properties,
  context,
})

const person = { anonymousId: '~a', userId: '~u' }

describe('journeyOps', () => {
  it('enters a person when the trigger and its condition match, due after the delay, with what the mail may use', () => {
    const ops = journeyOps(
      event('Checkout Started', { value: 30, products: [{ name: 'Tent' }] }),
      person,
      site(),
    )
    expect(ops).toHaveLength(1)
    const op = ops[0]!
    expect(op.kind).toBe('enter')
    if (op.kind !== 'enter') return
    expect(op.entry).toMatchObject({
      site: 's',
      journey: 'cart',
      entryId: `m-Checkout Started-${T0}`,
      anonymousId: '~a',
      userId: '~u',
      enteredAt: T0,
      dueAt: T0 + 3_600_000,
      reentry: 'again',
    })
    expect(JSON.parse(op.entry.context)).toEqual({
      properties: { value: 30, products: [{ name: 'Tent' }] },
      locale: 'zh-CN',
      timezone: 'Asia/Shanghai',
      url: 'https://shop.example/cart',
    })
    expect(journeyOps(event('Checkout Started', { value: 0 }), person, site())).toEqual([])
    expect(journeyOps(event('Cart Viewed', { value: 30 }), person, site())).toEqual([])
  })

  it('enters nobody whose consent does not grant what the destination serves, or who sent GPC to a marketing one', () => {
    const started = { value: 30 }
    expect(journeyOps(event('Checkout Started', started, T0, stamp(false)), person, site())).toEqual([])
    expect(journeyOps(event('Checkout Started', started, T0, stamp(true, true)), person, site())).toEqual([])
    // The tag's consent event with a refusal ends the person's runs; with a grant it does nothing.
    const withdrawn = journeyOps(
      event('Segment Consent Preference Updated', {}, T0, stamp(false)),
      person,
      site(),
    )
    expect(withdrawn).toEqual([{ kind: 'exit', journey: 'cart', reason: 'consent' }])
    const gpc = journeyOps(
      event('Segment Consent Preference Updated', {}, T0, stamp(true, true)),
      person,
      site(),
    )
    expect(gpc).toEqual([{ kind: 'exit', journey: 'cart', reason: 'consent' }])
    expect(
      journeyOps(event('Segment Consent Preference Updated', {}, T0, stamp(true)), person, site()),
    ).toEqual([])
    // A server's event (no stamp) enters only where the destination asks no purpose.
    const server = event('Checkout Started', started, T0, {})
    expect(journeyOps(server, person, site())).toEqual([])
    expect(journeyOps(server, person, site([cart], { mail: [] }))[0]?.kind).toBe('enter')
  })

  it('ends entries on the unless event and the goal, counts the conversion, and ends before it enters', () => {
    const ops = journeyOps(event('Order Completed', { revenue: 42 }), person, site())
    expect(ops).toEqual([
      { kind: 'exit', journey: 'cart', reason: 'unless' },
      { kind: 'convert', journey: 'cart', since: T0 - 7 * 86_400_000, revenue: 42 },
    ])
    const winBack = journeySchema.parse({
      key: 'win-back',
      trigger: { event: 'Order Completed' },
      delay: '60d',
      unless: { event: 'Order Completed' },
      action: { destination: 'mail', template: 'win-back' },
    })
    expect(journeyOps(event('Order Completed', {}), person, site([winBack])).map((o) => o.kind)).toEqual([
      'exit',
      'enter',
    ])
  })

  it('a journey switched off enters nobody but still ends and counts', () => {
    const off = { ...cart, enabled: false }
    expect(journeyOps(event('Checkout Started', { value: 5 }), person, site([off]))).toEqual([])
    expect(
      journeyOps(event('Order Completed', { revenue: 1 }), person, site([off])).map((o) => o.kind),
    ).toEqual(['exit', 'convert'])
  })

  it('a page view can trigger', () => {
    const pages = journeySchema.parse({
      key: 'browse',
      trigger: { event: 'page', where: { 'properties.path': '/kitchen.html' } },
      delay: '1d',
      action: { destination: 'mail', template: 'welcome' },
    })
    const page = { ...event('x', { path: '/kitchen.html' }), type: 'page', event: undefined }
    expect(journeyOps(page, person, site([pages]))[0]?.kind).toBe('enter')
  })
})

describe('holdout', () => {
  it('is sticky per person and holds out about the configured share', () => {
    expect(groupOf(cart, 'p1')).toBe(groupOf(cart, 'p1'))
    let held = 0
    for (let i = 0; i < 10_000; i++) if (groupOf(cart, `person-${i}`) === 'holdout') held++
    expect(held / 10_000).toBeGreaterThan(0.08)
    expect(held / 10_000).toBeLessThan(0.12)
    expect(groupOf({ ...cart, holdout: 0 }, 'p1')).toBe('reached')
  })
})

describe('quiet hours', () => {
  const quiet = { from: '21:00', to: '08:00' }
  it('reads local time in the visitor zone', () => {
    expect(localMinutes(T0, 'UTC')).toBe(600)
    expect(localMinutes(T0, 'Asia/Shanghai')).toBe(18 * 60)
    expect(localMinutes(T0, 'Not/AZone')).toBe(600)
  })
  it('waits until they end, across midnight, in the visitor zone', () => {
    expect(quietUntil(quiet, T0, 'UTC')).toBeUndefined()
    // 10:00 UTC is 02:00 in Los Angeles: quiet until 08:00 there, 16:00 UTC.
    expect(quietUntil(quiet, T0, 'America/Los_Angeles')).toBe(Date.parse('2026-12-07T16:00:00Z'))
    // 22:30 in Shanghai is quiet until 08:00 the next morning.
    const late = Date.parse('2026-12-07T14:30:00Z')
    expect(quietUntil(quiet, late, 'Asia/Shanghai')).toBe(Date.parse('2026-12-08T00:00:00Z'))
    expect(quietUntil({ from: '12:00', to: '13:00' }, Date.parse('2026-12-07T12:30:20Z'), 'UTC')).toBe(
      Date.parse('2026-12-07T13:00:00Z'),
    )
    expect(quietUntil(undefined, T0, 'UTC')).toBeUndefined()
  })
})

describe('messageIdOf', () => {
  it('is stable per entry and differs between entries', () => {
    expect(messageIdOf('s', 'cart', 'm1')).toBe(messageIdOf('s', 'cart', 'm1'))
    expect(messageIdOf('s', 'cart', 'm1')).not.toBe(messageIdOf('s', 'cart', 'm2'))
    expect(messageIdOf('s', 'cart', 'm1')).toMatch(/^journey-[0-9a-f]{32}$/)
  })
})
