// The audiences contract: every Store adapter runs it (sqlite/audiences.test.ts,
// postgres/audiences.test.ts). A queue of people claimed with leases (a person queued again while
// claimed is evaluated again after that claim, never lost; a `done` whose lease ran out removes
// nothing), memberships written only while the version they were computed from holds, with their
// notices' deliveries in the same transaction, exactly once whatever the concurrency; members,
// counts and erasure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MembershipChange, QueuedPerson } from '../../collector/audiences/types.ts'
import type { NewNotice } from '../../collector/destinations/types.ts'
import type { Store } from '../../collector/store/types.ts'

const SITE = 'audiences'
const T = 1_700_000_000_000
const LEASE = 30_000

const person = (id: string, site = SITE): QueuedPerson => ({ site, person: id })
const people = (list: readonly QueuedPerson[]) => list.map((p) => p.person)

/** A notice of an audience change, as the engine names it: by profile, audience and version. */
const notice = (messageId: string, destination = 'ads', site = SITE): NewNotice => ({
  site,
  destination,
  messageId,
  event: { type: 'track', event: 'Audience Entered', messageId, properties: { audience: 'vip' } },
})

type Change = MembershipChange & { notices: readonly NewNotice[] }

const enter = (audience: string, fromVersion: number, over: Partial<Change> = {}): Change => ({
  audience,
  member: true,
  fromVersion,
  announced: ['ads'],
  notices: [],
  ...over,
})
const exit = (audience: string, fromVersion: number, over: Partial<Change> = {}): Change =>
  enter(audience, fromVersion, { member: false, ...over })

