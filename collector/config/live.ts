// The sites a collector serves, as the database holds them now. Every part that needs a site's
// config reads it here on each use, so a saved change is served at once by the collector that took
// it, and by every other collector on the same database at its next poll (pollConfigs).
import { type CollectorConfig, ConfigError, parseConfig } from './site-config.ts'
import type { ConfigStore, SiteVersion } from './versions.ts'

export interface LiveConfig {
  /** Every site's config, validated (defaults filled in). */
  current(): CollectorConfig
  /** The version of the site's config now served; 0 for a site no database holds (tests). */
  version(site: string): number
  /** The site's entry as written (what an edit starts from), with its version. */
  written(site: string): SiteVersion | undefined
  /** Every site's entry as written, in the order of current().sites. */
  entries(): SiteVersion[]
  /**
   * Takes newer versions (older or equal ones are ignored). A set that does not validate as a
   * whole is refused and the config served stays as it was. Returns whether anything changed.
   */
  apply(versions: readonly SiteVersion[]): boolean
  /** Runs after each change, with the new config. */
  subscribe(listener: (config: CollectorConfig) => void): void
}

/** Validates sites' entries as one config (keys must differ across sites). */
export const validateEntries = (entries: readonly SiteVersion[], source: string) =>
  parseConfig({ sites: entries.map((v) => v.config) }, source)

/** A live config over versions read from a store (or, in tests, a config saved nowhere: version 0). */
export const createLiveConfig = (
  initial: readonly SiteVersion[] | CollectorConfig,
  log: (line: string) => void = console.error,
): LiveConfig => {
  const entries = new Map<string, SiteVersion>()
  let config: CollectorConfig
  if ('sites' in initial) {
    config = initial
    for (const site of initial.sites)
      entries.set(site.id, { site: site.id, version: 0, config: site, author: '', createdAt: 0, note: null })
  } else {
    for (const v of initial) entries.set(v.site, v)
    config = validateEntries([...entries.values()], 'the site configs in the database')
  }
  const listeners: ((config: CollectorConfig) => void)[] = []
  return {
    current: () => config,
    version: (site) => entries.get(site)?.version ?? 0,
    written: (site) => entries.get(site),
    entries: () => [...entries.values()],
    apply: (versions) => {
      const newer = versions.filter((v) => v.version > (entries.get(v.site)?.version ?? 0))
      if (newer.length === 0) return false
      const next = new Map(entries)
      for (const v of newer) next.set(v.site, v)
      try {
        config = validateEntries([...next.values()], 'the site configs in the database')
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err
        log(`config change not applied, the sites served stay as they were: ${err.message}`)
        return false
      }
      for (const v of newer) entries.set(v.site, v)
      for (const listener of listeners)
        try {
          listener(config)
        } catch (err) {
          log(`after a config change: ${(err as Error).message}`)
        }
      return true
    },
    subscribe: (listener) => {
      listeners.push(listener)
    },
  }
}

export interface Poller {
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

/**
 * Reads the newest versions every `ms` and applies what changed: how an edit made on another
 * collector (or by `npm run config -- import`) reaches this one. One read at a time; a failed read
 * is logged once until reads work again.
 */
export const pollConfigs = (
  store: Pick<ConfigStore, 'currentConfigs'>,
  live: LiveConfig,
  ms: number,
  timers: Poller,
  log: (line: string) => void,
) => {
  let busy = false
  let failing = false
  const handle = timers.setInterval(() => {
    if (busy) return
    busy = true
    store
      .currentConfigs()
      .then(
        (versions) => {
          failing = false
          live.apply(versions)
        },
        (err) => {
          if (!failing) log(`reading the site configs failed, serving the last ones read: ${err}`)
          failing = true
        },
      )
      .finally(() => {
        busy = false
      })
  }, ms)
  return { stop: () => timers.clearInterval(handle) }
}
