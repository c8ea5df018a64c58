// The journey worker: sees each stored event once (the delivery worker hands it the outbox's events
// before they leave the outbox, so a crash sees them again, and every step is keyed or idempotent),
// and settles entries when they are due: the segment, the frequency cap, the address and the
// unsubscribes checked then, held-out people counted, quiet hours waited out, and the message queued
// as a delivery in the same transaction. The clock and storage are given.
import type { CollectorConfig, SiteConfig } from '../config/site-config.ts'
import type { Destination } from '../destinations/config.ts'
import { emailSubject } from '../destinations/email/unsubscribe.ts'
import { siteRules } from '../identity/config.ts'
import { profileSegments } from '../personalization/evaluate.ts'
import type { PersonalizationStore } from '../personalization/types.ts'
import type { StoredEvent } from '../store/event.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'
import { durationMs, type Journey } from './config.ts'
import { contactOf } from './email.ts'
import { journeyOps, MESSAGE_EVENT, messageIdOf, quietUntil, type SiteJourneys } from './engine.ts'
import type { ClaimedEntry, EntryOutcome, JourneyStore } from './types.ts'

export interface JourneyWorkerDeps {
  store: JourneyStore &
    PersonalizationStore &
    Pick<Store, 'findProfile' | 'revealTraits' | 'enqueueNotices' | 'resolveIdentities'>
  sites: () => CollectorConfig
  now: () => number
  leaseMs?: number
}

/** Entries settled per pass. */
const DUE_LIMIT = 100
const MINUTE = 60_000
/** An entry whose person has no profile yet (resolution runs behind ingest) is tried again this often, this long. */
const UNRESOLVED_RETRY_MS = 5_000
const UNRESOLVED_GIVE_UP_MS = 60 * MINUTE

const siteJourneys = (site: SiteConfig): SiteJourneys => ({
  site: site.id,
  journeys: site.journeys,
  goals: site.goals,
  purposes: Object.fromEntries(site.destinations.map((d) => [d.key, d.purposes])),
})

export const createJourneyWorker = (deps: JourneyWorkerDeps) => {
  const { store, now } = deps
  const leaseMs = deps.leaseMs ?? 60_000
  // Made once per config served (a new object at every change).
  const prepared = new WeakMap<CollectorConfig, Map<string, SiteJourneys>>()
  const journeysOf = (config: CollectorConfig) => {
    let bySite = prepared.get(config)
    if (!bySite) {
      bySite = new Map(config.sites.filter((s) => s.journeys.length > 0).map((s) => [s.id, siteJourneys(s)]))
      prepared.set(config, bySite)
    }
    return bySite
  }

  /** Applies what stored events do to journeys, in their order; resolves to how many steps were taken. */
  const observe = async (events: readonly StoredEvent[]) => {
    const bySite = journeysOf(deps.sites())
    if (bySite.size === 0) return 0
    let steps = 0
    const at = now()
    for (const event of events) {
      const site = bySite.get(event.site)
      if (!site) continue
      const person = { anonymousId: event.anonymousId, userId: event.userId }
      for (const op of journeyOps(toSegmentEvent(event), person, site)) {
        steps++
        if (op.kind === 'enter') await store.enterJourneys([op.entry], at)
        else if (op.kind === 'exit')
          await store.exitJourneys(event.site, op.journey, person, event.timestamp, op.reason, at)
        else
          await store.convertJourneys(event.site, op.journey, person, event.timestamp, op.since, op.revenue)
      }
    }
    return steps
  }

  /** What becomes of one due entry. */
  const decide = async (config: CollectorConfig, entry: ClaimedEntry): Promise<EntryOutcome> => {
    const site = config.sites.find((s) => s.id === entry.site)
    const journey: Journey | undefined = site?.journeys.find((j) => j.key === entry.journey)
    if (!site || !journey) return { kind: 'skipped', reason: 'the journey was removed' }
    const destination: Destination | undefined = site.destinations.find(
      (d) => d.key === journey.action.destination,
    )
    if (!destination?.enabled) return { kind: 'skipped', reason: 'the destination is missing or off' }
    const at = now()
    const person = { anonymousId: entry.anonymousId, userId: entry.userId }
    const key = (entry.userId ?? entry.anonymousId) as string
    const needsProfile = journey.segment !== undefined || destination.kind === 'email'
    const found = needsProfile ? await store.findProfile(site.id, key, at) : undefined
    if (needsProfile && !found)
      return at - entry.dueAt < UNRESOLVED_GIVE_UP_MS
        ? { kind: 'later', dueAt: at + UNRESOLVED_RETRY_MS, reason: 'the person has no profile yet' }
        : { kind: 'skipped', reason: 'no profile' }
    const profile = found && {
      ...found,
      traits: await store.revealTraits(site.id, found.traits, siteRules(config)),
    }
    if (journey.segment && profile) {
      const segments = await profileSegments(store, site.id, site.personalization, profile, at)
      if (segments.includes(journey.segment.key) !== journey.segment.in)
        return {
          kind: 'skipped',
          reason: `${journey.segment.in ? 'not in' : 'in'} segment ${journey.segment.key}`,
        }
    }
    if (destination.kind === 'email') {
      const { email } = contactOf(profile?.traits ?? {})
      if (!email) return { kind: 'skipped', reason: 'no email address' }
      if (await store.unsubscribed(site.id, emailSubject(email)))
        return { kind: 'skipped', reason: 'unsubscribed' }
    }
    const cap = site.messaging.frequencyCap
    if ((await store.messagesSince(site.id, person, at - (durationMs(cap.per) ?? 0))) >= cap.messages)
      return { kind: 'skipped', reason: 'frequency cap' }
    if (entry.group === 'holdout') return { kind: 'held' }
    const context = JSON.parse(entry.context) as { timezone?: string }
    const until = quietUntil(site.messaging.quietHours, at, context.timezone ?? site.timezone)
    if (until !== undefined) return { kind: 'later', dueAt: until, reason: 'quiet hours' }
    const messageId = messageIdOf(site.id, journey.key, entry.entryId)
    const event = {
      type: 'track',
      event: MESSAGE_EVENT,
      messageId,
      timestamp: new Date(at).toISOString(),
      ...(entry.anonymousId === null ? {} : { anonymousId: entry.anonymousId }),
      ...(entry.userId === null ? {} : { userId: entry.userId }),
      properties: {
        journey: journey.key,
        trigger: entry.entryId,
        ...(journey.action.template === undefined ? {} : { template: journey.action.template }),
        context: JSON.parse(entry.context) as unknown,
      },
    }
    return { kind: 'sent', notice: { site: site.id, destination: destination.key, messageId, event } }
  }

  /** Settles what is due now; resolves to how many entries were settled. */
  const due = async () => {
    const config = deps.sites()
    if (journeysOf(config).size === 0) return 0
    const claimed = await store.claimDueEntries(now(), DUE_LIMIT, leaseMs)
    // People's events folded into profiles first: the address and segments read them.
    if (claimed.length > 0) await store.resolveIdentities(siteRules(config), now())
    let settled = 0
    for (const entry of claimed) {
      const outcome = await decide(config, entry)
      if (await store.settleEntry(entry, outcome, now())) settled++
    }
    return settled
  }

  return { observe, due }
}

export type JourneyWorker = ReturnType<typeof createJourneyWorker>
