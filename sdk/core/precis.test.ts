import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ConsentPersistence, createConsentStore } from '../../consent/core/state.ts'
import {
  eventName,
  fakeTimersClock,
  memoryStorage,
  recordingTransport,
} from '../../test/support/sdk-fakes.ts'
import { createPrecis } from './precis.ts'
import { STORAGE_KEYS } from './tracker.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T10:00:00.000Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

const setup = (
  cookie: { value: string | null } = { value: null },
  storage = memoryStorage(),
  sessionTimeout = 0,
  gpc = false,
) => {
  const rec = recordingTransport()
  const persistence: ConsentPersistence = {
    load: () => cookie.value,
    save: (value) => {
      cookie.value = value
    },
  }
  let n = 0
  const newId = () => `id-${++n}`
  const consent = createConsentStore({ persistence, now: Date.now, newId })
  const precis = createPrecis({
    clock: fakeTimersClock(),
    newId,
    storage,
    consent,
    transport: rec.transport,
    random: () => 0.5,
    sessionTimeout,
    context: () => ({
      page: { path: '/shop', url: 'https://shop.example/?utm_source=news' },
      library: { name: 'precis', version: 'test' },
    }),
    pageProperties: () => ({ path: '/shop', title: 'Shop' }),
    gpc,
  })
  return { precis, storage, cookie, ...rec }
}

describe('before analytics consent', () => {
  it('stores nothing and sends nothing', async () => {
    const { precis, storage, sent } = setup()
    precis.page()
    precis.track('Signed Up', { plan: 'pro' })
    precis.identify('user-1', { email: 'a@example.com' })
    await precis.flush()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sent()).toEqual([])
    expect(storage.data.size).toBe(0)
  })

  it('sends what waited, once, when the visitor accepts on this page', async () => {
    const { precis, storage, sent } = setup()
    precis.page()
    precis.track('Signed Up')
    precis.consent.set({ analytics: true })
    await precis.flush()
    const events = sent()
    expect(events.map((e) => e.type)).toEqual(['page', 'track'])
    const aid = storage.get(STORAGE_KEYS.anonymousId)
    expect(aid).toBeTruthy()
    expect(events.every((e) => e.anonymousId === aid)).toBe(true)
    expect(events[0]?.context.consent).toEqual({
      categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
    })
  })

  it('stamps Global Privacy Control on every event of a browser that sends it', async () => {
    const { precis, sent } = setup(undefined, undefined, 0, true)
    precis.consent.set({ analytics: true, marketing: true })
    precis.track('Signed Up')
    await precis.flush()
    expect(sent()[0]?.context.consent).toEqual({
      categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: true },
      gpc: true,
    })
  })

  it('drops what waited when the visitor refuses', async () => {
    const { precis, sent } = setup()
    precis.track('Signed Up')
    precis.consent.rejectAll()
    precis.consent.set({ analytics: true })
    await precis.flush()
    expect(sent()).toEqual([])
  })

  it('holds at most 100 calls in memory', async () => {
    const { precis, sent } = setup()
    for (let i = 0; i < 150; i++) precis.track(`E${i}`)
    precis.consent.acceptAll()
    await precis.flush()
    expect(sent()).toHaveLength(100)
  })
})

