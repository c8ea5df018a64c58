import type { LiveConfig } from '../config/live.ts'
import type { CollectorConfig } from '../config/site-config.ts'
import type { Store } from '../store/types.ts'
import { identitySettings } from './config.ts'
import { DEFAULT_IDENTITY } from './rules.ts'
import type { SiteRules } from './types.ts'

/** How long stored events wait to be resolved (ms), unless a profile is read first. */
const KICK_DELAY = 100

/**
 * Keeps profiles current: resolution runs shortly after events are stored, one run at a time, and
 * before any read of a profile, so a read sees every event acknowledged before it.
 */
export const createIdentityService = (
  store: Store,
  config: Pick<LiveConfig, 'current' | 'subscribe'>,
  now: () => number,
  log: (err: unknown) => void,
) => {
  // One object for the collector's life (pseudonymousStore holds it), refilled on a config change.
  const settings: SiteRules = {}
  const fill = ({ sites }: CollectorConfig) => {
    for (const id of Object.keys(settings)) delete settings[id]
    for (const s of sites) settings[s.id] = identitySettings(s.identity)
  }
  fill(config.current())
  config.subscribe(fill)
  // Runs one after another; a run queued but not yet started serves every request made meanwhile.
  let chain: Promise<void> = Promise.resolve()
  let queued: Promise<void> | undefined
  const run = () => {
    if (queued) return queued
    const next = chain
      .then(() => {
        queued = undefined
        return store.resolveIdentities(settings, now())
      })
      .then(() => {}, log)
    queued = chain = next
    return next
  }
  // Stored events are resolved a moment later, many per transaction: resolving after every
  // request would cost the ingest path a transaction (and a lock) per request.
  let soon: ReturnType<typeof setTimeout> | undefined
  return {
    /** Events were stored: resolve them soon. */
    kick: () => {
      soon ??= setTimeout(() => {
        soon = undefined
        void run()
      }, KICK_DELAY)
      soon.unref?.()
    },
    /** Resolves everything stored so far. */
    catchUp: run,
    /** Every site's identity rules. */
    rules: settings,
    /** The site's identity rules. */
    rulesOf: (site: string) => settings[site] ?? DEFAULT_IDENTITY,
  }
}

export type IdentityService = ReturnType<typeof createIdentityService>

/** The store, with resolution kicked after every write that stored something. */
export const kickingStore = (store: Store, identity: IdentityService): Store => ({
  ...store,
  insertEvents: async (rows) => {
    const result = await store.insertEvents(rows, identity.rules)
    if (result.inserted > 0) identity.kick()
    return result
  },
})
