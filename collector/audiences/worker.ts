// The audience worker: queues the people whose events are routed (the delivery worker hands it
// the outbox's events, as it does journeys), and evaluates the people due: their profile across
// devices through the segment engine, against their stored memberships, the changes written with
// their notices in one transaction, only from the version read. Memberships that change with time
// alone (a recency rule) are caught by a rescan of every profile each `rescanMs`. The clock and
// storage are given.
import type { CollectorConfig, SiteConfig } from '../config/site-config.ts'
import { stampOf } from '../destinations/route.ts'
import { siteRules } from '../identity/config.ts'
import { profileSegments } from '../personalization/evaluate.ts'
import type { PersonalizationStore } from '../personalization/types.ts'
import type { StoredEvent } from '../store/event.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'
import { audienceChanges } from './engine.ts'
import type { AudienceStore, ClaimedPerson } from './types.ts'

export interface AudienceWorkerDeps {
  store: AudienceStore &
    PersonalizationStore &
    Pick<Store, 'findProfile' | 'revealTraits' | 'profileEvents' | 'resolveIdentities'>
  sites: () => CollectorConfig
  now: () => number
  leaseMs?: number
  /** How long after an event its person is evaluated: a burst of their events makes one evaluation. */
  settleMs?: number
  /** Every profile is evaluated again this often (time alone changes recency rules). */
  rescanMs?: number
}

const DUE_LIMIT = 50
const HOUR = 3_600_000

const hasAudiences = (s: SiteConfig) => s.audiences.some((a) => a.enabled)

/** The consent stamp of the profile's newest event that carries one (any kind, any device). */
export const newestStamp = async (store: Pick<Store, 'profileEvents'>, site: string, profile: string) => {
  for (const event of await store.profileEvents(site, profile, 50)) {
    const stamp = stampOf(toSegmentEvent(event))
    if (stamp) return stamp
  }
  return undefined
}

export const createAudienceWorker = (deps: AudienceWorkerDeps) => {
  const { store, now } = deps
  const leaseMs = deps.leaseMs ?? 60_000
  const settleMs = deps.settleMs ?? 500
  const rescanMs = deps.rescanMs ?? HOUR
  let lastRescan = Number.NEGATIVE_INFINITY

  /** Queues the people of routed events, of sites with audiences. */
  const observe = async (events: readonly StoredEvent[]) => {
    const sites = new Set(
      deps
        .sites()
        .sites.filter(hasAudiences)
        .map((s) => s.id),
    )
    if (sites.size === 0) return
    const people = new Map<string, { site: string; person: string }>()
    for (const e of events) {
      const person = e.userId ?? e.anonymousId
      if (person !== null && sites.has(e.site)) people.set(`${e.site}\n${person}`, { site: e.site, person })
    }
    if (people.size > 0) await store.queueAudiencePeople([...people.values()], now() + settleMs)
  }

  /** Evaluates one claimed person; the claim is let go in the transaction that writes the changes. */
  const evaluate = async (config: CollectorConfig, claim: ClaimedPerson) => {
    const site = config.sites.find((s) => s.id === claim.site)
    const at = now()
    const found = site && hasAudiences(site) ? await store.findProfile(site.id, claim.person, at) : undefined
    if (!site || !found) {
      // Nobody to evaluate: no audiences any more, or erased (resolution ran before the claims).
      await store.applyAudienceChanges(claim.site, claim.person, [], claim, at)
      return
    }
    const profile = { ...found, traits: await store.revealTraits(site.id, found.traits, siteRules(config)) }
    const [segments, stored, stamp] = await Promise.all([
      profileSegments(store, site.id, site.personalization, profile, at),
      store.memberships(site.id, profile.id),
      newestStamp(store, site.id, profile.id),
    ])
    const id = (kind: string) => profile.identifiers.find((i) => i.kind === kind)?.value ?? null
    const changes = audienceChanges(
      { site: site.id, profile: profile.id, anonymousId: id('anonymous'), userId: id('user') },
      site.audiences,
      site.destinations,
      new Set(segments),
      stored,
      stamp,
      at,
    )
    await store.applyAudienceChanges(site.id, profile.id, changes, claim, at)
  }

  /** Queues every profile of the sites with audiences (the rescan). */
  const rescan = async (config: CollectorConfig) => {
    for (const site of config.sites.filter(hasAudiences)) {
      let after: string | undefined
      for (;;) {
        const page = await store.profilePage(site.id, after, 500)
        const people = page.flatMap((p) => {
          const key =
            p.identifiers.find((i) => i.kind === 'user') ?? p.identifiers.find((i) => i.kind === 'anonymous')
          return key ? [{ site: site.id, person: key.value }] : []
        })
        if (people.length > 0) await store.queueAudiencePeople(people, now())
        if (page.length < 500) break
        after = page[page.length - 1]!.id
      }
    }
  }

  /** Evaluates who is due; resolves to how many people were evaluated. */
  const due = async () => {
    const config = deps.sites()
    if (!config.sites.some(hasAudiences)) return 0
    if (now() - lastRescan >= rescanMs) {
      lastRescan = now()
      await rescan(config)
    }
    const claimed = await store.claimAudiencePeople(now(), DUE_LIMIT, leaseMs)
    // Their events folded into profiles first, so a person's newest event counts (resolution is
    // serialized by each adapter, so this and the collector's own runs do not collide).
    if (claimed.length > 0) await store.resolveIdentities(siteRules(config), now())
    for (const claim of claimed) await evaluate(config, claim)
    return claimed.length
  }

  return { observe, due }
}

export type AudienceWorker = ReturnType<typeof createAudienceWorker>
