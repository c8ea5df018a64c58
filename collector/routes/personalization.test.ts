import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, event, NOW, SERVER_KEY, testApp, WRITE_KEY } from '../../test/support/collector-app.ts'
import {
  admin,
  at,
  PERSONALIZED,
  personal,
  personalizedSites,
  sendAll,
} from '../../test/support/personalization.ts'
import { wilson } from '../experiments/intervals.ts'

const DAY = 86_400_000
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
const LAPTOP =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const day = (d: number, time = '10:00') => `2026-11-${d}T${time}:00.000Z`
const outdoorView = (anonymousId: string, timestamp: string, context: Record<string, unknown> = {}) =>
  personal({
    anonymousId,
    event: 'Product Viewed',
    properties: { category: 'outdoor', sku: 'tent-1' },
    timestamp,
    context,
  })

/**
 * Ada browses on her phone (a1: two outdoor products, then a page) and her laptop (a2: one), logs
 * in on both, and orders by phone through the shop's server (no consent stamp: a server source).
 * The phone's browser reported `mobile`; neither device alone saw three outdoor products.
 */
const ADA = [
  outdoorView('a1', day(18), { userAgent: PHONE, segments: ['mobile'] }),
  outdoorView('a1', day(19), { userAgent: PHONE, segments: ['mobile'] }),
  personal({
    type: 'identify',
    anonymousId: 'a1',
    userId: 'u-ada',
    traits: { plan: 'vip' },
    timestamp: day(19, '10:05'),
  }),
  outdoorView('a2', day(20), { userAgent: LAPTOP, page: { path: '/outdoor' } }),
  personal({ type: 'identify', anonymousId: 'a2', userId: 'u-ada', timestamp: day(20, '10:05') }),
  personal({
    type: 'page',
    anonymousId: 'a1',
    userId: 'u-ada',
    name: 'Outdoor',
    properties: { path: '/outdoor', url: 'https://shop.example/outdoor', title: 'Outdoor' },
    timestamp: day(22),
    context: { userAgent: PHONE, locale: 'zh-CN', page: { path: '/outdoor' }, segments: ['mobile'] },
  }),
]
const ADA_ORDER = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u-ada',
  messageId: 'order-ada',
  properties: { revenue: 150 },
  timestamp: day(23, '09:00'),
}
/** Bob saw two outdoor products; his browser (wrongly, say) reported outdoor-fan. */
const BOB = [
  outdoorView('b1', day(21), { segments: ['outdoor-fan'] }),
  outdoorView('b1', day(22), { segments: ['outdoor-fan'] }),
]
/** Cat visits from a phone. */
const CAT = [
  personal({
    type: 'page',
    anonymousId: 'c1',
    timestamp: day(22),
    context: { userAgent: PHONE, segments: ['mobile'] },
  }),
]
/** Dan saw three outdoor products without granting personalization: nothing of it is used. */
const DAN = [1, 2, 3].map((n) =>
  event({
    anonymousId: 'd1',
    event: 'Product Viewed',
    properties: { category: 'outdoor' },
    timestamp: day(20 + n),
  }),
)

const personalizedApp = () => {
  let now = NOW
  const app = testApp({ sites: personalizedSites(), now: () => now })
  return { ...app, setNow: (t: number) => (now = t) }
}

const segmentsOf = async (app: ReturnType<typeof testApp>['app'], id: string) => {
  const res = await admin(app, `/admin/api/profiles/${id}?site=demo`)
  expect(res.status).toBe(200)
  return (await res.json()).segments as string[]
}

