// The delivery contract: every Store adapter runs it (sqlite/deliveries.test.ts,
// postgres/deliveries.test.ts). The outbox is filled by the event insert itself; a delivery is made
// once per event and destination; leases keep two workers (two collectors) off the same one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DeliveryKey } from '../../collector/destinations/types.ts'
import type { Store } from '../../collector/store/types.ts'
import { makeRow } from './store.contract.ts'

const SITE = 'deliver'
const T = 1_700_000_000_000
const LEASE = 30_000
/** The site active by its config's version 1, and what a worker holding that version routes with. */
const ON = [{ site: SITE, version: 1, active: true }]
const V1 = { [SITE]: 1, other: 1 }

const event = (n: number, site = SITE) =>
  makeRow({ site, messageId: `e${String(n).padStart(3, '0')}`, timestamp: T + n, receivedAt: T + n })

/** Every queued event routed to `destinations`, then the outbox emptied. */
const fanOut = async (store: Store, destinations: string[], now = T) => {
  const entries = await store.claimOutbox(now, 1_000, LEASE, V1)
  const deliveries = entries.flatMap((e) =>
    destinations.map((destination) => ({
      site: e.event.site,
      destination,
      messageId: e.event.messageId,
      seq: e.seq,
    })),
  )
  return store.enqueueDeliveries(
    entries.map((e) => e.seq),
    deliveries,
    now,
  )
}

const keys = (list: readonly DeliveryKey[]) => list.map((d) => `${d.destination}/${d.messageId}`).sort()

