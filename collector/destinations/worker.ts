// The delivery worker: routes the outbox's events to their site's destinations (each event and
// destination once, by key), then delivers what is due, per destination at most `concurrency`
// requests at once, `ratePerSecond` a second and `batch` events a request, behind a circuit,
// retrying with backoff and jitter (never before Retry-After) and keeping what is refused for good
// as a dead letter. Leases keep several workers (several collectors) off the same delivery; a
// worker killed mid-attempt leaves its leases to run out, and the delivery is tried again: at least
// once, and once per key. The clock, randomness and the HTTP edge are given.
import type { CollectorConfig } from '../config/site-config.ts'
import { siteRules } from '../identity/config.ts'
import type { SiteRules } from '../identity/types.ts'
import { type Bucket, take } from '../middleware/rate-limit.ts'
import type { StoredEvent } from '../store/event.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'
import { afterAttempt, type Circuit, closedCircuit, tryNow } from './circuit.ts'
import type { Destination } from './config.ts'
import type { EmailDestination } from './email/config.ts'
import type { EmailMessage } from './email/smtp.ts'
import { deliveryRequest } from './payload.ts'
import { isTransient, outcomeOf, RETRY_POLICY, type RetryPolicy } from './retry.ts'
import { destinationsFor } from './route.ts'
import type { Send, SendResult } from './send.ts'
import type { ClaimedDelivery, DeliveryStore, NewDelivery, Settlement } from './types.ts'

export interface WorkerDeps {
  store: DeliveryStore & Pick<Store, 'revealEvents'>
  sites: () => CollectorConfig
  /** The version of the site's config `sites()` holds (config/live.ts); 0 for a config saved nowhere. */
  versionOf: (site: string) => number
  send: Send
  now: () => number
  random: () => number
  log: (line: string) => void
  policy?: RetryPolicy
  /** How long a claim is held: longer than an attempt can take. */
  leaseMs?: number
  /** Email destinations: a journey message made into a mail (or refused for good), and the SMTP edge. */
  email?: {
    compose: (d: EmailDestination, claimed: ClaimedDelivery) => Promise<EmailMessage | { refused: string }>
    send: (d: EmailDestination, message: EmailMessage) => Promise<SendResult>
  }
  /**
   * What else follows the stored events (journeys, audiences): each sees the routed events before
   * they leave the outbox, and does what is due at every pass.
   */
  followers?: readonly Follower[]
}

export interface Follower {
  observe(events: readonly StoredEvent[]): Promise<unknown>
  /** Resolves to how much work it did (0: nothing was due). */
  due(): Promise<number>
}

/** Outbox entries routed per pass. */
const FAN_OUT_LIMIT = 500

/**
 * A claim's lease for requests that time out after `timeoutMs`: long enough for an attempt and
 * its settlement, short enough that a killed worker's deliveries are soon tried by another.
 */
export const leaseFor = (timeoutMs: number) => 2 * timeoutMs + 10_000
const LEASE_MS = leaseFor(10_000)

/**
 * Each site's delivery state by this config: active with an enabled destination, or an enabled
 * audience (kept current from the same outbox, announced or not).
 */
export const deliverySites = (config: CollectorConfig, versionOf: (site: string) => number) =>
  config.sites.map((s) => ({
    site: s.id,
    version: versionOf(s.id),
    active: s.destinations.some((d) => d.enabled) || s.audiences.some((a) => a.enabled),
  }))

