// What journeys ask of storage: one entry per person and trigger event, waiting until it is due,
// claimed with leases (several collectors share the work), settled once (a message's delivery is
// queued in the same transaction), exited by the person's later events, marked converted when the
// journey's goal is reached, and the site's unsubscribes. Adapters: store/sqlite/journeys.ts and
// store/postgres/journeys.ts, both held to test/contracts/journeys.contract.ts.
import type { NewNotice } from '../destinations/types.ts'

/** A person as stored events name them: the collector's pseudonyms of their ids. */
export interface PersonIds {
  anonymousId: string | null
  userId: string | null
}

/** Reached people get the message; held-out people are counted and get nothing. */
export type JourneyGroup = 'reached' | 'holdout'

export type EntryStatus = 'waiting' | 'sent' | 'held' | 'exited' | 'skipped'

/** An entry's identity: one journey run of one person, named by the event that triggered it. */
export interface EntryKey {
  site: string
  journey: string
  /** The trigger event's messageId. */
  entryId: string
}

export interface NewEntry extends EntryKey, PersonIds {
  group: JourneyGroup
  enteredAt: number
  dueAt: number
  /**
   * `once`: no entry when the person (either id) has any entry of this journey; `again`: none while
   * one of theirs is waiting. Several collectors entering one person at once make one entry.
   */
  reentry: 'once' | 'again'
  /** What the message may use (JSON text): the trigger event's properties, locale, time zone, page. */
  context: string
}

export interface JourneyEntry extends EntryKey, PersonIds {
  group: JourneyGroup
  status: EntryStatus
  enteredAt: number
  dueAt: number
  context: string
  /** When it left `waiting`, and why (exited, skipped, or moved on: quiet hours). */
  doneAt: number | null
  reason: string | null
  /** The goal's first conversion after entering, and its revenue. */
  convertedAt: number | null
  revenue: number
}

export interface ClaimedEntry extends JourneyEntry {
  /** Until when this claim holds (epoch ms): also its fencing token when settled. */
  lease: number
}

export type EntryOutcome =
  /** The message went into the delivery queue: `notice` is enqueued in the same transaction. */
  | { kind: 'sent'; notice: NewNotice }
  /** Held out: nothing is sent, the entry is counted. */
  | { kind: 'held' }
  /** Not sent for good (consent, unsubscribed, frequency cap, segment, no address). */
  | { kind: 'skipped'; reason: string }
  /** Due again later (quiet hours), still waiting. */
  | { kind: 'later'; dueAt: number; reason: string }

/** Per group of one journey: entries and what became of them. */
export interface JourneyCounts {
  group: JourneyGroup
  entered: number
  waiting: number
  sent: number
  held: number
  exited: number
  skipped: number
  converted: number
  revenue: number
  /** Sum of squared revenue per entry, for the variance of revenue per entry. */
  revenueSquares: number
}

export interface JourneyStore {
  /** Enters people (a key already there, or one `reentry` forbids, is left); resolves to how many are new. */
  enterJourneys(entries: readonly NewEntry[], now: number): Promise<number>
  /**
   * The person's (either id) waiting entries of `journey` entered at or before `at` leave as
   * `exited` with `reason`; resolves to how many.
   */
  exitJourneys(
    site: string,
    journey: string,
    person: PersonIds,
    at: number,
    reason: string,
    now: number,
  ): Promise<number>
  /**
   * The goal reached at `at` with `revenue`: the person's entries of `journey` (any status) entered
   * within [`since`, `at`] and not yet converted are marked converted; resolves to how many.
   */
  convertJourneys(
    site: string,
    journey: string,
    person: PersonIds,
    at: number,
    since: number,
    revenue: number,
  ): Promise<number>
  /** Up to `limit` waiting entries due by `now` that no other worker holds, held until `now + leaseMs`, the earliest due first. */
  claimDueEntries(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]>
  /** Settles a claimed entry, only while the claim named by `lease` still holds it; resolves to whether it did. */
  settleEntry(claim: EntryKey & { lease: number }, outcome: EntryOutcome, now: number): Promise<boolean>
  /** Messages sent to the person (either id) since `since`, across the site's journeys: frequency caps. */
  messagesSince(site: string, person: PersonIds, since: number): Promise<number>
  /** The newest first, optionally of one journey and status. */
  listEntries(
    site: string,
    filter: { journey?: string; status?: EntryStatus; limit: number },
  ): Promise<JourneyEntry[]>
  /** The people's entries (either id), oldest first: what a person's export shows. */
  entriesOf(
    site: string,
    anonymousIds: readonly string[],
    userIds: readonly string[],
  ): Promise<JourneyEntry[]>
  /** Both groups of a journey (a group with no entries is left out). */
  journeyCounts(site: string, journey: string): Promise<JourneyCounts[]>
  /** Erasure: deletes the people's entries and the pending deliveries of their messages; resolves to entries deleted. */
  dropEntries(site: string, anonymousIds: readonly string[], userIds: readonly string[]): Promise<number>
  /** Retention: deletes the site's entries entered before `before`. */
  deleteEntriesBefore(site: string, before: number): Promise<number>
  /** Records that `subject` (emailSubject: SHA-256 of the normalized address) wants no more mail; resolves to whether it is new. */
  unsubscribe(site: string, subject: string, at: number): Promise<boolean>
  unsubscribed(site: string, subject: string): Promise<boolean>
}
