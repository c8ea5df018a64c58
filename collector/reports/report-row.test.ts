import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../store/event.ts'
import { derivedRowOf, withPeople } from './report-row.ts'
import type { VisitSummary } from './types.ts'

const stored = (over: Partial<StoredEvent>, body: Record<string, unknown>): StoredEvent => ({
  site: 'demo',
  messageId: 'm1',
  type: 'page',
  name: null,
  userId: null,
  anonymousId: 'a1',
  timestamp: 1_000,
  receivedAt: 2_000,
  payload: JSON.stringify(body),
  ...over,
})

const context = {
  page: {
    path: '/shoes?colour=red',
    url: 'https://www.shop.example/shoes?gclid=x',
    referrer: 'https://www.Google.com/search?q=x',
  },
  campaign: { source: 'google', medium: 'CPC', name: 'winter', gclid: 'x' },
  session: { id: 's1' },
  browser: { name: 'Chrome', version: '131' },
  os: { name: 'Windows' },
  device: { type: 'desktop' },
  location: { country: 'DE', region: 'BE' },
}

describe('derivedRowOf', () => {
  it('keeps what reports need of a page view, and no more', () => {
    expect(derivedRowOf(stored({}, { context, properties: {} }))).toEqual({
      device: 'a1',
      session: 's1',
      at: 1_000,
      kind: 'page',
      name: null,
      props: null,
      path: '/shoes',
      referrer: 'google.com',
      source: 'google',
      medium: 'cpc',
      campaign: 'winter',
      term: null,
      content: null,
      clickId: true,
      browser: 'Chrome',
      os: 'Windows',
      deviceType: 'desktop',
      country: 'DE',
      region: 'BE',
      engaged: null,
      scroll: null,
    })
  })

  it('drops a referrer on the site itself and falls back to the URL for the path', () => {
    const row = derivedRowOf(
      stored(
        {},
        { context: { page: { url: 'https://shop.example/bags', referrer: 'https://shop.example/' } } },
      ),
    )
    expect(row).toMatchObject({ path: '/bags', referrer: null, session: 'event:m1', clickId: false })
  })

  it('reads engagement figures from Page Engagement', () => {
    const row = derivedRowOf(
      stored(
        { type: 'track', name: 'Page Engagement' },
        { context, properties: { engaged_time: 42, scroll_depth: 75 } },
      ),
    )
    expect(row).toMatchObject({ kind: 'engagement', engaged: 42, scroll: 75 })
  })

  it('keeps another track event with its name and properties, not bodies over the cap', () => {
    const order = stored({ type: 'track', name: 'Order Completed' }, { context, properties: { revenue: 42 } })
    expect(derivedRowOf(order)).toMatchObject({
      kind: 'event',
      name: 'Order Completed',
      props: '{"revenue":42}',
    })
    const big = stored({ type: 'track', name: 'Big' }, { context, properties: { note: 'x'.repeat(5_000) } })
    expect(derivedRowOf(big)).toMatchObject({ kind: 'event', name: 'Big', props: null })
  })

  it('derives nothing from bots, other events, server events without a device, or broken JSON', () => {
    expect(derivedRowOf(stored({}, { context: { ...context, bot: true } }))).toBeUndefined()
    expect(derivedRowOf(stored({ type: 'track', name: 'Session Started' }, { context }))).toBeUndefined()
    expect(derivedRowOf(stored({ type: 'identify' }, { context }))).toBeUndefined()
    expect(derivedRowOf(stored({ anonymousId: null, userId: 'u1' }, { context }))).toBeUndefined()
    expect(derivedRowOf({ ...stored({}, {}), payload: '{' })).toBeUndefined()
  })
})

describe('withPeople', () => {
  it("asks once for the distinct devices and sets each row's and visit's person", () => {
    const visit = { device: 'd-2', person: 'd-2' } as unknown as VisitSummary
    const rows = ['d-3', 'd-1', 'd-3', 'd-2', 'd-10'].map((device) => ({
      device,
      person: device,
      ...(device === 'd-2' ? { visit } : {}),
    }))
    const asked: (readonly string[])[] = []
    withPeople(rows, (devices) => {
      asked.push(devices)
      return devices.map((d) => (d === 'd-10' ? d : `p-of-${d}`))
    })
    expect(asked).toEqual([['d-3', 'd-1', 'd-2', 'd-10']])
    expect(rows.map((r) => r.person)).toEqual(['p-of-d-3', 'p-of-d-1', 'p-of-d-3', 'p-of-d-2', 'd-10'])
    expect(visit.person).toBe('p-of-d-2')
  })
})