export const describeAudiencesContract = (
  name: string,
  open: () => Promise<Store>,
  /** Two stores on one database (two collectors), closed by the test. */
  openPair?: () => Promise<[Store, Store, () => Promise<void>]>,
) =>
  describe(`audiences contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    const messageIds = async (site = SITE) =>
      (await store.listDeliveries(site, { limit: 100 })).map((d) => d.messageId).sort()

    it('claims queued people due by now, earliest due first, each by one worker until its lease runs out', async () => {
      await store.queueAudiencePeople([person('p3')], T + 3_000)
      await store.queueAudiencePeople([person('p1'), person('p2')], T + 1_000)
      await store.queueAudiencePeople([person('p4', 'other')], T + 2_000)
      await store.queueAudiencePeople([person('p5')], T + 40_000)
      await store.queueAudiencePeople([], T)
      expect(await store.claimAudiencePeople(T + 999, 10, LEASE)).toEqual([])
      const first = await store.claimAudiencePeople(T + 3_000, 3, LEASE)
      expect(first).toEqual([
        { site: SITE, person: 'p1', lease: T + 3_000 + LEASE },
        { site: SITE, person: 'p2', lease: T + 3_000 + LEASE },
        { site: 'other', person: 'p4', lease: T + 3_000 + LEASE },
      ])
      expect(await store.claimAudiencePeople(T + 3_001, 10, LEASE)).toEqual([
        { site: SITE, person: 'p3', lease: T + 3_001 + LEASE },
      ])
      expect(await store.claimAudiencePeople(T + 3_002, 10, LEASE)).toEqual([])
      // The first claims ran out; the next has a millisecond to go.
      expect(people(await store.claimAudiencePeople(T + 3_000 + LEASE, 10, LEASE))).toEqual([
        'p1',
        'p2',
        'p4',
      ])
      expect(people(await store.claimAudiencePeople(T + 3_001 + LEASE, 10, LEASE))).toEqual(['p3'])
      expect(people(await store.claimAudiencePeople(T + 3_001 + 2 * LEASE, 10, LEASE))).toEqual([
        'p1',
        'p2',
        'p4',
        'p3',
        'p5',
      ])
    })

    it('a person queued again keeps the earlier due time', async () => {
      await store.queueAudiencePeople([person('p1'), person('p2')], T + 5_000)
      // Earlier: moves up; later: changes nothing; the same person twice in one call: once.
      await store.queueAudiencePeople([person('p1')], T + 1_000)
      await store.queueAudiencePeople([person('p2'), person('p2')], T + 9_000)
      expect(await store.claimAudiencePeople(T + 4_999, 10, LEASE)).toEqual([
        { site: SITE, person: 'p1', lease: T + 4_999 + LEASE },
      ])
      expect(people(await store.claimAudiencePeople(T + 5_000, 10, LEASE))).toEqual(['p2'])
    })

    it('`done` takes the person out of the queue only while its claim holds', async () => {
      await store.queueAudiencePeople([person('p1'), person('p2')], T)
      const [c1, c2] = await store.claimAudiencePeople(T, 10, LEASE)
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], c1, T + 10)).toBe(0)
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], undefined, T + 10)).toBe(0)
      // Past every lease, only p2 (never done) is claimed again.
      expect(await store.claimAudiencePeople(T + 10 * LEASE, 10, LEASE)).toEqual([
        { site: SITE, person: 'p2', lease: T + 10 * LEASE + LEASE },
      ])
      // p2's first claim ran out and another worker holds it: the first worker's `done` removes nothing.
      expect(await store.applyAudienceChanges(SITE, 'profile-2', [], c2, T + 10 * LEASE + 1)).toBe(0)
      expect(people(await store.claimAudiencePeople(T + 20 * LEASE, 10, LEASE))).toEqual(['p2'])
    })

    it('a lease that ran out lets another worker claim; the old `done` leaves the person queued', async () => {
      await store.queueAudiencePeople([person('p1')], T)
      const [stale] = await store.claimAudiencePeople(T, 10, LEASE)
      expect(await store.claimAudiencePeople(stale!.lease - 1, 10, LEASE)).toEqual([])
      const [fresh] = await store.claimAudiencePeople(stale!.lease, 10, LEASE)
      expect(fresh).toEqual({ site: SITE, person: 'p1', lease: stale!.lease + LEASE })
      // The stuck worker's change still counts by its version; its `done` does not end the new claim.
      expect(
        await store.applyAudienceChanges(SITE, 'profile-1', [enter('vip', 0)], stale, stale!.lease + 1),
      ).toBe(1)
      expect(await store.claimAudiencePeople(fresh!.lease, 10, LEASE)).toEqual([
        { site: SITE, person: 'p1', lease: fresh!.lease + LEASE },
      ])
      const [last] = await store.claimAudiencePeople(fresh!.lease + LEASE, 10, LEASE)
      // The newest claim's `done` removes it; a stale one's change fails its version.
      expect(
        await store.applyAudienceChanges(SITE, 'profile-1', [enter('vip', 0)], last, last!.lease - 1),
      ).toBe(0)
      expect(await store.claimAudiencePeople(last!.lease + 100 * LEASE, 10, LEASE)).toEqual([])
    })

    it('a person queued again while claimed is claimable again after that claim is done, at the new due time', async () => {
      await store.queueAudiencePeople([person('p1'), person('p2')], T)
      const [c1, c2] = await store.claimAudiencePeople(T, 10, LEASE)
      // New events while both are being evaluated; p1's twice (the earlier time counts).
      await store.queueAudiencePeople([person('p1')], T + 5_000)
      await store.queueAudiencePeople([person('p1')], T + 2_000)
      await store.queueAudiencePeople([person('p2')], T + 500)
      // The claims under way are not disturbed: no one else takes them meanwhile.
      expect(await store.claimAudiencePeople(T + 5_000, 10, LEASE)).toEqual([])
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], c1, T + 1_000)).toBe(0)
      expect(await store.applyAudienceChanges(SITE, 'profile-2', [], c2, T + 1_000)).toBe(0)
      // Due again at the re-queue's time (p2's passed already), not before.
      expect(people(await store.claimAudiencePeople(T + 1_000, 10, LEASE))).toEqual(['p2'])
      expect(await store.claimAudiencePeople(T + 1_999, 10, LEASE)).toEqual([])
      const [again] = await store.claimAudiencePeople(T + 2_000, 10, LEASE)
      expect(again).toEqual({ site: SITE, person: 'p1', lease: T + 2_000 + LEASE })
      // Then done for good; the old claim's `done` changes nothing.
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], c1, T + 2_001)).toBe(0)
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], again, T + 2_001)).toBe(0)
      expect(people(await store.claimAudiencePeople(T + 100 * LEASE, 10, LEASE))).toEqual(['p2'])
    })

    it('a person queued again after their lease ran out is kept through the next claim', async () => {
      await store.queueAudiencePeople([person('p1')], T)
      const [stale] = await store.claimAudiencePeople(T, 10, LEASE)
      await store.queueAudiencePeople([person('p1')], stale!.lease + 5_000)
      // The unfinished claim is claimed again at once; the re-queue waits for that claim's `done`.
      const [fresh] = await store.claimAudiencePeople(stale!.lease, 10, LEASE)
      expect(fresh?.person).toBe('p1')
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], stale, stale!.lease + 1)).toBe(0)
      expect(await store.applyAudienceChanges(SITE, 'profile-1', [], fresh, stale!.lease + 2)).toBe(0)
      expect(await store.claimAudiencePeople(stale!.lease + 4_999, 10, LEASE)).toEqual([])
      expect(people(await store.claimAudiencePeople(stale!.lease + 5_000, 10, LEASE))).toEqual(['p1'])
    })

    it('writes a change only from the stored version, version + 1; resolves to the changes written', async () => {
      expect(await store.memberships(SITE, 'pr1')).toEqual([])
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [enter('vip', 0, { announced: ['ads', 'crm'] }), enter('buyers', 0, { announced: [] })],
          undefined,
          T,
        ),
      ).toBe(2)
      expect(await store.memberships(SITE, 'pr1')).toEqual([
        { audience: 'buyers', member: true, version: 1, announced: [], changedAt: T },
        { audience: 'vip', member: true, version: 1, announced: ['ads', 'crm'], changedAt: T },
      ])
      // Stale: from 0 again, or from a version not reached; a missing row is version 0.
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [enter('vip', 0, { announced: ['x'] }), exit('buyers', 2), exit('lapsed', 1)],
          undefined,
          T + 1,
        ),
      ).toBe(0)
      // One of three holds; in one call, a later change of the same audience sees the earlier one.
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [exit('vip', 1), enter('vip', 2, { announced: ['crm'] }), exit('buyers', 0), enter('new', 1)],
          undefined,
          T + 2,
        ),
      ).toBe(2)
      expect(await store.memberships(SITE, 'pr1')).toEqual([
        { audience: 'buyers', member: true, version: 1, announced: [], changedAt: T },
        { audience: 'vip', member: true, version: 3, announced: ['crm'], changedAt: T + 2 },
      ])
      expect(await store.applyAudienceChanges(SITE, 'pr1', [exit('buyers', 1)], undefined, T + 3)).toBe(1)
      expect((await store.memberships(SITE, 'pr1'))[0]).toEqual({
        audience: 'buyers',
        member: false,
        version: 2,
        announced: ['ads'],
        changedAt: T + 3,
      })
      // Another profile, another site: their own rows.
      expect(await store.memberships(SITE, 'pr2')).toEqual([])
      expect(await store.memberships('other', 'pr1')).toEqual([])
      expect(await store.applyAudienceChanges('other', 'pr1', [enter('vip', 0)], undefined, T)).toBe(1)
      expect((await store.memberships('other', 'pr1')).map((m) => m.version)).toEqual([1])
      expect(await store.applyAudienceChanges(SITE, 'pr1', [], undefined, T)).toBe(0)
    })

    it("a written change's notices land as pending deliveries once; a stale one's do not", async () => {
      const notices = [notice('pr1:vip:1', 'ads'), notice('pr1:vip:1', 'crm')]
      expect(
        await store.applyAudienceChanges(SITE, 'pr1', [enter('vip', 0, { notices })], undefined, T + 7),
      ).toBe(1)
      const queued = await store.listDeliveries(SITE, { limit: 10 })
      expect([...queued].sort((a, b) => a.destination.localeCompare(b.destination))).toEqual(
        ['ads', 'crm'].map((destination) => ({
          site: SITE,
          destination,
          messageId: 'pr1:vip:1',
          status: 'pending',
          attempts: 0,
          createdAt: T + 7,
          nextAt: T + 7,
          doneAt: null,
          lastError: null,
        })),
      )
      // The same change again (another collector's, late), with other notices: nothing.
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [enter('vip', 0, { notices: [notice('late:1'), notice('late:2', 'crm')] })],
          undefined,
          T + 8,
        ),
      ).toBe(0)
      expect(await store.listDeliveries(SITE, { limit: 10 })).toEqual(queued)
      // The exit, from version 1, goes out; a change without notices adds none.
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [exit('vip', 1, { notices: [notice('pr1:vip:2')] }), enter('buyers', 0)],
          undefined,
          T + 9,
        ),
      ).toBe(2)
      expect(await messageIds()).toEqual(['pr1:vip:1', 'pr1:vip:1', 'pr1:vip:2'])
    })

    it('writes the changes and removes the person from the queue in one call', async () => {
      await store.queueAudiencePeople([person('anon-1')], T)
      const [claim] = await store.claimAudiencePeople(T, 10, LEASE)
      expect(
        await store.applyAudienceChanges(
          SITE,
          'pr1',
          [enter('vip', 0, { notices: [notice('pr1:vip:1')] })],
          claim,
          T + 1,
        ),
      ).toBe(1)
      expect(await store.claimAudiencePeople(T + 100 * LEASE, 10, LEASE)).toEqual([])
      expect(await messageIds()).toEqual(['pr1:vip:1'])
      expect((await store.memberships(SITE, 'pr1')).map((m) => [m.audience, m.version])).toEqual([['vip', 1]])
    })

    it("lists an audience's members now in profile order, after a profile, up to the limit", async () => {
      for (const p of ['p05', 'p01', 'p04', 'p02', 'p03'])
        await store.applyAudienceChanges(SITE, p, [enter('vip', 0), enter('buyers', 0)], undefined, T)
      await store.applyAudienceChanges(SITE, 'p03', [exit('vip', 1)], undefined, T + 1)
      await store.applyAudienceChanges('other', 'p00', [enter('vip', 0)], undefined, T)
      expect(await store.audienceMembers(SITE, 'vip', undefined, 10)).toEqual(['p01', 'p02', 'p04', 'p05'])
      expect(await store.audienceMembers(SITE, 'vip', undefined, 2)).toEqual(['p01', 'p02'])
      expect(await store.audienceMembers(SITE, 'vip', 'p02', 2)).toEqual(['p04', 'p05'])
      expect(await store.audienceMembers(SITE, 'vip', 'p025', 10)).toEqual(['p04', 'p05'])
      expect(await store.audienceMembers(SITE, 'vip', 'p05', 10)).toEqual([])
      expect(await store.audienceMembers(SITE, 'buyers', 'p01', 10)).toEqual(['p02', 'p03', 'p04', 'p05'])
      expect(await store.audienceMembers(SITE, 'none', undefined, 10)).toEqual([])
      expect(await store.audienceMembers('other', 'vip', undefined, 10)).toEqual(['p00'])
    })

    it("counts each audience's members now (an audience with none now is left out)", async () => {
      expect(await store.audienceCounts(SITE)).toEqual({})
      for (const p of ['p1', 'p2', 'p3'])
        await store.applyAudienceChanges(SITE, p, [enter('vip', 0)], undefined, T)
      await store.applyAudienceChanges(SITE, 'p1', [enter('buyers', 0)], undefined, T)
      await store.applyAudienceChanges(SITE, 'p2', [exit('vip', 1), enter('lapsed', 0)], undefined, T)
      await store.applyAudienceChanges(SITE, 'p2', [exit('lapsed', 1)], undefined, T)
      await store.applyAudienceChanges('other', 'p1', [enter('vip', 0)], undefined, T)
      expect(await store.audienceCounts(SITE)).toEqual({ vip: 2, buyers: 1 })
      expect(await store.audienceCounts('other')).toEqual({ vip: 1 })
    })

    it("an erasure deletes the profiles' memberships of the site, no one else's", async () => {
      for (const p of ['p1', 'p2', 'p3'])
        await store.applyAudienceChanges(SITE, p, [enter('vip', 0), enter('buyers', 0)], undefined, T)
      await store.applyAudienceChanges(SITE, 'p2', [exit('vip', 1)], undefined, T)
      await store.applyAudienceChanges('other', 'p1', [enter('vip', 0)], undefined, T)
      expect(await store.dropMemberships(SITE, ['p1', 'p2', 'zz'])).toBe(4)
      expect(await store.memberships(SITE, 'p1')).toEqual([])
      expect(await store.memberships(SITE, 'p2')).toEqual([])
      expect(await store.memberships(SITE, 'p3')).toHaveLength(2)
      expect(await store.memberships('other', 'p1')).toHaveLength(1)
      expect(await store.audienceMembers(SITE, 'vip', undefined, 10)).toEqual(['p3'])
      expect(await store.audienceCounts(SITE)).toEqual({ vip: 1, buyers: 1 })
      expect(await store.dropMemberships(SITE, ['p1'])).toBe(0)
      expect(await store.dropMemberships(SITE, [])).toBe(0)
      // Gone is version 0 again.
      expect(await store.applyAudienceChanges(SITE, 'p1', [exit('vip', 1)], undefined, T + 1)).toBe(0)
      expect(await store.applyAudienceChanges(SITE, 'p1', [enter('vip', 0)], undefined, T + 1)).toBe(1)
    })

    if (openPair) {
      it('two collectors on one database never claim the same person', async () => {
        const [a, b, close] = await openPair()
        try {
          const all = Array.from({ length: 60 }, (_, n) => person(`p${String(n).padStart(2, '0')}`))
          await a.queueAudiencePeople(all, T)
          const claimed = (
            await Promise.all(
              Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimAudiencePeople(T, 7, LEASE)),
            )
          ).flat()
          expect(people(claimed).sort()).toEqual(people(all))
        } finally {
          await close()
        }
      })

      it('two collectors applying the same change at once write it once, with one notice', async () => {
        const [a, b, close] = await openPair()
        try {
          for (let round = 0; round < 20; round++) {
            const profile = `pr${round}`
            // Even rounds enter from version 0 (no row yet); odd rounds exit from version 1.
            const from = round % 2
            if (from === 1)
              expect(await a.applyAudienceChanges(SITE, profile, [enter('vip', 0)], undefined, T)).toBe(1)
            // Each collector names its notice its own way: only the version check keeps one.
            const change = (by: string) =>
              (from === 0 ? enter : exit)('vip', from, { notices: [notice(`${by}:${profile}`)] })
            const written = await Promise.all([
              a.applyAudienceChanges(SITE, profile, [change('a')], undefined, T + 1),
              b.applyAudienceChanges(SITE, profile, [change('b')], undefined, T + 1),
            ])
            expect(written[0] + written[1]).toBe(1)
            expect(await a.memberships(SITE, profile)).toEqual([
              {
                audience: 'vip',
                member: from === 0,
                version: from + 1,
                announced: ['ads'],
                changedAt: T + 1,
              },
            ])
            const sent = (await a.listDeliveries(SITE, { limit: 100 })).filter((d) =>
              d.messageId.endsWith(`:${profile}`),
            )
            expect(sent.map((d) => d.messageId)).toEqual([`${written[0] ? 'a' : 'b'}:${profile}`])
          }
        } finally {
          await close()
        }
      })
    }
  })
