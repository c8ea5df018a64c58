// What the delivery worker asks of storage: the outbox the event insert fills in its own
// transaction, the deliveries made from it (one per event and destination, keyed so that none is
// made twice), leases so that several workers (several collectors on PostgreSQL) never hold the
// same one, and the dead letters an operator replays. Adapters: store/sqlite/deliveries.ts and
// store/postgres/deliveries.ts, both held to test/contracts/deliveries.contract.ts.
import type { StoredEvent } from '../store/event.ts'

/** A delivery's identity, and its idempotency key: one event, one destination. */
export interface DeliveryKey {
  site: string
  destination: string
  messageId: string
}

/** A delivery to make: the event (by its seq) for one destination. */
export interface NewDelivery extends DeliveryKey {
  seq: number
}

/**
 * A notice to a destination that is not a stored event (an erasure's `Person Erased`): the Segment
 * event to send, kept with the delivery because no event stands for it.
 */
export interface NewNotice extends DeliveryKey {
  event: Record<string, unknown>
}

/** A site's delivery state as one config version says. */
export interface DeliverySite {
  site: string
  version: number
  active: boolean
}

/** An event waiting in the outbox to be routed to its site's destinations. */
export interface OutboxEntry {
  seq: number
  event: StoredEvent
}

/** A delivery claimed for an attempt, with the event it carries (as stored: sealed). */
export interface ClaimedDelivery extends DeliveryKey {
  attempts: number
  /** When it was first tried (epoch ms); null before the first attempt. */
  firstAt: number | null
  createdAt: number
  /** Until when this claim holds (epoch ms): also its fencing token when settled. */
  lease: number
  /** The event to send: the stored one, or a notice's (then `notice` is true). */
  event: StoredEvent
  /** A notice goes whole: no field list or hashing applies to it. */
  notice: boolean
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

/** A delivery as the admin API lists it: no event body. */
export interface DeliveryRecord extends DeliveryKey {
  status: DeliveryStatus
  attempts: number
  createdAt: number
  /** When it is due (pending), or null. */
  nextAt: number | null
  /** When it was delivered or given up on. */
  doneAt: number | null
  lastError: string | null
}

export type Settlement =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number; reason: string }
  | { kind: 'dead'; reason: string }

export interface DeliveryCounts {
  destination: string
  pending: number
  delivered: number
  dead: number
}

export interface DeliveryStore {
  /**
   * Which sites' stored events enter the outbox (`active`: the site has an enabled destination), as
   * the site's config `version` says; the event insert checks this in its own transaction. A
   * version older than the one recorded changes nothing, so a collector that has not read the
   * newest config yet cannot undo what a newer one set.
   */
  setDeliverySites(sites: readonly DeliverySite[]): Promise<void>
  /**
   * Up to `limit` outbox entries no other worker holds, held until `now + leaseMs`, oldest first,
   * of the sites whose recorded config version is at most the one in `versions` (what this worker
   * routes with): a worker that has not read a newer config leaves them to one that has, so no
   * event is routed by destinations that are no longer (or not yet) the site's. Entries whose
   * event is gone (erased, past retention) are dropped, not returned.
   */
  claimOutbox(
    now: number,
    limit: number,
    leaseMs: number,
    versions: Readonly<Record<string, number>>,
  ): Promise<OutboxEntry[]>
  /**
   * In one transaction: the deliveries (a key already there is left as it is) and the outbox
   * entries `seqs` removed. Resolves to how many deliveries were new.
   */
  enqueueDeliveries(seqs: readonly number[], deliveries: readonly NewDelivery[], now: number): Promise<number>
  /** Notices to send (a key already there is left as it is); resolves to how many were new. */
  enqueueNotices(notices: readonly NewNotice[], now: number): Promise<number>
  /** Deletes the deliveries of these events still pending (an erasure): none of them is sent. */
  dropPendingDeliveries(site: string, messageIds: readonly string[]): Promise<number>
  /**
   * Up to `limit` due deliveries of one destination that no other worker holds, held until
   * `now + leaseMs`, the longest waiting first. A delivery whose event is gone is deleted instead.
   */
  claimDeliveries(
    site: string,
    destination: string,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]>
  /**
   * After an attempt at `now`: delivered, due again at a time, or a dead letter. Written only for
   * deliveries still held by the claim named by `lease`: when it ran out and another worker claimed
   * one again, that worker's settlement counts, not this one's.
   */
  settleDeliveries(
    claimed: readonly (DeliveryKey & { lease: number })[],
    settlement: Settlement,
    now: number,
  ): Promise<void>
  /** The newest first, optionally of one destination and status. */
  listDeliveries(
    site: string,
    filter: { destination?: string; status?: DeliveryStatus; limit: number },
  ): Promise<DeliveryRecord[]>
  /** The deliveries of these events, to any destination, oldest first: what a person's export shows. */
  deliveriesOf(site: string, messageIds: readonly string[]): Promise<DeliveryRecord[]>
  /**
   * A destination removed: its pending deliveries go, so one made later under the same key starts
   * empty; what was delivered or refused stays, as history. Resolves to how many went.
   */
  dropDestination(site: string, destination: string): Promise<number>
  /** Retention: deletes the site's deliveries made before `before` (epoch ms), however they ended. */
  deleteDeliveriesBefore(site: string, before: number): Promise<number>
  /** Per destination that has any. */
  deliveryCounts(site: string): Promise<DeliveryCounts[]>
  /**
   * Dead letters of a destination (all, or those of `messageIds`) pending again, due at `now`
   * with their attempts reset. Resolves to how many.
   */
  replayDeliveries(
    site: string,
    destination: string,
    now: number,
    messageIds?: readonly string[],
  ): Promise<number>
}
