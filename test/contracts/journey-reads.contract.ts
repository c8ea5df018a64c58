// The journeys contract, continued: what the collector reads of runs (counts per group, messages
// a person was sent, the newest runs) and what it forgets (erasure, retention), and unsubscribes.
// Run inside journeys.contract.ts's suite, with its store.
import { expect, it } from 'vitest'
import type { Store } from '../../collector/store/types.ts'
import { anon, byGroup, entry, ids, J, notice, SITE, settle, T } from './journeys-fixtures.ts'

export const journeyReadTests = (ctx: { store: Store }) => {
  it('counts each group of a journey: entries, what became of them, conversions and revenue', async () => {
    await settle(ctx.store, entry(1, { anonymousId: 'r1' }), { kind: 'sent', notice: notice('m1') })
    await settle(ctx.store, entry(2, { anonymousId: 'r2' }), { kind: 'skipped', reason: 'no address' })
    await ctx.store.enterJourneys([entry(3, { anonymousId: 'r3' }), entry(4, { anonymousId: 'r4' })], T)
    await ctx.store.exitJourneys(SITE, J, anon('r4'), T + 4, 'bought', T + 4)
    await settle(ctx.store, entry(5, { anonymousId: 'h1', group: 'holdout' }), { kind: 'held' })
    await settle(ctx.store, entry(6, { anonymousId: 'h2', group: 'holdout' }), { kind: 'held' })
    await ctx.store.convertJourneys(SITE, J, anon('r1'), T + 10, T, 10)
    await ctx.store.convertJourneys(SITE, J, anon('r4'), T + 10, T, 2.5)
    await ctx.store.convertJourneys(SITE, J, anon('h2'), T + 10, T, 4)
    await ctx.store.enterJourneys([entry(7, { journey: 'winback' })], T)
    expect(byGroup(await ctx.store.journeyCounts(SITE, J))).toEqual([
      {
        group: 'holdout',
        entered: 2,
        waiting: 0,
        sent: 0,
        held: 2,
        exited: 0,
        skipped: 0,
        converted: 1,
        revenue: 4,
        revenueSquares: 16,
      },
      {
        group: 'reached',
        entered: 4,
        waiting: 1,
        sent: 1,
        held: 0,
        exited: 1,
        skipped: 1,
        converted: 2,
        revenue: 12.5,
        revenueSquares: 106.25,
      },
    ])
    expect(await ctx.store.journeyCounts(SITE, 'winback')).toEqual([
      {
        group: 'reached',
        entered: 1,
        waiting: 1,
        sent: 0,
        held: 0,
        exited: 0,
        skipped: 0,
        converted: 0,
        revenue: 0,
        revenueSquares: 0,
      },
    ])
    expect(await ctx.store.journeyCounts(SITE, 'none')).toEqual([])
    expect(await ctx.store.journeyCounts('other', J)).toEqual([])
  })

  it("counts the messages sent to the person (either id) since a time, across the site's journeys", async () => {
    await settle(ctx.store, entry(1, { dueAt: T + 100 }), { kind: 'sent', notice: notice('m1') })
    await settle(ctx.store, entry(2, { journey: 'winback', anonymousId: 'a2', userId: 'u1' }), {
      kind: 'sent',
      notice: notice('m2'),
    })
    await settle(ctx.store, entry(3, { journey: 'onboard', dueAt: T + 300 }), { kind: 'held' })
    await settle(ctx.store, entry(4, { journey: 'upsell', dueAt: T + 300 }), {
      kind: 'skipped',
      reason: 'cap',
    })
    await ctx.store.enterJourneys([entry(5, { journey: 'promo' })], T)
    const both = { anonymousId: 'a1', userId: 'u1' }
    expect(await ctx.store.messagesSince(SITE, both, T)).toBe(2)
    expect(await ctx.store.messagesSince(SITE, anon('a1'), T)).toBe(1)
    expect(await ctx.store.messagesSince(SITE, { anonymousId: null, userId: 'u1' }, T)).toBe(1)
    expect(await ctx.store.messagesSince(SITE, both, T + 101)).toBe(1)
    expect(await ctx.store.messagesSince(SITE, both, T + 1_002)).toBe(1)
    expect(await ctx.store.messagesSince(SITE, both, T + 1_003)).toBe(0)
    expect(await ctx.store.messagesSince(SITE, { anonymousId: 'a9', userId: 'u9' }, T)).toBe(0)
    expect(await ctx.store.messagesSince('other', both, T)).toBe(0)
  })

  it('lists the newest entered first, by journey and status, up to the limit', async () => {
    await ctx.store.enterJourneys(
      [
        entry(3, { anonymousId: 'a3' }),
        entry(1, { anonymousId: 'a1' }),
        entry(2, { anonymousId: 'a2', journey: 'winback' }),
        entry(4, { site: 'other', anonymousId: 'a4' }),
      ],
      T,
    )
    await ctx.store.exitJourneys(SITE, J, anon('a3'), T + 3, 'bought', T + 3)
    expect(ids(await ctx.store.listEntries(SITE, { limit: 10 }))).toEqual(['t003', 't002', 't001'])
    expect(ids(await ctx.store.listEntries(SITE, { limit: 2 }))).toEqual(['t003', 't002'])
    expect(ids(await ctx.store.listEntries(SITE, { journey: J, limit: 10 }))).toEqual(['t003', 't001'])
    expect(ids(await ctx.store.listEntries(SITE, { status: 'waiting', limit: 10 }))).toEqual(['t002', 't001'])
    expect(ids(await ctx.store.listEntries(SITE, { journey: J, status: 'exited', limit: 10 }))).toEqual([
      't003',
    ])
    expect(ids(await ctx.store.listEntries('other', { limit: 10 }))).toEqual(['t004'])
  })

  it("an erasure drops the people's entries and their messages' pending deliveries, no one else's", async () => {
    await settle(ctx.store, entry(1, { anonymousId: 'a1' }), { kind: 'sent', notice: notice('m1') })
    await settle(ctx.store, entry(2, { anonymousId: 'a2' }), { kind: 'sent', notice: notice('m2') })
    await settle(ctx.store, entry(3, { anonymousId: 'a3', userId: 'u3' }), {
      kind: 'sent',
      notice: notice('m3'),
    })
    await ctx.store.enterJourneys(
      [entry(4, { anonymousId: null, userId: 'u3', journey: 'winback' }), entry(5, { journey: 'winback' })],
      T,
    )
    // Another site's entry of the same ids, and its delivery, stay.
    await settle(ctx.store, entry(6, { site: 'other' }), { kind: 'sent', notice: notice('m1', 'other') })
    await ctx.store.enqueueNotices([notice('erased-1')], T)
    // What the export shows first: the people's entries by either id, oldest first, of this site only.
    expect(ids(await ctx.store.entriesOf(SITE, ['a1', 'zz'], ['u3']))).toEqual([
      't001',
      't003',
      't004',
      't005',
    ])
    expect(await ctx.store.entriesOf(SITE, [], [])).toEqual([])
    expect(await ctx.store.dropEntries(SITE, ['a1', 'zz'], ['u3'])).toBe(4)
    expect(ids(await ctx.store.listEntries(SITE, { limit: 10 }))).toEqual(['t002'])
    expect((await ctx.store.listDeliveries(SITE, { limit: 10 })).map((d) => d.messageId).sort()).toEqual([
      'erased-1',
      'm2',
    ])
    expect(ids(await ctx.store.listEntries('other', { limit: 10 }))).toEqual(['t006'])
    expect((await ctx.store.listDeliveries('other', { limit: 10 })).map((d) => d.messageId)).toEqual(['m1'])
    expect(await ctx.store.dropEntries(SITE, [], [])).toBe(0)
    expect(await ctx.store.dropEntries(SITE, ['a1'], ['u3'])).toBe(0)
  })

  it("retention deletes the site's entries entered before a time", async () => {
    await ctx.store.enterJourneys(
      [1, 2, 3].map((n) => entry(n, { anonymousId: `a${n}` })),
      T,
    )
    await ctx.store.enterJourneys([entry(1, { site: 'other' })], T)
    expect(await ctx.store.deleteEntriesBefore(SITE, T + 1)).toBe(0)
    expect(await ctx.store.deleteEntriesBefore(SITE, T + 3)).toBe(2)
    expect(ids(await ctx.store.listEntries(SITE, { limit: 10 }))).toEqual(['t003'])
    expect(ids(await ctx.store.listEntries('other', { limit: 10 }))).toEqual(['t001'])
  })

  it('records an unsubscribe once', async () => {
    expect(await ctx.store.unsubscribed(SITE, 'subject-1')).toBe(false)
    expect(await ctx.store.unsubscribe(SITE, 'subject-1', T)).toBe(true)
    expect(await ctx.store.unsubscribe(SITE, 'subject-1', T + 1)).toBe(false)
    expect(await ctx.store.unsubscribed(SITE, 'subject-1')).toBe(true)
    expect(await ctx.store.unsubscribed(SITE, 'subject-2')).toBe(false)
    expect(await ctx.store.unsubscribed('other', 'subject-1')).toBe(false)
  })
}