describe('server-side segments', () => {
  it('counts a person across devices: 2 + 1 outdoor views make Ada an outdoor fan', async () => {
    const { app } = personalizedApp()
    await sendAll(app, [...ADA.slice(0, 3), ADA[3]!])
    // Before the laptop is linked to her, each device is a person of its own.
    expect(await segmentsOf(app, 'a1')).toEqual(['mobile', 'vip'])
    expect(await segmentsOf(app, 'a2')).toEqual([])
    await sendAll(app, ADA.slice(4))
    await sendAll(app, [ADA_ORDER], SERVER_KEY) // from the shop's server: no consent stamp
    // Linked: three outdoor views, latest browser event on the phone (not the server's order), the
    // trait from identify and the server-side revenue.
    expect(await segmentsOf(app, 'a2')).toEqual(['outdoor-fan', 'mobile', 'vip', 'big-spender'])
    expect(await segmentsOf(app, 'u-ada')).toEqual(['outdoor-fan', 'mobile', 'vip', 'big-spender'])
  })

  it('uses only events made with personalization granted (or server events without a stamp)', async () => {
    const { app } = personalizedApp()
    await sendAll(app, DAN)
    expect(await segmentsOf(app, 'd1')).toEqual([])
    await sendAll(app, [
      outdoorView('d1', day(23, '11:00')),
      ...[1, 2].map((n) => outdoorView('d1', day(23, `11:0${n}`))),
    ])
    expect(await segmentsOf(app, 'd1')).toEqual(['outdoor-fan'])
  })

  it('forgets behaviour outside the rule window as time passes', async () => {
    const { app, setNow } = personalizedApp()
    await sendAll(
      app,
      [1, 2, 3].map((n) => outdoorView('f1', day(20 + n))),
    )
    expect(await segmentsOf(app, 'f1')).toEqual(['outdoor-fan'])
    setNow(Date.parse(day(21)) + 30 * DAY + 1000)
    expect(await segmentsOf(app, 'f1')).toEqual([])
  })

  it('sizes every segment: profiles now (server) and anonymousIds that reported it in 7 days', async () => {
    const { app, setNow } = personalizedApp()
    // Eight days ago an old visitor reported vip: past the 7-day window.
    setNow(NOW - 8 * DAY)
    await sendAll(app, [
      personal({ anonymousId: 'x1', event: 'Old', timestamp: day(15), context: { segments: ['vip'] } }),
    ])
    setNow(NOW)
    await sendAll(app, [...ADA, ...BOB, ...CAT, ...DAN])
    await sendAll(app, [ADA_ORDER], SERVER_KEY) // from the shop's server: no consent stamp
    const res = await admin(app, '/admin/api/sites/demo/segments')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      site: 'demo',
      segments: [
        { key: 'outdoor-fan', name: 'Outdoor fans', profiles: 1, visitors7d: 1 },
        { key: 'mobile', name: 'mobile', profiles: 2, visitors7d: 2 },
        { key: 'vip', name: 'VIPs', profiles: 1, visitors7d: 0 },
        { key: 'big-spender', name: 'big-spender', profiles: 1, visitors7d: 0 },
      ],
      profilesScanned: 5,
      evaluatedAt: new Date(NOW).toISOString(),
    })
  })

  it('answers an empty list for a site without segments', async () => {
    const { app } = personalizedApp()
    expect(await (await admin(app, '/admin/api/sites/other/segments')).json()).toEqual({
      site: 'other',
      segments: [],
      profilesScanned: 0,
      evaluatedAt: new Date(NOW).toISOString(),
    })
  })
})

