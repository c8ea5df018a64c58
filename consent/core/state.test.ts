import { describe, expect, it } from 'vitest'
import { type ConsentPersistence, type ConsentSettings, createConsentStore, decodeConsent } from './state.ts'

const DAY = 86_400_000
const memory = () => {
  const box: { value: string | null; expiresAt?: number } = { value: null }
  const persistence: ConsentPersistence = {
    load: () => box.value,
    save: (value, expiresAt) => {
      box.value = value
      box.expiresAt = expiresAt
    },
  }
  return { box, persistence }
}

const setup = (start = 1_000_000) => {
  let t = start
  const mem = memory()
  const make = (version = 1, settings: ConsentSettings = {}) =>
    createConsentStore({
      persistence: mem.persistence,
      now: () => t,
      newId: () => 'consent-1',
      version,
      ...settings,
    })
  return { ...mem, make, advance: (ms: number) => (t += ms) }
}

describe('consent store', () => {
  it('starts with only necessary, from no choice, and stores nothing', () => {
    const { make, box } = setup()
    const store = make()
    expect(store.get()).toMatchObject({
      id: '',
      source: 'default',
      purposes: { necessary: true, analytics: false, personalization: false, marketing: false },
    })
    expect(box.value).toBeNull()
  })

  it('records a choice, keeps purposes left out, and never turns necessary off', () => {
    const { make } = setup()
    const store = make()
    store.set({ analytics: true })
    const state = store.set({ marketing: true, necessary: false })
    expect(state.purposes).toEqual({
      necessary: true,
      analytics: true,
      personalization: false,
      marketing: true,
    })
    expect(state.id).toBe('consent-1')
  })

  it('tells listeners about each change with the previous state, until unsubscribed', () => {
    const { make } = setup()
    const store = make()
    const seen: [boolean, boolean][] = []
    const off = store.on('change', (s, prev) => seen.push([prev.purposes.analytics, s.purposes.analytics]))
    store.acceptAll()
    store.rejectAll()
    off()
    store.acceptAll()
    expect(seen).toEqual([
      [false, true],
      [true, false],
    ])
  })

  it('persists the choice for about six months and reads it back', () => {
    const { make, box } = setup()
    make().acceptAll('banner')
    expect(box.expiresAt).toBe(1_000_000 + 182 * DAY)
    const again = make()
    expect(again.get()).toMatchObject({ source: 'banner', purposes: { analytics: true } })
  })

  it('asks again after expiry, also while the page stays open', () => {
    const { make, advance } = setup()
    const store = make()
    store.acceptAll()
    advance(182 * DAY)
    expect(store.granted('analytics')).toBe(false)
    expect(make().get().source).toBe('default')
  })

  it('asks again when the site raises its policy version', () => {
    const { make } = setup()
    make(1).acceptAll()
    expect(make(1).granted('analytics')).toBe(true)
    expect(make(2).granted('analytics')).toBe(false)
  })

  it('under Global Privacy Control, accept all leaves marketing off; only an explicit switch grants it', () => {
    const { make } = setup()
    const store = make(1, { gpc: true })
    expect(store.acceptAll('banner').purposes).toEqual({
      necessary: true,
      analytics: true,
      personalization: true,
      marketing: false,
    })
    expect(store.set({ marketing: true }, 'preferences').purposes.marketing).toBe(true)
  })

  it('opt-out mode starts with every purpose on, marketing off under GPC, and stores nothing', () => {
    const { make, box } = setup()
    expect(make(1, { mode: 'opt-out' }).get().purposes).toEqual({
      necessary: true,
      analytics: true,
      personalization: true,
      marketing: true,
    })
    expect(make(1, { mode: 'opt-out', gpc: true }).get().purposes.marketing).toBe(false)
    expect(box.value).toBeNull()
  })

  it('configure re-reads the stored choice under the site settings and tells listeners what changed', () => {
    const { make } = setup()
    make(1).acceptAll()
    const store = make(1)
    const seen: boolean[] = []
    store.on('change', (s) => seen.push(s.purposes.analytics))
    store.configure({ version: 1 })
    expect(seen).toEqual([]) // nothing changed: no event
    store.configure({ version: 2 }) // the policy changed: ask again
    expect(seen).toEqual([false])
    expect(store.get().source).toBe('default')
    store.configure({ mode: 'opt-out' })
    expect(seen).toEqual([false, true])
  })

  it.each([
    ['garbage', 'not json'],
    ['a number', '42'],
    ['no purposes', JSON.stringify({ id: 'x', version: 1, expiresAt: 9e15 })],
    [
      'a truthy non-boolean purpose',
      JSON.stringify({ id: 'x', version: 1, expiresAt: 9e15, purposes: { analytics: 'yes' } }),
    ],
  ])('reads %s as no choice or as not granted', (_name, raw) => {
    expect(decodeConsent(raw, 1, 0)?.purposes.analytics ?? false).toBe(false)
  })
})
