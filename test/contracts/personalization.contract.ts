// The personalization reads' contract: every Store adapter runs it (sqlite-personalization.test.ts,
// postgres-personalization.test.ts), so a segment or a slot result means the same on each. Import
// it from a *.test.ts file with a factory that returns a fresh, empty store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identifier } from '../../collector/identity/rules.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import { makeRow } from './store.contract.ts'

const T = 1_700_000_000_000
const GRANTED = { categoryPreferences: { analytics: true, personalization: true } }
const WITHHELD = { categoryPreferences: { analytics: true, personalization: false } }

let n = 0
/** A stored row with a JSON body; `body` is properties, context and the rest. */
const row = (fields: Partial<StoredEvent>, body: Record<string, unknown> = {}) =>
  makeRow({ messageId: `m${++n}`, payload: JSON.stringify(body), ...fields })

const ADA: Identifier[] = [
  { kind: 'anonymous', value: 'a1' },
  { kind: 'anonymous', value: 'a2' },
  { kind: 'email', value: 'hash' },
  { kind: 'user', value: 'u-ada' },
]

const view = (anonymousId: string, minute: number, variant: unknown, more: Record<string, unknown> = {}) =>
  row(
    { anonymousId, name: 'Slot Viewed', timestamp: T + minute * 60_000 },
    { properties: { slot: 'home-hero', variant, ...more }, context: { consent: GRANTED } },
  )
const click = (anonymousId: string, minute: number, variant: string) =>
  row(
    { anonymousId, name: 'Slot Clicked', timestamp: T + minute * 60_000 },
    { properties: { slot: 'home-hero', variant, href: '/outdoor' }, context: { consent: GRANTED } },
  )
const order = (fields: Partial<StoredEvent>, minute: number) =>
  row({ ...fields, name: 'Order Completed', timestamp: T + minute * 60_000 }, { properties: { revenue: 50 } })

/**
 * p1 sees the promo twice, clicks, orders. p2 sees it on the phone (p2a) and orders on the laptop
 * (p2b), both logged in as u2. p3 ordered before seeing it. p4 (held out, eligible for the promo)
 * orders; p5 (held out, eligible for the VIP offer) does not; p6 is held out first and later shown
 * the promo (its group stays holdout); p10 is held out with an eligible that is not a string. p7
 * sees the baseline, clicks and orders. p8 saw a variant the config no longer has.
 */
const SLOT_EVENTS = [
  view('p1', 0, 'outdoor-promo'),
  view('p1', 5, 'outdoor-promo'),
  click('p1', 6, 'outdoor-promo'),
  order({ anonymousId: 'p1' }, 10),
  row({ type: 'identify', name: null, anonymousId: 'p2a', userId: 'u2', timestamp: T - 60_000 }),
  row({ type: 'identify', name: null, anonymousId: 'p2b', userId: 'u2', timestamp: T - 50_000 }),
  view('p2a', 0, 'outdoor-promo'),
  order({ anonymousId: 'p2b', userId: 'u2' }, 60),
  order({ anonymousId: 'p3' }, -60),
  view('p3', 0, 'outdoor-promo'),
  view('p4', 0, 'holdout', { eligible: 'outdoor-promo' }),
  order({ anonymousId: 'p4' }, 30),
  view('p5', 0, 'holdout', { eligible: 'vip-offer' }),
  view('p6', 0, 'holdout', { eligible: 'outdoor-promo' }),
  view('p6', 20, 'outdoor-promo'),
  view('p10', 0, 'holdout', { eligible: 7 }),
  view('p7', 0, 'baseline'),
  click('p7', 1, 'baseline'),
  order({ anonymousId: 'p7' }, 2),
  view('p8', 0, 'old-variant'),
  // Not counted: another slot, no variant, a variant that is not a string, another event, another site.
  row(
    { anonymousId: 'p1', name: 'Slot Viewed', timestamp: T },
    { properties: { slot: 'banner', variant: 'baseline' } },
  ),
  row({ anonymousId: 'p9', name: 'Slot Viewed', timestamp: T }, { properties: { slot: 'home-hero' } }),
  view('p9', 0, 7),
  row(
    { anonymousId: 'p9', name: 'Product Viewed', timestamp: T },
    { properties: { slot: 'home-hero', variant: 'baseline' } },
  ),
  { ...view('p1', 0, 'outdoor-promo'), site: 'other' },
]

