import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createConsentStore } from '../../consent/core/state.ts'
import {
  eventName,
  fakeTimersClock,
  memoryStorage,
  recordingTransport,
} from '../../test/support/sdk-fakes.ts'
import { createPrecis } from './precis.ts'
import type { Observed } from './tracker.ts'

// Ad click ids are marketing identifiers: the tracker stores, sends and shows them only with the
// marketing purpose. The page below is a landing page from an ad (gclid) with a UTM source.
beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T10:00:00.000Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

const LANDING = 'https://shop.example/?gclid=G1&utm_source=x'
const CLEAN = 'https://shop.example/?utm_source=x'

const setup = () => {
  const rec = recordingTransport()
  const storage = memoryStorage()
  const observed: Observed[] = []
  let n = 0
  const newId = () => `id-${++n}`
  const consent = createConsentStore({
    persistence: { load: () => null, save: () => {} },
    now: Date.now,
    newId,
  })
  const page = { path: '/', url: LANDING, search: '?gclid=G1&utm_source=x', referrer: 'https://ads.example/' }
  const precis = createPrecis({
    clock: fakeTimersClock(),
    newId,
    storage,
    consent,
    transport: rec.transport,
    random: () => 0.5,
    sessionTimeout: 30 * 60_000,
    context: () => ({ page: { ...page } }),
    pageProperties: () => ({ ...page }),
    observe: (e) => observed.push(e),
  })
  const stored = () => JSON.stringify([...storage.data.values()])
  return { precis, storage, stored, observed, ...rec }
}

describe('ad click ids', () => {
  it('with analytics only: none is sent, stored or observed; the UTM campaign stays', async () => {
    const { precis, sent, stored, observed } = setup()
    precis.page()
    precis.consent.set({ analytics: true, marketing: false })
    precis.track('Product Viewed')
    await precis.flush()
    expect(sent().map((e) => (e.type === 'page' ? 'page' : eventName(e)))).toEqual([
      'Session Started',
      'page',
      'Product Viewed',
    ])
    expect(JSON.stringify(sent())).not.toContain('G1')
    expect(stored()).not.toContain('G1')
    expect(JSON.stringify(observed)).not.toContain('G1')
    expect(sent().every((e) => JSON.stringify(e.context.campaign) === '{"source":"x"}')).toBe(true)
    expect(sent()[1]).toMatchObject({
      properties: { url: CLEAN, search: '?utm_source=x' },
      context: { page: { url: CLEAN, search: '?utm_source=x' } },
    })
    expect(sent()[0]).toMatchObject({ properties: { landing_page: CLEAN } })
  })

  it('with marketing: the landing page view that waited for the choice keeps them', async () => {
    const { precis, sent, stored } = setup()
    precis.page()
    precis.consent.acceptAll()
    await precis.flush()
    expect(sent().map((e) => e.context.campaign)).toEqual([
      { source: 'x', gclid: 'G1' },
      { source: 'x', gclid: 'G1' },
    ])
    expect(sent()[1]).toMatchObject({ properties: { url: LANDING }, context: { page: { url: LANDING } } })
    expect(stored()).toContain('G1')
  })

  it('marketing withdrawn: the stored click id is deleted at once, the session goes on without it', async () => {
    const { precis, sent, stored } = setup()
    precis.consent.acceptAll()
    precis.page()
    await precis.flush()
    const session = (sent()[0]!.context.session as { id: string }).id
    precis.consent.set({ marketing: false })
    expect(stored()).not.toContain('G1')
    expect(stored()).toContain(session)
    precis.track('After')
    await precis.flush()
    const after = sent().at(-1)!
    expect(eventName(after)).toBe('After')
    expect(after.context).toMatchObject({ session: { id: session }, campaign: { source: 'x' } })
    expect(JSON.stringify(after)).not.toContain('G1')
  })

  it('granted later on the landing page: the ad click begins a session of its own, as a new campaign does', async () => {
    const { precis, sent } = setup()
    precis.consent.set({ analytics: true })
    precis.page()
    precis.consent.set({ marketing: true })
    precis.track('Signed Up')
    await precis.flush()
    const names = sent().map((e) => (e.type === 'page' ? 'page' : eventName(e)))
    expect(names).toEqual([
      'Session Started',
      'page',
      'Session Ended',
      'Session Started',
      'Segment Consent Preference Updated',
      'Signed Up',
    ])
    expect(JSON.stringify(sent().slice(0, 2))).not.toContain('G1') // made before the grant
    expect(sent().at(-1)?.context.campaign).toEqual({ gclid: 'G1', source: 'x' })
  })
})

describe('a change of choice while analytics stays granted', () => {
  it('is sent as Segment Consent Preference Updated with the new stamp; nothing else changes anything', async () => {
    const { precis, sent } = setup()
    precis.consent.set({ analytics: true, marketing: true })
    precis.consent.set({ analytics: true, marketing: false })
    precis.consent.set({ analytics: true, marketing: false }) // no change: nothing
    await precis.flush()
    const updates = sent().filter((e) => eventName(e) === 'Segment Consent Preference Updated')
    expect(updates).toHaveLength(1)
    const stamp = (updates[0]!.context as { consent: { categoryPreferences: Record<string, boolean> } })
      .consent
    expect(stamp.categoryPreferences).toMatchObject({ analytics: true, marketing: false })
  })
})