describe('with analytics consent', () => {
  const granted = () => {
    const s = setup()
    s.precis.consent.acceptAll()
    return s
  }

  it('builds Segment events with ids, time and context', async () => {
    const { precis, sent } = granted()
    precis.page('Shop', { section: 'tents' })
    precis.track('Product Viewed', { sku: 't-1' })
    await precis.flush()
    const [page, track] = sent()
    expect(page).toMatchObject({
      type: 'page',
      name: 'Shop',
      properties: { path: '/shop', title: 'Shop', section: 'tents' },
      timestamp: '2026-11-23T10:00:00.000Z',
      context: { page: { path: '/shop' }, library: { name: 'precis', version: 'test' } },
    })
    expect(track).toMatchObject({ type: 'track', event: 'Product Viewed', properties: { sku: 't-1' } })
    expect(page?.messageId).not.toBe(track?.messageId)
  })

  it('batches by time', async () => {
    const { precis, batches } = granted()
    precis.track('A')
    precis.track('B')
    expect(batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2000)
    expect(batches.map((b) => b.length)).toEqual([2])
  })

  it('keeps the anonymous id and the choice across page loads', async () => {
    const first = granted()
    first.precis.identify('user-1')
    // The next page: the same cookie and storage, a new SDK instance.
    const next = setup(first.cookie, first.storage)
    expect(next.precis.user()).toEqual(first.precis.user())
    next.precis.track('Again')
    await next.precis.flush()
    expect(next.sent()[0]).toMatchObject({ anonymousId: first.precis.user().anonymousId, userId: 'user-1' })
  })

  it('identify sets and stores the user id for later calls', async () => {
    const { precis, storage, sent } = granted()
    precis.identify('user-1', { plan: 'pro' })
    precis.track('Order Completed')
    await precis.flush()
    expect(storage.get(STORAGE_KEYS.userId)).toBe('user-1')
    expect(sent().map((e) => [e.type, e.userId])).toEqual([
      ['identify', 'user-1'],
      ['track', 'user-1'],
    ])
    expect(sent()[0]).toMatchObject({ traits: { plan: 'pro' } })
  })

  it("identify carries the site server's signature of the user id in context.userHash, that call only", async () => {
    const { precis, sent } = granted()
    precis.identify('user-1', { plan: 'pro' }, { userHash: 'ab12' })
    precis.identify({ plan: 'team' }, { userHash: 'cd34' })
    precis.track('Order Completed')
    await precis.flush()
    expect(sent().map((e) => e.context?.userHash)).toEqual(['ab12', 'cd34', undefined])
    expect(sent()[0]?.context).toMatchObject({ page: { path: '/shop' } })
  })

  it('identify with traits only keeps the user', async () => {
    const { precis, sent } = granted()
    precis.identify({ plan: 'free' })
    await precis.flush()
    expect(sent()[0]).toMatchObject({ type: 'identify', traits: { plan: 'free' } })
    expect(sent()[0]?.userId).toBeUndefined()
  })

  it('alias links the anonymous id to the new user id', async () => {
    const { precis, sent } = granted()
    precis.alias('user-9')
    precis.group('acme', { name: 'Acme' })
    await precis.flush()
    const [alias, group] = sent()
    expect(alias).toMatchObject({ type: 'alias', userId: 'user-9', previousId: precis.user().anonymousId })
    expect(group).toMatchObject({ type: 'group', groupId: 'acme', traits: { name: 'Acme' } })
  })

  it('reset forgets the user and starts a new anonymous id', () => {
    const { precis, storage } = granted()
    precis.identify('user-1')
    const before = precis.user().anonymousId
    precis.reset()
    expect(precis.user()).toEqual({ anonymousId: expect.any(String), userId: null })
    expect(precis.user().anonymousId).not.toBe(before)
    expect(storage.get(STORAGE_KEYS.userId)).toBeNull()
  })

  it('withdrawal removes the ids and sends nothing more', async () => {
    const { precis, storage, sent } = granted()
    precis.identify('user-1')
    precis.track('Pending')
    precis.consent.set({ analytics: false })
    precis.track('After')
    await precis.flush()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sent()).toEqual([])
    expect(storage.data.size).toBe(0)
  })
})

describe('sessions', () => {
  it('opens a session with its first event, stamps its id and campaign on every event, and counts its end', async () => {
    const { precis, sent, storage } = setup(undefined, undefined, 30 * 60_000)
    precis.consent.acceptAll()
    precis.page()
    precis.track('Product Viewed')
    await vi.advanceTimersByTimeAsync(31 * 60_000)
    precis.track('Back Again')
    await precis.flush()
    const events = sent().map((e) => [
      e.type === 'page' ? 'page' : eventName(e),
      (e.context.session as { id: string }).id,
    ])
    const [first, second] = [events[0]![1], events.at(-1)![1]]
    expect(events).toEqual([
      ['Session Started', first],
      ['page', first],
      ['Product Viewed', first],
      ['Session Ended', first],
      ['Session Started', second],
      ['Back Again', second],
    ])
    expect(first).not.toBe(second)
    expect(sent().every((e) => (e.context.campaign as { source?: string }).source === 'news')).toBe(true)
    const ended = sent().find((e) => eventName(e) === 'Session Ended') as { properties?: unknown }
    expect(ended.properties).toEqual({ duration: 0, events: 2 })
    precis.consent.set({ analytics: false })
    expect(storage.data.size).toBe(0)
  })
})

describe('snippet replay', () => {
  it('replays queued calls in order, stamped with the time they were made', async () => {
    const { precis, sent } = setup()
    const before = Date.parse('2026-11-23T09:59:59.000Z')
    const seen: unknown[] = []
    precis.replay([
      ['page', [], before],
      ['track', ['Signed Up', { plan: 'pro' }], before + 10],
      ['ready', [(p: unknown) => seen.push(p)]],
      ['unknownMethod', [1, 2]],
    ])
    precis.consent.acceptAll()
    await precis.flush()
    expect(seen).toHaveLength(1)
    expect(sent().map((e) => [e.type, e.timestamp])).toEqual([
      ['page', '2026-11-23T09:59:59.000Z'],
      ['track', '2026-11-23T09:59:59.010Z'],
    ])
    // Later calls use the clock again.
    precis.track('Now')
    await precis.flush()
    expect(sent()[2]?.timestamp).toBe('2026-11-23T10:00:00.000Z')
  })
})
