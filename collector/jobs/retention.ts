import type { CollectorConfig } from '../config/site-config.ts'
import type { Store } from '../store/types.ts'

const DAY = 86_400_000

/** Deletes every site's events older than its retention; resolves to what was deleted, by site. */
export const runRetention = async (store: Store, config: CollectorConfig, now: number) => {
  const deleted: Record<string, number> = {}
  for (const site of config.sites)
    deleted[site.id] = await store.deleteEventsBefore(site.id, now - site.retentionDays * DAY)
  return deleted
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
  config: CollectorConfig,
  scheduler: Scheduler,
  log: (message: string) => void,
) => {
  const run = () =>
    Promise.all([
      runRetention(store, config, scheduler.now()),
      // Expired rights tokens are of no use to anyone: their rows go too (identity/tokens.ts).
      store.deleteExpiredTokens(scheduler.now()),
    ]).then(
      ([deleted, tokens]) => {
        const total = Object.values(deleted).reduce((a, b) => a + b, 0)
        if (total > 0) log(`retention: deleted ${total} events (${JSON.stringify(deleted)})`)
        if (tokens > 0) log(`retention: deleted ${tokens} expired rights tokens`)
      },
      (err) => log(`retention failed: ${err}`),
    )
  void run()
  return scheduler.setInterval(run, DAY)
}
