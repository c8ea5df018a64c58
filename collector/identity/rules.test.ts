import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  DEFAULT_IDENTITY,
  emptyProfile,
  identifiersOf,
  isBlocked,
  mergeData,
  mergeRefusal,
} from './rules.ts'

const event = (over: Partial<Parameters<typeof applyEvent>[1]> = {}) => ({
  seq: 1,
  messageId: 'm',
  type: 'identify',
  timestamp: 1000,
  userId: null,
  anonymousId: null,
  ...over,
})

describe('identity rules', () => {
  it.each([
    '',
    ' ',
    'null',
    'NULL',
    'undefined',
    'anonymous',
    '0',
    '-1',
    '00000000-0000-0000-0000-000000000000',
    '0_0',
  ])('blocks the placeholder %j', (value) => expect(isBlocked(value)).toBe(true))

  it.each(['u1', 'ada@example.com', '0a', '10'])('accepts %j', (value) =>
    expect(isBlocked(value)).toBe(false),
  )

  it('lists identifiers in priority order, hashing trait identifiers and resolving what previousId is', () => {
    const ids = identifiersOf(
      event({
        type: 'alias',
        anonymousId: 'a1',
        userId: 'u1',
        previousId: 'old',
        traits: { email: 'X@Y.z' },
      }),
      DEFAULT_IDENTITY,
      (name, value) => `h(${name}:${value})`,
      () => 'user',
    )
    expect(ids).toEqual([
      { kind: 'user', value: 'u1' },
      { kind: 'user', value: 'old' },
      { kind: 'email', value: 'h(email:x@y.z)' },
      { kind: 'anonymous', value: 'a1' },
    ])
  })

  it('refuses merges across two user ids and beyond limits', () => {
    const held = (users: string[], emails = 0) => ({
      counts: { user: users.length, email: emails },
      userIds: users,
    })
    expect(mergeRefusal(held(['u1']), held(['u2']), DEFAULT_IDENTITY)).toBe('conflicting_user_ids')
    expect(mergeRefusal(held(['u1']), held([]), DEFAULT_IDENTITY)).toBeUndefined()
    expect(mergeRefusal(held([], 3), held([], 3), DEFAULT_IDENTITY)).toBe('limit_email')
  })

  it('keeps the newest value of each trait, in either order and across merges', () => {
    const late = applyEvent(emptyProfile(), event({ timestamp: 2000, traits: { plan: 'pro' } }))
    const both = applyEvent(late, event({ timestamp: 1000, traits: { plan: 'free', city: 'Oslo' } }))
    expect(both.traits).toEqual({ plan: 'pro', city: 'Oslo' })
    expect([both.firstSeen, both.lastSeen]).toEqual([1000, 2000])
    const other = applyEvent(
      emptyProfile(),
      event({ timestamp: 3000, type: 'track', traits: { city: 'Rome' }, revenue: 9 }),
    )
    const merged = mergeData(both, other)
    expect(merged.traits).toEqual({ plan: 'pro', city: 'Rome' })
    expect(merged.counts).toEqual({ identify: 2, track: 1 })
    expect([merged.revenue, merged.orders]).toEqual([9, 1])
  })
})