export const describeDeliveriesContract = (
  name: string,
  open: () => Promise<Store>,
  /** Two stores on one database (two collectors), closed by the test. */
  openPair?: () => Promise<[Store, Store, () => Promise<void>]>,
) =>
  describe(`deliveries contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('queues in the insert only the events of sites with a destination, each once', async () => {
      await store.insertEvents([event(1)])
      await store.setDeliverySites(ON)
      await store.insertEvents([event(2), event(3, 'other')])
      // A repeat of a stored event is acknowledged, not stored or queued again.
      await store.insertEvents([event(2), event(4)])
      const entries = await store.claimOutbox(T, 100, LEASE, V1)
      expect(entries.map((e) => e.event.messageId)).toEqual(['e002', 'e004'])
      expect(entries[0]!.event).toMatchObject({ site: SITE, type: 'track', name: 'Signed Up' })
      await store.setDeliverySites([{ site: SITE, version: 2, active: false }])
      await store.insertEvents([event(5)])
      // Routed only by a worker that has read version 2.
      expect(await store.claimOutbox(T + LEASE, 100, LEASE, V1)).toHaveLength(0)
      expect(await store.claimOutbox(T + LEASE, 100, LEASE, { [SITE]: 2 })).toHaveLength(2)
    })

    it('lets no collector with an older config undo a newer one or route its events', async () => {
      await store.setDeliverySites([{ site: SITE, version: 3, active: true }])
      // A collector still at version 2 (no destination yet) syncs what it knows: nothing changes.
      await store.setDeliverySites([{ site: SITE, version: 2, active: false }])
      await store.insertEvents([event(1)])
      expect(await store.claimOutbox(T, 10, LEASE, { [SITE]: 2 })).toEqual([])
      expect(await store.claimOutbox(T, 10, LEASE, {})).toEqual([])
      const [entry] = await store.claimOutbox(T, 10, LEASE, { [SITE]: 4 })
      expect(entry?.event.messageId).toBe('e001')
      // A newer version does change it: the next event is not queued.
      await store.setDeliverySites([{ site: SITE, version: 4, active: false }])
      await store.insertEvents([event(2)])
      const left = await store.claimOutbox(T + LEASE, 10, LEASE, { [SITE]: 4 })
      expect(left.map((e) => e.event.messageId)).toEqual(['e001'])
    })

    it('leases outbox entries and removes them with the deliveries they became, each once', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2, 3].map((n) => event(n)))
      const first = await store.claimOutbox(T, 2, LEASE, V1)
      expect(first.map((e) => e.event.messageId)).toEqual(['e001', 'e002'])
      // Held: another worker gets only the rest until the lease ends.
      expect((await store.claimOutbox(T + 1, 10, LEASE, V1)).map((e) => e.event.messageId)).toEqual(['e003'])
      expect(await store.claimOutbox(T + 2, 10, LEASE, V1)).toEqual([])
      const again = await store.claimOutbox(T + LEASE, 10, LEASE, V1)
      expect(again.map((e) => e.event.messageId)).toEqual(['e001', 'e002'])
      const made = first.map((e) => ({
        site: SITE,
        destination: 'crm',
        messageId: e.event.messageId,
        seq: e.seq,
      }))
      expect(
        await store.enqueueDeliveries(
          first.map((e) => e.seq),
          made,
          T,
        ),
      ).toBe(2)
      // A worker that claimed the same entries after a lease ran out makes nothing twice.
      expect(
        await store.enqueueDeliveries(
          again.map((e) => e.seq),
          made,
          T,
        ),
      ).toBe(0)
      expect(await store.claimOutbox(T + 10 * LEASE, 10, LEASE, V1)).toHaveLength(1)
      expect(await store.deliveryCounts(SITE)).toEqual([
        { destination: 'crm', pending: 2, delivered: 0, dead: 0 },
      ])
    })

    it('claims due deliveries of one destination, oldest first, each by one worker at a time', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2, 3, 4].map((n) => event(n)))
      expect(await fanOut(store, ['crm', 'ads'])).toBe(8)
      const a = await store.claimDeliveries(SITE, 'crm', T, 3, LEASE)
      expect(keys(a)).toEqual(['crm/e001', 'crm/e002', 'crm/e003'])
      expect(a[0]).toMatchObject({ attempts: 0, firstAt: null, createdAt: T, event: { messageId: 'e001' } })
      expect(keys(await store.claimDeliveries(SITE, 'crm', T + 1, 10, LEASE))).toEqual(['crm/e004'])
      expect(await store.claimDeliveries(SITE, 'crm', T + 2, 10, LEASE)).toEqual([])
      expect(keys(await store.claimDeliveries(SITE, 'ads', T + 2, 10, LEASE))).toHaveLength(4)

      await store.settleDeliveries([a[0]!], { kind: 'delivered' }, T + 5)
      await store.settleDeliveries([a[1]!], { kind: 'retry', at: T + 1_000, reason: 'HTTP 503' }, T + 5)
      await store.settleDeliveries([a[2]!], { kind: 'dead', reason: 'HTTP 400' }, T + 5)
      // Not yet due, then due; never the delivered or the dead one.
      expect(await store.claimDeliveries(SITE, 'crm', T + 999, 10, LEASE)).toEqual([])
      const retried = await store.claimDeliveries(SITE, 'crm', T + 1_000, 10, LEASE)
      expect(keys(retried)).toEqual(['crm/e002'])
      expect(retried[0]).toMatchObject({ attempts: 1, firstAt: T + 5 })

      const listed = await store.listDeliveries(SITE, { destination: 'crm', limit: 10 })
      expect(listed.map((d) => [d.messageId, d.status, d.attempts])).toEqual([
        ['e004', 'pending', 0],
        ['e003', 'dead', 1],
        ['e002', 'pending', 1],
        ['e001', 'delivered', 1],
      ])
      expect(listed.find((d) => d.messageId === 'e003')).toMatchObject({
        lastError: 'HTTP 400',
        doneAt: T + 5,
      })
      expect(await store.listDeliveries(SITE, { status: 'dead', limit: 10 })).toHaveLength(1)
      // A person's export: every destination their events went to, however it ended.
      const of = await store.deliveriesOf(SITE, ['e001', 'e003', 'nope'])
      expect(of.map((d) => `${d.destination}/${d.messageId} ${d.status}`).sort()).toEqual([
        'ads/e001 pending',
        'ads/e003 pending',
        'crm/e001 delivered',
        'crm/e003 dead',
      ])
      expect(await store.deliveriesOf('other', ['e001'])).toEqual([])
      expect(await store.deliveryCounts(SITE)).toEqual([
        { destination: 'ads', pending: 4, delivered: 0, dead: 0 },
        { destination: 'crm', pending: 2, delivered: 1, dead: 1 },
      ])
      // Retention: none made before T, all before T + 1.
      expect(await store.deleteDeliveriesBefore(SITE, T)).toBe(0)
      expect(await store.deleteDeliveriesBefore(SITE, T + 1)).toBe(8)
      expect(await store.deliveryCounts(SITE)).toEqual([])
    })

    it('counts the settlement of the newest claim only: a claim that ran out changes nothing', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([event(1)])
      await fanOut(store, ['crm'])
      const [first] = await store.claimDeliveries(SITE, 'crm', T, 1, LEASE)
      // The first worker is stuck past its lease; another claims the delivery again.
      const [second] = await store.claimDeliveries(SITE, 'crm', T + LEASE, 1, LEASE)
      expect(second?.messageId).toBe(first?.messageId)
      await store.settleDeliveries([second!], { kind: 'delivered' }, T + LEASE + 1)
      await store.settleDeliveries([first!], { kind: 'dead', reason: 'HTTP 400' }, T + LEASE + 2)
      expect(await store.deliveryCounts(SITE)).toEqual([
        { destination: 'crm', pending: 0, delivered: 1, dead: 0 },
      ])
    })

    it('sends notices that stand for no event, each once; an erasure drops pending deliveries', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2].map((n) => event(n)))
      await fanOut(store, ['crm'])
      const erased = {
        type: 'track',
        event: 'Person Erased',
        messageId: 'erased-1',
        timestamp: new Date(T).toISOString(),
        properties: { identifiers: [{ type: 'userId', sha256: 'ab' }] },
      }
      const notice = { site: SITE, destination: 'crm', messageId: 'erased-1', event: erased }
      expect(await store.enqueueNotices([notice], T)).toBe(1)
      expect(await store.enqueueNotices([notice], T)).toBe(0)
      expect(await store.dropPendingDeliveries(SITE, ['e001', 'erased-1'])).toBe(1)
      const claimed = await store.claimDeliveries(SITE, 'crm', T, 10, LEASE)
      expect(claimed.map((c) => [c.messageId, c.notice])).toEqual([
        ['e002', false],
        ['erased-1', true],
      ])
      expect(claimed[1]!.event).toMatchObject({
        site: SITE,
        messageId: 'erased-1',
        type: 'track',
        name: 'Person Erased',
        timestamp: T,
        payload: JSON.stringify({ properties: erased.properties }),
      })
    })

    it('replays dead letters: all of a destination or the ones named', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2, 3].map((n) => event(n)))
      await fanOut(store, ['crm'])
      const all = await store.claimDeliveries(SITE, 'crm', T, 10, LEASE)
      await store.settleDeliveries(all, { kind: 'dead', reason: 'HTTP 410' }, T)
      expect(await store.replayDeliveries(SITE, 'crm', T + 10, ['e002'])).toBe(1)
      expect(await store.replayDeliveries(SITE, 'other', T + 10)).toBe(0)
      const replayed = await store.claimDeliveries(SITE, 'crm', T + 10, 10, LEASE)
      expect(replayed.map((d) => [d.messageId, d.attempts, d.firstAt])).toEqual([['e002', 0, null]])
      expect(await store.replayDeliveries(SITE, 'crm', T + 20)).toBe(2)
      expect(await store.deliveryCounts(SITE)).toEqual([
        { destination: 'crm', pending: 3, delivered: 0, dead: 0 },
      ])
    })

    it('a removed destination loses its pending deliveries and keeps its history', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2, 3].map((n) => event(n)))
      await fanOut(store, ['crm', 'ads'])
      const [first] = await store.claimDeliveries(SITE, 'crm', T, 1, LEASE)
      await store.settleDeliveries([first!], { kind: 'delivered' }, T)
      expect(await store.dropDestination(SITE, 'crm')).toBe(2)
      expect(await store.dropDestination(SITE, 'crm')).toBe(0)
      expect(await store.deliveryCounts(SITE)).toEqual([
        { destination: 'ads', pending: 3, delivered: 0, dead: 0 },
        { destination: 'crm', pending: 0, delivered: 1, dead: 0 },
      ])
    })

    it('drops queued work whose event is gone (erasure, retention): nothing of it leaves', async () => {
      await store.setDeliverySites(ON)
      await store.insertEvents([1, 2].map((n) => event(n)))
      await fanOut(store, ['crm'])
      await store.insertEvents([3, 4].map((n) => event(n)))
      expect(await store.deleteEventsBefore(SITE, T + 4)).toBe(3)
      expect((await store.claimOutbox(T, 10, LEASE, V1)).map((e) => e.event.messageId)).toEqual(['e004'])
      expect(await store.claimDeliveries(SITE, 'crm', T, 10, LEASE)).toEqual([])
      expect(await store.listDeliveries(SITE, { limit: 10 })).toEqual([])
    })

    if (openPair)
      it('two collectors on one database never claim the same delivery or outbox entry', async () => {
        const [a, b, close] = await openPair()
        try {
          await a.setDeliverySites(ON)
          await a.insertEvents(Array.from({ length: 60 }, (_, n) => event(n)))
          const entries = (
            await Promise.all(
              Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimOutbox(T, 7, LEASE, V1)),
            )
          ).flat()
          expect(entries.map((e) => e.event.messageId).sort()).toEqual(
            Array.from({ length: 60 }, (_, n) => event(n).messageId),
          )
          await a.enqueueDeliveries(
            entries.map((e) => e.seq),
            entries.map((e) => ({
              site: SITE,
              destination: 'crm',
              messageId: e.event.messageId,
              seq: e.seq,
            })),
            T,
          )
          const claimed = (
            await Promise.all(
              Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimDeliveries(SITE, 'crm', T, 7, LEASE)),
            )
          ).flat()
          expect(keys(claimed)).toEqual(Array.from({ length: 60 }, (_, n) => `crm/${event(n).messageId}`))
        } finally {
          await close()
        }
      })
  })