describe('segment preview', () => {
  const preview = (app: ReturnType<typeof testApp>['app'], site: string, body: unknown) =>
    app.request(`/admin/api/sites/${site}/segments/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const twoOutdoorViews = {
    name: 'Browsing outdoor',
    rule: { count: { event: 'Product Viewed', where: { category: 'outdoor' }, within: '30d' }, $gte: 2 },
  }

  it("counts the site's profiles an unsaved rule matches now, across devices, with the site's settings", async () => {
    const { app } = personalizedApp()
    await sendAll(app, [...ADA, ...BOB, ...CAT, ...DAN])
    const res = await preview(app, 'demo', twoOutdoorViews)
    expect(res.status).toBe(200)
    // Ada (2 + 1 views on two devices) and Bob (2); Dan's views were made without the consent.
    expect(await res.json()).toEqual({
      site: 'demo',
      profiles: 2,
      profilesScanned: 4,
      evaluatedAt: new Date(NOW).toISOString(),
    })
    const three = { rule: { ...twoOutdoorViews.rule, $gte: 3 } }
    expect((await (await preview(app, 'demo', three)).json()).profiles).toBe(1)
    const phones = await (await preview(app, 'demo', { rule: { 'device.type': 'mobile' } })).json()
    expect(phones.profiles).toBe(2)
    // Another site's profiles are not this site's.
    expect(await (await preview(app, 'other', twoOutdoorViews)).json()).toMatchObject({
      site: 'other',
      profiles: 0,
      profilesScanned: 0,
    })
  })

  it('refuses a rule the config would refuse, with its path, and an unknown site', async () => {
    const { app } = personalizedApp()
    const bad = await preview(app, 'demo', { rule: { count: { event: 'X', within: 'soon' }, $gte: 1 } })
    expect(bad.status).toBe(400)
    const body = await bad.json()
    expect(body.error).toMatchObject({ code: 'invalid_config', path: 'rule.count.within' })
    expect(body.issues).toEqual([{ path: 'rule.count.within', message: expect.stringMatching(/^must be/) }])
    const missing = await (await preview(app, 'demo', { name: 'No rule' })).json()
    expect(missing.error).toMatchObject({ code: 'invalid_config', path: 'rule' })
    const unknown = await (await preview(app, 'demo', { rule: {}, slot: 'x' })).json()
    expect(unknown.error.code).toBe('invalid_config')
    const notJson = await app.request('/admin/api/sites/demo/segments/preview', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{',
    })
    expect((await notJson.json()).error.code).toBe('invalid_json')
    const nope = await preview(app, 'nope', twoOutdoorViews)
    expect(nope.status).toBe(404)
    expect((await nope.json()).error.code).toBe('site_not_found')
  })
})

const view = (anonymousId: string, time: string, variant: string, extra: Record<string, unknown> = {}) =>
  personal({
    anonymousId,
    event: 'Slot Viewed',
    properties: { slot: 'home-hero', variant, ...extra },
    timestamp: at(time),
  })
const click = (anonymousId: string, time: string, variant: string) =>
  personal({
    anonymousId,
    event: 'Slot Clicked',
    properties: { slot: 'home-hero', variant, href: '/outdoor' },
    timestamp: at(time),
  })
const order = (fields: Record<string, unknown>, time: string) =>
  personal({ ...fields, event: 'Order Completed', properties: { revenue: 50 }, timestamp: at(time) })

/**
 * p1 sees the promo twice, clicks, orders. p2 sees it on the phone (p2a) and orders on the laptop
 * (p2b), both logged in as u2. p3 ordered before seeing it. p4 (held out, eligible for the promo)
 * orders; p5 (held out, eligible for the VIP offer) does not; p6 is held out first and later shown
 * the promo (its group stays holdout). p7 sees the baseline, clicks and orders. p8 saw a variant
 * the config no longer has.
 */
const SLOT_EVENTS = [
  view('p1', '10:00', 'outdoor-promo'),
  view('p1', '10:05', 'outdoor-promo'),
  click('p1', '10:06', 'outdoor-promo'),
  order({ anonymousId: 'p1' }, '10:10'),
  personal({ type: 'identify', anonymousId: 'p2a', userId: 'u2', timestamp: at('09:00') }),
  personal({ type: 'identify', anonymousId: 'p2b', userId: 'u2', timestamp: at('09:01') }),
  view('p2a', '10:00', 'outdoor-promo'),
  order({ anonymousId: 'p2b', userId: 'u2' }, '11:00'),
  order({ anonymousId: 'p3' }, '09:00'),
  view('p3', '10:00', 'outdoor-promo'),
  view('p4', '10:00', 'holdout', { eligible: 'outdoor-promo' }),
  order({ anonymousId: 'p4' }, '10:30'),
  view('p5', '10:00', 'holdout', { eligible: 'vip-offer' }),
  view('p6', '10:00', 'holdout', { eligible: 'outdoor-promo' }),
  view('p6', '10:20', 'outdoor-promo'),
  view('p7', '10:00', 'baseline'),
  click('p7', '10:01', 'baseline'),
  order({ anonymousId: 'p7' }, '10:02'),
  view('p8', '10:00', 'old-variant'),
  // Not counted: another slot, no variant, another event.
  personal({
    anonymousId: 'p1',
    event: 'Slot Viewed',
    properties: { slot: 'banner', variant: 'baseline' },
    timestamp: at('10:00'),
  }),
  personal({
    anonymousId: 'p9',
    event: 'Slot Viewed',
    properties: { slot: 'home-hero' },
    timestamp: at('10:00'),
  }),
  personal({
    anonymousId: 'p9',
    event: 'Product Viewed',
    properties: { slot: 'home-hero', variant: 'baseline' },
    timestamp: at('10:00'),
  }),
]

describe('slot results', () => {
  it('counts impressions, first-impression visitors, clicks, conversions and lift per group', async () => {
    const { app } = personalizedApp()
    await sendAll(app, SLOT_EVENTS)
    // The same slot's events on another site are not this site's.
    await sendAll(app, [{ ...view('p1', '10:00', 'outdoor-promo') }], 'other-write-key')
    const res = await admin(app, '/admin/api/sites/demo/slots/home-hero/results')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ site: 'demo', slot: 'home-hero', goal: 'Order Completed', holdout: 0.1 })
    const third = 1 / 3
    expect(body.groups).toEqual([
      {
        group: 'outdoor-promo',
        kind: 'variant',
        impressions: 5,
        late: 0,
        visitors: 3,
        clicks: 1,
        conversions: 2,
        conversionRate: 2 / 3,
        ci: wilson(2, 3),
        lift: { absolute: expect.closeTo(third, 12), relative: expect.closeTo(1, 12) },
      },
      {
        group: 'vip-offer',
        kind: 'variant',
        impressions: 0,
        late: 0,
        visitors: 0,
        clicks: 0,
        conversions: 0,
        conversionRate: null,
        ci: null,
        lift: null,
      },
      {
        group: 'holdout',
        kind: 'holdout',
        impressions: 3,
        late: 0,
        visitors: 3,
        clicks: 0,
        conversions: 1,
        conversionRate: third,
        ci: wilson(1, 3),
        eligible: {
          'outdoor-promo': { visitors: 2, conversions: 1 },
          'vip-offer': { visitors: 1, conversions: 0 },
        },
      },
      {
        group: 'baseline',
        kind: 'baseline',
        impressions: 1,
        late: 0,
        visitors: 1,
        clicks: 1,
        conversions: 1,
        conversionRate: 1,
        ci: [wilson(1, 1)![0], 1],
      },
      {
        group: 'old-variant',
        kind: 'unknown',
        impressions: 1,
        late: 0,
        visitors: 1,
        clicks: 0,
        conversions: 0,
        conversionRate: 0,
        ci: [0, wilson(0, 1)![1]],
      },
    ])
  })

  it('counts late impressions (the baseline shown, late: true) for the variant decided, and in the baseline', async () => {
    const { app } = personalizedApp()
    await sendAll(app, [
      view('q1', '10:00', 'outdoor-promo'),
      view('q2', '10:00', 'baseline', { eligible: 'outdoor-promo', late: true }),
      view('q3', '10:00', 'baseline', { eligible: 'outdoor-promo', late: true }),
      view('q4', '10:00', 'baseline', { eligible: 'vip-offer', late: true }),
      view('q5', '10:00', 'baseline'),
    ])
    await sendAll(
      app,
      [view('q6', '10:00', 'baseline', { eligible: 'vip-offer', late: true })],
      'other-write-key',
    )
    const body = await (await admin(app, '/admin/api/sites/demo/slots/home-hero/results')).json()
    expect(
      body.groups.map((g: { group: string; impressions: number; late: number }) => [
        g.group,
        g.impressions,
        g.late,
      ]),
    ).toEqual([
      ['outdoor-promo', 1, 2],
      ['vip-offer', 0, 1],
      ['holdout', 0, 0],
      ['baseline', 4, 3],
    ])
  })

  it('has no conversions or lift for a slot without a goal, and zeros before any event', async () => {
    const { app } = personalizedApp()
    const body = await (await admin(app, '/admin/api/sites/demo/slots/banner/results')).json()
    expect(body.goal).toBeNull()
    expect(body.groups.map((g: { group: string }) => g.group)).toEqual(['mobile-app', 'holdout', 'baseline'])
    expect(body.groups[0]).toEqual({
      group: 'mobile-app',
      kind: 'variant',
      impressions: 0,
      late: 0,
      visitors: 0,
      clicks: 0,
      conversions: null,
      conversionRate: null,
      ci: null,
      lift: null,
    })
  })
})

describe('personalization admin API: refusals', () => {
  it.each([
    ['/admin/api/sites/nope/segments', 404, 'site_not_found'],
    ['/admin/api/sites/nope/slots/home-hero/results', 404, 'site_not_found'],
    ['/admin/api/sites/demo/slots/nope/results', 404, 'slot_not_found'],
    ['/admin/api/sites/demo/slots/constructor/results', 404, 'slot_not_found'],
    ['/admin/api/sites/other/slots/home-hero/results', 404, 'slot_not_found'],
  ])('GET %s answers %i %s', async (path, status, code) => {
    const { app } = personalizedApp()
    const res = await admin(app, path)
    expect(res.status).toBe(status)
    expect((await res.json()).error.code).toBe(code)
  })

  it.each(['/admin/api/sites/demo/segments', '/admin/api/sites/demo/slots/home-hero/results'])(
    'GET %s refuses without the admin token',
    async (path) => {
      const { app } = personalizedApp()
      const res = await app.request(path)
      expect(res.status).toBe(401)
      expect((await res.json()).error.code).toBe('unauthorized')
      const wrong = await app.request(path, { headers: { authorization: 'Bearer not-the-token-at-all' } })
      expect(wrong.status).toBe(401)
      const writeKey = await app.request(path, { headers: { authorization: `Bearer ${WRITE_KEY}` } })
      expect(writeKey.status).toBe(401)
    },
  )
})

// Keeps the fixture honest: these events carry the purpose the server-side history needs.
it('builds events with personalization granted', () => {
  expect(personal().context).toMatchObject({ consent: { categoryPreferences: PERSONALIZED } })
})
