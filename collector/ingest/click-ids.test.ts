import { describe, expect, it } from 'vitest'
import type { SegmentEvent } from '../../sdk/rules/event-schema.ts'
import {
  basic,
  event,
  GRANTED,
  post,
  SERVER_KEY,
  SHOP_ORIGIN,
  testApp,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import { clickIdsByConsent } from './click-ids.ts'

const LANDING = 'https://shop.example/?gclid=G1&utm_source=x'
const CLEAN = 'https://shop.example/?utm_source=x'

const asEvent = (overrides: Record<string, unknown>) => event(overrides) as unknown as SegmentEvent

/** A landing page view from an ad, stamped with `marketing` (or with no stamp at all). */
const landing = (messageId: string, marketing?: boolean): SegmentEvent => {
  const page = { url: LANDING, search: '?gclid=G1&utm_source=x', referrer: `${LANDING}&fbclid=F1`, path: '/' }
  return asEvent({
    messageId,
    type: 'page',
    name: 'Home',
    properties: { ...page, title: 'Home' },
    context: {
      page,
      campaign: { source: 'x', gclid: 'G1', msclkid: 'M1' },
      ...(marketing === undefined ? {} : { consent: { categoryPreferences: { ...GRANTED, marketing } } }),
    },
  })
}

describe('clickIdsByConsent', () => {
  it('keeps click ids only when the stamp grants marketing', () => {
    const granted = landing('m', true)
    expect(clickIdsByConsent(granted)).toBe(granted)
    for (const refused of [landing('m', false), landing('m')]) {
      expect(JSON.stringify(clickIdsByConsent(refused))).not.toMatch(/G1|F1|M1/)
    }
    const odd = asEvent({
      context: { campaign: { gclid: 'G1' }, consent: { categoryPreferences: { marketing: 'true' } } },
    })
    expect(JSON.stringify(clickIdsByConsent(odd))).not.toContain('G1')
  })
})

describe('POST /v1/batch and click ids', () => {
  it('stores them only from events whose consent stamp grants marketing; server events without one lose them', async () => {
    const { app, store } = testApp()
    const req = post(
      '/v1/batch',
      { batch: [landing('no', false), landing('yes', true)], writeKey: WRITE_KEY },
      { origin: SHOP_ORIGIN },
    )
    const browser = await app.request(req.path, req.init)
    expect(browser.status).toBe(200)
    const server = post('/v1/batch', { batch: [landing('server')] }, { authorization: basic(SERVER_KEY) })
    expect((await app.request(server.path, server.init)).status).toBe(200)

    const rows = (await store.listEvents('demo', { limit: 10 })).events
    const byId = Object.fromEntries(rows.map((r) => [r.messageId, toSegmentEvent(r)]))
    for (const id of ['no', 'server']) {
      expect(JSON.stringify(byId[id])).not.toMatch(/G1|F1|M1/)
      expect(byId[id]).toMatchObject({
        properties: { url: CLEAN, search: '?utm_source=x', referrer: CLEAN, title: 'Home' },
        context: {
          page: { url: CLEAN, search: '?utm_source=x', referrer: CLEAN, path: '/' },
          campaign: { source: 'x' },
        },
      })
    }
    expect(byId.yes).toMatchObject({
      properties: { url: LANDING },
      context: { page: { url: LANDING }, campaign: { source: 'x', gclid: 'G1', msclkid: 'M1' } },
    })
  })
})