export const createDeliveryWorker = (deps: WorkerDeps) => {
  const { store, send, now, random, log } = deps
  const policy = deps.policy ?? RETRY_POLICY
  const leaseMs = deps.leaseMs ?? LEASE_MS
  const circuits = new Map<string, Circuit>()
  const buckets = new Map<string, Bucket>()
  /** Whether `d`'s rate lets one more request go now (a token bucket as deep as its concurrency). */
  const withinRate = (key: string, d: Destination) => {
    if (d.ratePerSecond === undefined) return true
    const taken = take(buckets.get(key), { perSecond: d.ratePerSecond, burst: d.concurrency }, now())
    buckets.set(key, taken.bucket)
    return taken.ok
  }

  /** Routes up to FAN_OUT_LIMIT outbox entries; resolves to how many deliveries were new. */
  const fanOut = async () => {
    const at = now()
    const config = deps.sites()
    const versions = Object.fromEntries(config.sites.map((s) => [s.id, deps.versionOf(s.id)]))
    const entries = await store.claimOutbox(at, FAN_OUT_LIMIT, leaseMs, versions)
    if (entries.length === 0) return 0
    // Before the entries leave the outbox: a crash in between shows the followers the events again,
    // and what they do with them is keyed or idempotent.
    for (const f of deps.followers ?? []) await f.observe(entries.map((e) => e.event))
    const bySite = new Map(config.sites.map((s) => [s.id, s.destinations]))
    const deliveries: NewDelivery[] = []
    for (const { seq, event } of entries)
      for (const destination of destinationsFor(toSegmentEvent(event), bySite.get(event.site) ?? []))
        deliveries.push({ site: event.site, destination, messageId: event.messageId, seq })
    return store.enqueueDeliveries(
      entries.map((e) => e.seq),
      deliveries,
      at,
    )
  }

  /** One request (or mail) with `claimed` (one destination's): its result, or why it never can be made. */
  const request = async (
    d: Destination,
    claimed: ClaimedDelivery[],
    rules: SiteRules,
  ): Promise<SendResult & { at: number }> => {
    if (d.kind === 'email') {
      if (!deps.email) return { refused: 'email is not set up in this collector', at: now() }
      const message = await deps.email.compose(d, claimed[0]!)
      const at = now()
      return { ...('refused' in message ? message : await deps.email.send(d, message)), at }
    }
    const events = (
      await store.revealEvents(
        claimed.map((c) => c.event),
        rules,
      )
    ).map((e) => toSegmentEvent(e) as unknown as Record<string, unknown>)
    const at = now()
    const notices = new Set(claimed.filter((c) => c.notice).map((c) => c.messageId))
    return { ...(await send(deliveryRequest(d, events, at, notices))), at }
  }

  /** One attempt with `claimed`, settled by its answer. */
  const attempt = async (
    d: Destination,
    claimed: ClaimedDelivery[],
    rules: SiteRules,
    circuitKey: string,
  ) => {
    const { at, ...result } = await request(d, claimed, rules)
    const done = now()
    let settlement: Settlement
    if (result.refused) settlement = { kind: 'dead', reason: `refused: ${result.refused}` }
    else {
      const attempts = Math.max(...claimed.map((c) => c.attempts)) + 1
      const firstAt = Math.min(...claimed.map((c) => c.firstAt ?? at))
      settlement = outcomeOf(result, attempts, firstAt, done, random, policy)
    }
    // The circuit counts a receiver down or busy; one that answers (a refusal included) is up.
    const down = result.refused === undefined && isTransient(result)
    circuits.set(circuitKey, afterAttempt(circuits.get(circuitKey) ?? closedCircuit(), !down, done))
    if (settlement.kind !== 'delivered')
      log(
        `destination ${circuitKey}: ${settlement.kind === 'dead' ? 'dead letter' : 'will retry'}, ${settlement.reason}`,
      )
    await store.settleDeliveries(claimed, settlement, done)
  }

  /** Delivers what is due now; resolves to how many deliveries were attempted. */
  const deliver = async () => {
    const config = deps.sites()
    const rules = siteRules(config)
    const runs: Promise<number>[] = []
    for (const site of config.sites)
      for (const d of site.destinations) {
        if (!d.enabled) continue
        const circuitKey = `${site.id}/${d.key}`
        // Each of `concurrency` lanes claims a batch and sends it.
        runs.push(
          ...Array.from({ length: d.concurrency }, async () => {
            const asked = tryNow(circuits.get(circuitKey) ?? closedCircuit(), now())
            circuits.set(circuitKey, asked.circuit)
            if (!asked.allowed || !withinRate(circuitKey, d)) return 0
            const batch = d.kind === 'email' ? 1 : d.batch
            const claimed = await store.claimDeliveries(site.id, d.key, now(), batch, leaseMs)
            if (claimed.length === 0) return 0
            await attempt(d, claimed, rules, circuitKey)
            return claimed.length
          }),
        )
      }
    return (await Promise.all(runs)).reduce((a, b) => a + b, 0)
  }

  /**
   * Routes and delivers until nothing more is due now (or `stopping()` says so, between passes);
   * resolves to the deliveries attempted.
   */
  const drain = async (stopping: () => boolean = () => false) => {
    let total = 0
    while (!stopping()) {
      const routed = await fanOut()
      let settled = 0
      for (const f of deps.followers ?? []) settled += await f.due()
      const attempted = await deliver()
      total += attempted
      if (routed === 0 && settled === 0 && attempted === 0) break
    }
    return total
  }

  return { fanOut, deliver, drain }
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>

export interface WorkerTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * Runs `worker.drain` every `idleMs` while idle, and again at once after a pass that did work. A
 * failed pass is logged once until passes work again. `stop` waits for the pass under way.
 */
export const runDeliveries = (
  worker: Pick<DeliveryWorker, 'drain'>,
  idleMs: number,
  timers: WorkerTimers,
  log: (line: string) => void,
) => {
  let stopped = false
  let failing = false
  let handle: unknown
  let current: Promise<void> = Promise.resolve()
  const pass = () => {
    // Under steady traffic a drain never runs dry: a stop ends it after the pass under way.
    current = worker
      .drain(() => stopped)
      .then(
        () => {
          failing = false
        },
        (err) => {
          if (!failing) log(`delivering to destinations failed, trying again: ${(err as Error).message}`)
          failing = true
        },
      )
    void current.then(() => {
      if (!stopped) handle = timers.setTimeout(pass, idleMs)
    })
  }
  handle = timers.setTimeout(pass, 0)
  return {
    stop: async () => {
      stopped = true
      timers.clearTimeout(handle)
      await current
    },
  }
}
