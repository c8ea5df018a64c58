// What audiences ask of storage: a queue of people to evaluate again (filled as their events are
// routed, drained with leases by any collector), each profile's membership of each audience with
// a version (a transition counter: the id of its notice, so two collectors announcing the same
// change make one), and the destinations a membership was announced to (an exit goes where the
// entry went). Adapters: store/sqlite/audiences.ts and store/postgres/audiences.ts, both held to
// test/contracts/audiences.contract.ts.
import type { NewNotice } from '../destinations/types.ts'

/** A person to evaluate: named by an id their events carry (a pseudonym), as journeys name them. */
export interface QueuedPerson {
  site: string
  person: string
}

export interface ClaimedPerson extends QueuedPerson {
  /** Until when this claim holds (epoch ms): also its fencing token. */
  lease: number
}

export interface Membership {
  audience: string
  member: boolean
  /** Transitions so far (0: never a member). */
  version: number
  /** Where its entry was announced (destination keys): its exit goes there. */
  announced: string[]
  changedAt: number
}

export interface MembershipChange {
  audience: string
  member: boolean
  /** The version read: the change is written only if it is still the stored one (else another collector made it). */
  fromVersion: number
  announced: string[]
}

export interface AudienceStore {
  /** Queues people to evaluate at `dueAt` (one already queued keeps the earlier time). */
  queueAudiencePeople(people: readonly QueuedPerson[], dueAt: number): Promise<void>
  /** Up to `limit` people due by `now` that no other worker holds, held until `now + leaseMs`. */
  claimAudiencePeople(now: number, limit: number, leaseMs: number): Promise<ClaimedPerson[]>
  /** A profile's memberships (all audiences it ever entered). */
  memberships(site: string, profile: string): Promise<Membership[]>
  /**
   * In one transaction: each change whose `fromVersion` still holds is written (version + 1) with
   * its notices; the person leaves the queue if `done` still holds its claim. Resolves to the
   * changes written.
   */
  applyAudienceChanges(
    site: string,
    profile: string,
    changes: readonly (MembershipChange & { notices: readonly NewNotice[] })[],
    done: ClaimedPerson | undefined,
    now: number,
  ): Promise<number>
  /** The profiles in an audience now, in id order, after `after`, at most `limit`. */
  audienceMembers(site: string, audience: string, after: string | undefined, limit: number): Promise<string[]>
  /** How many profiles are in each audience now. */
  audienceCounts(site: string): Promise<Record<string, number>>
  /** Erasure: the profiles' memberships deleted. */
  dropMemberships(site: string, profiles: readonly string[]): Promise<number>
}