export interface OpenOptions {
  /** New profile ids, for tests that need to know them. */
  newId?: () => string
}

export const describePersonalizationContract = (
  name: string,
  open: (options?: OpenOptions) => Promise<Store>,
) => {
  describe(`personalization contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it("tells whether the person's newest consent stamp, on any device, withholds personalization", async () => {
      expect(await store.personalizationRefused('demo', ADA)).toBe(false) // no events: nothing refused
      await store.insertEvents([
        row({ anonymousId: 'a1', timestamp: T + 1 }, { context: { consent: GRANTED } }),
        row({ userId: 'u-ada', anonymousId: null, timestamp: T + 3 }), // a server event: no stamp
      ])
      expect(await store.personalizationRefused('demo', ADA)).toBe(false)
      await store.insertEvents([
        row({ anonymousId: 'a2', timestamp: T + 2 }, { context: { consent: WITHHELD } }),
      ])
      expect(await store.personalizationRefused('demo', ADA)).toBe(true)
      await store.insertEvents([
        row({ anonymousId: 'a1', timestamp: T + 4 }, { context: { consent: GRANTED } }),
      ])
      expect(await store.personalizationRefused('demo', ADA)).toBe(false)
      expect(await store.personalizationRefused('demo', [{ kind: 'email', value: 'hash' }])).toBe(false)
    })

    it("reads a person's usable history from all their ids, newest first, within the window", async () => {
      await store.insertEvents([
        row(
          { anonymousId: 'a1', name: 'Product Viewed', timestamp: T + 1 },
          { properties: { c: 1 }, context: { consent: GRANTED } },
        ),
        row(
          { anonymousId: 'a2', type: 'page', name: 'Home', timestamp: T + 2 },
          { properties: { path: '/' }, context: { consent: GRANTED } },
        ),
        row(
          { anonymousId: null, userId: 'u-ada', name: 'Order Completed', timestamp: T + 3 },
          { properties: { revenue: 9 } },
        ),
        // Left out: personalization withheld, a malformed stamp, not a track or page, too old, someone else, another site.
        row({ anonymousId: 'a1', name: 'Withheld', timestamp: T + 4 }, { context: { consent: WITHHELD } }),
        row({ anonymousId: 'a1', name: 'Malformed', timestamp: T + 4 }, { context: { consent: 'yes' } }),
        row(
          { anonymousId: 'a1', type: 'identify', name: null, timestamp: T + 5 },
          { traits: { plan: 'vip' } },
        ),
        row({ anonymousId: 'a1', name: 'Too Old', timestamp: T - 1 }),
        row({ anonymousId: 'b1', name: 'Bob', timestamp: T + 6 }),
        row({ anonymousId: 'a1', site: 'other', name: 'Elsewhere', timestamp: T + 7 }),
      ])
      const history = await store.personalizationHistory('demo', ADA, { since: T, limit: 100 })
      expect(history).toEqual([
        { type: 'track', name: 'Order Completed', timestamp: T + 3, properties: '{"revenue":9}' },
        { type: 'page', name: null, timestamp: T + 2, properties: '{"path":"/"}' },
        { type: 'track', name: 'Product Viewed', timestamp: T + 1, properties: '{"c":1}' },
      ])
      expect(await store.personalizationHistory('demo', ADA, { since: T, limit: 2 })).toEqual(
        history.slice(0, 2),
      )
      expect(
        await store.personalizationHistory('demo', [{ kind: 'email', value: 'hash' }], {
          since: T,
          limit: 9,
        }),
      ).toEqual([])
    })

    it("takes the person's situation from their latest browser event, else their latest event", async () => {
      await store.insertEvents([
        row({ anonymousId: 'a1', timestamp: T + 1 }, { context: { page: { path: '/a' }, locale: 'en' } }),
        row({ anonymousId: 'a2', type: 'page', name: 'B', timestamp: T + 2 }, { properties: { path: '/b' } }),
        row({ userId: 'u-ada', anonymousId: null, timestamp: T + 3 }, { properties: { revenue: 1 } }),
      ])
      expect(await store.latestSituation('demo', ADA, T)).toEqual({
        type: 'page',
        userId: null,
        anonymousId: 'a2',
        timestamp: T + 2,
        properties: '{"path":"/b"}',
        context: null,
      })
      const server = await store.latestSituation('demo', [{ kind: 'user', value: 'u-ada' }], T)
      expect(server).toMatchObject({ userId: 'u-ada', timestamp: T + 3 })
      expect(await store.latestSituation('demo', ADA, T + 10)).toBeUndefined()
      expect(await store.latestSituation('demo', [], T)).toBeUndefined()
    })

    it('pages through profiles in id order with their traits and identifiers', async () => {
      const ids = ['p-c', 'p-a', 'p-b', 'p-0']
      let next = 0
      const named = await open({ newId: () => ids[next++]! })
      try {
        await named.insertEvents([
          row({ anonymousId: 'x', type: 'identify', timestamp: T }, { traits: { plan: 'vip' } }),
          row({ anonymousId: 'y', timestamp: T + 1 }),
          row({ anonymousId: 'z', userId: 'u-z', timestamp: T + 2 }),
          row({ anonymousId: 'w', site: 'other', timestamp: T + 3 }),
        ])
        await named.resolveIdentities({}, T)
        const first = await named.profilePage('demo', undefined, 2)
        expect(first).toEqual([
          { id: 'p-a', traits: {}, identifiers: [{ kind: 'anonymous', value: 'y' }] },
          {
            id: 'p-b',
            traits: {},
            identifiers: [
              { kind: 'anonymous', value: 'z' },
              { kind: 'user', value: 'u-z' },
            ],
          },
        ])
        expect(await named.profilePage('demo', 'p-b', 2)).toEqual([
          { id: 'p-c', traits: { plan: 'vip' }, identifiers: [{ kind: 'anonymous', value: 'x' }] },
        ])
        expect(await named.profilePage('demo', 'p-c', 2)).toEqual([])
      } finally {
        await named.close()
      }
    })

    it('counts distinct anonymousIds per reported segment, received in the window, ignoring odd shapes', async () => {
      const reported = (anonymousId: string | null, segments: unknown, receivedAt = T) =>
        row({ anonymousId, receivedAt }, { context: { segments } })
      await store.insertEvents([
        reported('a1', ['fans', 'mobile']),
        reported('a1', ['fans']),
        reported('a2', ['fans', 7, null, { x: 1 }]),
        reported('a3', 'fans'),
        reported('a4', { fans: true }),
        reported(null, ['fans']),
        reported('a5', ['mobile'], T - 1),
        row({ anonymousId: 'a6' }, { properties: { segments: ['fans'] } }),
      ])
      expect(await store.segmentVisitors('demo', T)).toEqual({ fans: 2, mobile: 1 })
      expect(await store.segmentVisitors('other', T)).toEqual({})
    })

    it("counts a slot's impressions and clicks by their own variant", async () => {
      await store.insertEvents(SLOT_EVENTS)
      const counts = await store.slotEventCounts('demo', 'home-hero')
      expect([...counts].sort((a, b) => (a.group < b.group ? -1 : 1))).toEqual([
        { group: 'baseline', impressions: 1, clicks: 1 },
        { group: 'holdout', impressions: 4, clicks: 0 },
        { group: 'old-variant', impressions: 1, clicks: 0 },
        { group: 'outdoor-promo', impressions: 5, clicks: 1 },
      ])
      expect(await store.slotEventCounts('demo', 'nope')).toEqual([])
    })

    it("counts a slot's late impressions (baseline with late: true) by the variant decided for", async () => {
      const late = { late: true }
      await store.insertEvents([
        view('q1', 0, 'baseline', { eligible: 'outdoor-promo', ...late }),
        view('q2', 0, 'baseline', { eligible: 'outdoor-promo', ...late }),
        view('q3', 0, 'baseline', { eligible: 'vip-offer', ...late }),
        view('q4', 0, 'baseline', late),
        view('q5', 0, 'baseline', { eligible: 7, ...late }),
        // Not late: not JSON true, not shown as the baseline, a click, another slot, another site.
        view('q6', 0, 'baseline', { eligible: 'outdoor-promo', late: 1 }),
        view('q6', 1, 'baseline', { eligible: 'outdoor-promo', late: 'true' }),
        view('q6', 2, 'baseline', { eligible: 'outdoor-promo', late: false }),
        view('q6', 3, 'outdoor-promo', late),
        view('q6', 4, 'baseline', { eligible: 'outdoor-promo' }),
        row(
          { anonymousId: 'q6', name: 'Slot Clicked', timestamp: T },
          { properties: { slot: 'home-hero', variant: 'baseline', eligible: 'vip-offer', late: true } },
        ),
        row(
          { anonymousId: 'q6', name: 'Slot Viewed', timestamp: T },
          { properties: { slot: 'banner', variant: 'baseline', eligible: 'vip-offer', late: true } },
        ),
        { ...view('q7', 0, 'baseline', { eligible: 'vip-offer', ...late }), site: 'other' },
      ])
      expect(await store.slotLateCounts('demo', 'home-hero')).toEqual([
        { eligible: null, late: 2 },
        { eligible: 'outdoor-promo', late: 2 },
        { eligible: 'vip-offer', late: 1 },
      ])
      // Late impressions are the baseline's: the events' own counts are unchanged.
      expect(await store.slotEventCounts('demo', 'home-hero')).toEqual([
        { group: 'baseline', impressions: 9, clicks: 1 },
        { group: 'outdoor-promo', impressions: 1, clicks: 0 },
      ])
      expect(await store.slotLateCounts('other', 'home-hero')).toEqual([{ eligible: 'vip-offer', late: 1 }])
      expect(await store.slotLateCounts('demo', 'nope')).toEqual([])
    })

    it('counts people by the group of their first impression, and those who reached the goal after it', async () => {
      await store.insertEvents(SLOT_EVENTS)
      await store.resolveIdentities({}, T)
      const byGroup = (a: { group: string; eligible: string | null }, b: typeof a) =>
        a.group === b.group ? ((a.eligible ?? '') < (b.eligible ?? '') ? -1 : 1) : a.group < b.group ? -1 : 1
      const people = await store.slotVisitors('demo', 'home-hero', 'Order Completed')
      expect([...people].sort(byGroup)).toEqual([
        { group: 'baseline', eligible: null, visitors: 1, conversions: 1 },
        { group: 'holdout', eligible: null, visitors: 1, conversions: 0 },
        { group: 'holdout', eligible: 'outdoor-promo', visitors: 2, conversions: 1 },
        { group: 'holdout', eligible: 'vip-offer', visitors: 1, conversions: 0 },
        { group: 'old-variant', eligible: null, visitors: 1, conversions: 0 },
        { group: 'outdoor-promo', eligible: null, visitors: 3, conversions: 2 },
      ])
      const noGoal = await store.slotVisitors('demo', 'home-hero', undefined)
      expect([...noGoal].sort(byGroup)).toEqual(people.map((p) => ({ ...p, conversions: 0 })).sort(byGroup))
      expect(await store.slotVisitors('other', 'home-hero', 'Order Completed')).toEqual([
        { group: 'outdoor-promo', eligible: null, visitors: 1, conversions: 0 },
      ])
    })
  })
}
