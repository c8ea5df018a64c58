import type { CollectorConfig } from '../config/site-config.ts'
import type { LedgerKey } from '../ledger/chain.ts'
import type { Store } from '../store/types.ts'

const DAY = 86_400_000

/**
 * Deletes every site's events older than its retention (and the records of their deliveries), then the people (profiles, identifiers,
 * audit entries) last seen before it, and consent records past the consent retention; resolves to
 * what was deleted: events by site, and the totals of people and consent records.
 */
export const runRetention = async (
  store: Store,
  config: CollectorConfig,
  ledgerKey: LedgerKey,
  now: number,
) => {
  const events: Record<string, number> = {}
  let people = 0
  let consent = 0
  for (const site of config.sites) {
    const before = now - site.retentionDays * DAY
    events[site.id] = await store.deleteEventsBefore(site.id, before)
    // What was sent where is kept as long as the events it was made of.
    await store.deleteDeliveriesBefore(site.id, before)
    await store.deleteEntriesBefore(site.id, before)
    people += await store.expirePeople(site.id, before)
    consent += await store.pruneConsent(site.id, now - site.consentRetentionDays * DAY, ledgerKey)
  }
  return { events, people, consent }
}

export interface Scheduler {
  now(): number
  setInterval(fn: () => void, ms: number): unknown
}

/**
 * Runs retention (events, expired rights tokens) at start and then daily. The clock and timers are
 * injected so tests drive them.
 */
export const scheduleRetention = (
  store: Store,
  /** Read at each run: sites added since are kept to their retention too. */
  config: () => CollectorConfig,
  /** Keys the anchor pruning leaves (ledger/chain.ts). */
  ledgerKey: LedgerKey,
  scheduler: Scheduler,
  log: (message: string) => void,
) => {
  const run = () =>
    Promise.all([
      runRetention(store, config(), ledgerKey, scheduler.now()),
      // Expired rights tokens are of no use to anyone: their rows go too (identity/tokens.ts).
      store.deleteExpiredTokens(scheduler.now()),
    ]).then(
      ([{ events, people, consent }, tokens]) => {
        const total = Object.values(events).reduce((a, b) => a + b, 0)
        if (total > 0) log(`retention: deleted ${total} events (${JSON.stringify(events)})`)
        if (people > 0) log(`retention: deleted ${people} profiles of people inactive past retention`)
        if (consent > 0) log(`retention: deleted ${consent} consent records past consent retention`)
        if (tokens > 0) log(`retention: deleted ${tokens} expired rights tokens`)
      },
      (err) => log(`retention failed: ${err}`),
    )
  void run()
  return scheduler.setInterval(run, DAY)
}
