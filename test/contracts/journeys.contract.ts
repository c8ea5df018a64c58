// The journeys contract: every Store adapter runs it (sqlite/journeys.test.ts,
// postgres/journeys.test.ts). An entry per person and trigger, re-entry by the journey's rule
// whatever the concurrency, either id naming the person, leases fencing settlements, a 'sent'
// settlement queuing its message's delivery at once; reads, erasure, retention and unsubscribes in
// journey-reads.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClaimedEntry, NewEntry } from '../../collector/journeys/types.ts'
import type { Store } from '../../collector/store/types.ts'
import { journeyReadTests } from './journey-reads.contract.ts'
import { anon, entry, ids, J, LEASE, notice, SITE, settle, T } from './journeys-fixtures.ts'

export const describeJourneysContract = (
  name: string,
  open: () => Promise<Store>,
  /** Two stores on one database (two collectors), closed by the test. */
  openPair?: () => Promise<[Store, Store, () => Promise<void>]>,
) =>
  describe(`journeys contract: ${name}`, () => {
    let store: Store
    const ctx = { store: undefined as unknown as Store }
    beforeEach(async () => {
      store = await open()
      ctx.store = store
    })
    afterEach(async () => {
      await store.close()
    })

    const settled = (e: NewEntry, outcome: Parameters<Store['settleEntry']>[1], at = e.dueAt) =>
      settle(store, e, outcome, at)

    it('enters each key once, with what the message may use', async () => {
      expect(await store.enterJourneys([entry(1)], T)).toBe(1)
      expect(await store.enterJourneys([entry(1, { anonymousId: 'a2' })], T)).toBe(0)
      expect(await store.listEntries(SITE, { limit: 10 })).toEqual([
        {
          site: SITE,
          journey: J,
          entryId: 't001',
          anonymousId: 'a1',
          userId: null,
          group: 'reached',
          status: 'waiting',
          enteredAt: T + 1,
          dueAt: T + 1_001,
          context: entry(1).context,
          doneAt: null,
          reason: null,
          convertedAt: null,
          revenue: 0,
        },
      ])
      expect(await store.enterJourneys([], T)).toBe(0)
    })

    it('`again`: no new entry while one of the person is waiting; one after it left', async () => {
      expect(await store.enterJourneys([entry(1)], T)).toBe(1)
      expect(await store.enterJourneys([entry(2)], T)).toBe(0)
      // Another person, and the same person in another journey, enter.
      expect(await store.enterJourneys([entry(3, { anonymousId: 'a2' })], T)).toBe(1)
      expect(await store.enterJourneys([entry(4, { journey: 'winback' })], T)).toBe(1)
      expect(await store.exitJourneys(SITE, J, anon('a1'), T + 10, 'purchased', T + 10)).toBe(1)
      expect(await store.enterJourneys([entry(5)], T)).toBe(1)
      // In one call, in order: the later entry of the person sees the earlier one.
      expect(
        await store.enterJourneys([entry(6, { anonymousId: 'a3' }), entry(7, { anonymousId: 'a3' })], T),
      ).toBe(1)
      expect(ids(await store.listEntries(SITE, { journey: J, status: 'waiting', limit: 10 }))).toEqual([
        't006',
        't005',
        't003',
      ])
    })

    it('`once`: no new entry when the person has any entry of the journey', async () => {
      const once = (n: number, over: Partial<NewEntry> = {}) => entry(n, { reentry: 'once', ...over })
      expect(await store.enterJourneys([once(1)], T)).toBe(1)
      expect(await store.enterJourneys([once(2)], T)).toBe(0)
      expect(await store.exitJourneys(SITE, J, anon('a1'), T + 10, 'purchased', T + 10)).toBe(1)
      expect(await store.enterJourneys([once(3)], T)).toBe(0)
      // By their user id too, once an entry carries it.
      expect(await store.enterJourneys([once(4, { anonymousId: 'a2', userId: 'u2' })], T)).toBe(1)
      expect(await store.exitJourneys(SITE, J, anon('a2'), T + 10, 'purchased', T + 10)).toBe(1)
      expect(await store.enterJourneys([once(5, { anonymousId: 'a9', userId: 'u2' })], T)).toBe(0)
      expect(
        await store.enterJourneys([once(6, { anonymousId: 'a3' }), once(7, { anonymousId: 'a3' })], T),
      ).toBe(1)
      expect(await store.enterJourneys([once(8, { journey: 'winback' })], T)).toBe(1)
      expect(ids(await store.listEntries(SITE, { journey: J, limit: 10 }))).toEqual(['t006', 't004', 't001'])
    })

    it('names the person by either id: entering, exiting', async () => {
      // Entered by the anonymous id; exited by an event carrying it and the user id.
      expect(await store.enterJourneys([entry(1)], T)).toBe(1)
      expect(await store.enterJourneys([entry(2, { userId: 'u1' })], T)).toBe(0)
      expect(
        await store.exitJourneys(SITE, J, { anonymousId: 'a1', userId: 'u1' }, T + 5, 'bought', T + 5),
      ).toBe(1)
      // Entered by the user id only; exited by it, whatever the anonymous id; not by another id.
      expect(await store.enterJourneys([entry(3, { anonymousId: null, userId: 'u2' })], T)).toBe(1)
      expect(await store.enterJourneys([entry(4, { anonymousId: 'a4', userId: 'u2' })], T)).toBe(0)
      expect(await store.exitJourneys(SITE, J, anon('a4'), T + 5, 'bought', T + 5)).toBe(0)
      expect(
        await store.exitJourneys(SITE, J, { anonymousId: 'a5', userId: 'u2' }, T + 5, 'bought', T + 6),
      ).toBe(1)
      expect(await store.listEntries(SITE, { limit: 10 })).toMatchObject([
        {
          entryId: 't003',
          anonymousId: null,
          userId: 'u2',
          status: 'exited',
          doneAt: T + 6,
          reason: 'bought',
        },
        {
          entryId: 't001',
          anonymousId: 'a1',
          userId: null,
          status: 'exited',
          doneAt: T + 5,
          reason: 'bought',
        },
      ])
    })

    it('exits only waiting entries of the journey entered at or before the event', async () => {
      await store.enterJourneys([entry(10), entry(11, { journey: 'winback' })], T)
      expect(await store.exitJourneys(SITE, J, anon('a1'), T + 9, 'bought', T + 20)).toBe(0)
      expect(await store.exitJourneys(SITE, J, anon('a1'), T + 10, 'bought', T + 20)).toBe(1)
      expect(await store.exitJourneys(SITE, J, anon('a1'), T + 10, 'bought', T + 21)).toBe(0)
      await settled(entry(12, { anonymousId: 'a2' }), { kind: 'held' })
      expect(await store.exitJourneys(SITE, J, anon('a2'), T + 9_999, 'bought', T + 9_999)).toBe(0)
      expect(await store.exitJourneys('other', 'winback', anon('a1'), T + 11, 'bought', T + 20)).toBe(0)
      expect(
        (await store.listEntries(SITE, { limit: 10 })).map((e) => [e.entryId, e.status, e.doneAt, e.reason]),
      ).toEqual([
        ['t012', 'held', T + 1_012, null],
        ['t011', 'waiting', null, null],
        ['t010', 'exited', T + 20, 'bought'],
      ])
    })

    it('claims due waiting entries, earliest due first, each by one worker until its lease runs out', async () => {
      await store.enterJourneys(
        [
          entry(1, { anonymousId: 'a1', dueAt: T + 3_000 }),
          entry(2, { anonymousId: 'a2', dueAt: T + 1_000 }),
          entry(3, { anonymousId: 'a3', dueAt: T + 2_000 }),
          entry(4, { anonymousId: 'a4', dueAt: T + 40_000 }),
        ],
        T,
      )
      expect(await store.claimDueEntries(T + 999, 10, LEASE)).toEqual([])
      const first = await store.claimDueEntries(T + 3_000, 2, LEASE)
      expect(first.map((c) => [c.entryId, c.lease])).toEqual([
        ['t002', T + 3_000 + LEASE],
        ['t003', T + 3_000 + LEASE],
      ])
      expect(first[0]).toMatchObject({
        site: SITE,
        journey: J,
        anonymousId: 'a2',
        group: 'reached',
        status: 'waiting',
        dueAt: T + 1_000,
        context: entry(2).context,
      } satisfies Partial<ClaimedEntry>)
      expect(ids(await store.claimDueEntries(T + 3_001, 10, LEASE))).toEqual(['t001'])
      expect(await store.claimDueEntries(T + 3_002, 10, LEASE)).toEqual([])
      // The first two claims ran out; the third's has a millisecond to go.
      expect(ids(await store.claimDueEntries(T + 3_000 + LEASE, 10, LEASE))).toEqual(['t002', 't003'])
      expect(ids(await store.claimDueEntries(T + 3_001 + LEASE, 10, LEASE))).toEqual(['t001'])
      expect(ids(await store.claimDueEntries(T + 3_001 + 2 * LEASE, 10, LEASE))).toEqual([
        't002',
        't003',
        't001',
        't004',
      ])
    })

    it('settles only under the newest claim: a lease that ran out writes nothing', async () => {
      await store.enterJourneys([entry(1)], T)
      const [stale] = await store.claimDueEntries(T + 1_001, 10, LEASE)
      // The first worker is stuck past its lease; another claims the entry again.
      const [fresh] = await store.claimDueEntries(stale!.lease, 10, LEASE)
      expect(fresh?.entryId).toBe('t001')
      expect(fresh!.lease).toBeGreaterThan(stale!.lease)
      const at = stale!.lease + 5
      expect(await store.settleEntry(stale!, { kind: 'sent', notice: notice('m1') }, at)).toBe(false)
      expect(await store.listDeliveries(SITE, { limit: 10 })).toEqual([])
      expect(await store.settleEntry(fresh!, { kind: 'skipped', reason: 'frequency cap' }, at)).toBe(true)
      expect(await store.settleEntry(fresh!, { kind: 'held' }, at)).toBe(false)
      expect(await store.listEntries(SITE, { limit: 10 })).toMatchObject([
        { entryId: 't001', status: 'skipped', reason: 'frequency cap', doneAt: at },
      ])
      expect(await store.claimDueEntries(at + 10 * LEASE, 10, LEASE)).toEqual([])
    })

    it('a sent settlement queues exactly one pending delivery of its message; again, nothing', async () => {
      const claim = await settled(entry(1), { kind: 'sent', notice: notice('m1') }, T + 2_000)
      expect(await store.listEntries(SITE, { limit: 10 })).toMatchObject([
        { entryId: 't001', status: 'sent', doneAt: T + 2_000, reason: null },
      ])
      const queued = await store.listDeliveries(SITE, { limit: 10 })
      expect(queued).toEqual([
        {
          site: SITE,
          destination: 'mail',
          messageId: 'm1',
          status: 'pending',
          attempts: 0,
          createdAt: T + 2_000,
          nextAt: T + 2_000,
          doneAt: null,
          lastError: null,
        },
      ])
      expect(await store.settleEntry(claim, { kind: 'sent', notice: notice('m1') }, T + 2_001)).toBe(false)
      expect(await store.settleEntry(claim, { kind: 'sent', notice: notice('m2') }, T + 2_001)).toBe(false)
      expect(await store.listDeliveries(SITE, { limit: 10 })).toEqual(queued)
      expect(await store.claimDueEntries(T + 10 * LEASE, 10, LEASE)).toEqual([])
    })

    it('held and skipped are done; later is due again at the new time, still waiting', async () => {
      await store.enterJourneys(
        [entry(1, { group: 'holdout' }), entry(2, { anonymousId: 'a2' }), entry(3, { anonymousId: 'a3' })],
        T,
      )
      const claims = await store.claimDueEntries(T + 1_003, 10, LEASE)
      expect(ids(claims)).toEqual(['t001', 't002', 't003'])
      const at = T + 1_010
      expect(await store.settleEntry(claims[0]!, { kind: 'held' }, at)).toBe(true)
      expect(await store.settleEntry(claims[1]!, { kind: 'skipped', reason: 'unsubscribed' }, at)).toBe(true)
      expect(
        await store.settleEntry(claims[2]!, { kind: 'later', dueAt: T + 50_000, reason: 'quiet hours' }, at),
      ).toBe(true)
      expect(
        (await store.listEntries(SITE, { limit: 10 })).map((e) => [
          e.entryId,
          e.status,
          e.dueAt,
          e.doneAt,
          e.reason,
        ]),
      ).toEqual([
        ['t003', 'waiting', T + 50_000, null, 'quiet hours'],
        ['t002', 'skipped', T + 1_002, at, 'unsubscribed'],
        ['t001', 'held', T + 1_001, at, null],
      ])
      // Its lease is given back, but it is not due before its new time.
      expect(await store.claimDueEntries(at + 1, 10, LEASE)).toEqual([])
      expect(await store.claimDueEntries(T + 49_999, 10, LEASE)).toEqual([])
      const [again] = await store.claimDueEntries(T + 50_000, 10, LEASE)
      expect(again).toMatchObject({ entryId: 't003', dueAt: T + 50_000, lease: T + 50_000 + LEASE })
      // The old claim settles nothing.
      expect(await store.settleEntry(claims[2]!, { kind: 'held' }, T + 50_001)).toBe(false)
      expect(await store.settleEntry(again!, { kind: 'sent', notice: notice('m3') }, T + 50_001)).toBe(true)
      expect((await store.listDeliveries(SITE, { limit: 10 })).map((d) => d.messageId)).toEqual(['m3'])
    })

    it("marks the person's entries entered within the window converted, whatever their status, once", async () => {
      await settled(entry(1), { kind: 'held' })
      await store.enterJourneys(
        [entry(5), entry(10, { anonymousId: 'a2' }), entry(6, { journey: 'winback' })],
        T,
      )
      const person = { anonymousId: 'a1', userId: 'u1' }
      expect(await store.convertJourneys(SITE, J, person, T + 6, T, 20)).toBe(2)
      expect(await store.convertJourneys(SITE, J, person, T + 7, T, 30)).toBe(0)
      // [since, at], both ends in.
      expect(await store.convertJourneys(SITE, J, anon('a2'), T + 9, T, 5)).toBe(0)
      expect(await store.convertJourneys(SITE, J, anon('a2'), T + 20, T + 11, 5)).toBe(0)
      expect(await store.convertJourneys(SITE, J, anon('a2'), T + 10, T + 10, 5.5)).toBe(1)
      expect(
        (await store.listEntries(SITE, { limit: 10 })).map((e) => [
          e.entryId,
          e.status,
          e.convertedAt,
          e.revenue,
        ]),
      ).toEqual([
        ['t010', 'waiting', T + 10, 5.5],
        ['t006', 'waiting', null, 0],
        ['t005', 'waiting', T + 6, 20],
        ['t001', 'held', T + 6, 20],
      ])
    })

    journeyReadTests(ctx)

    if (openPair) {
      it('two collectors on one database never claim the same entry', async () => {
        const [a, b, close] = await openPair()
        try {
          const all = Array.from({ length: 60 }, (_, n) => entry(n, { anonymousId: `p${n}` }))
          expect(await a.enterJourneys(all, T)).toBe(60)
          const claimed = (
            await Promise.all(
              Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimDueEntries(T + 1_060, 7, LEASE)),
            )
          ).flat()
          expect(ids(claimed).sort()).toEqual(ids(all))
        } finally {
          await close()
        }
      })

      it('two collectors entering one person at once make one entry', async () => {
        const [a, b, close] = await openPair()
        try {
          for (let round = 0; round < 20; round++) {
            const reentry = round % 4 < 2 ? 'again' : 'once'
            // Odd rounds: one collector knows the person by their anonymous id only, the other by both.
            const person = { journey: `j${round}`, anonymousId: `p${round}`, reentry } as const
            const made = await Promise.all([
              a.enterJourneys([entry(1, person)], T),
              b.enterJourneys([entry(2, { ...person, userId: round % 2 ? `u${round}` : null })], T),
            ])
            expect(made[0] + made[1]).toBe(1)
          }
          const entries = await a.listEntries(SITE, { status: 'waiting', limit: 100 })
          expect(entries.map((e) => e.journey).sort()).toEqual(
            Array.from({ length: 20 }, (_, r) => `j${r}`).sort(),
          )
        } finally {
          await close()
        }
      })
    }
  })
