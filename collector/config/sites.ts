import { createHash } from 'node:crypto'
import type { CollectorConfig, SiteConfig } from './site-config.ts'

const digest = (value: string) => createHash('sha256').update(value).digest('hex')

export interface Sites {
  byId(id: string): SiteConfig | undefined
  /** Looks the key up by its hash, so the lookup's timing says nothing about how close a guess was. */
  byWriteKey(writeKey: string): SiteConfig | undefined
  /**
   * The site whose server key this is, looked up the same way. A rotated key (previousWriteKey,
   * previousServerKey) works until its `…Until` time.
   */
  byServerKey(serverKey: string): SiteConfig | undefined
  /** Whether any site accepts browser requests from this origin (CORS preflights name no site). */
  anyAllows(origin: string): boolean
  /**
   * Whether the origin is the collector's own (pages it serves itself, the demo shop): only the
   * configured public URL or the address it listens on, never what a request's Host header says.
   */
  isSelf(origin: string | undefined): boolean
}

/** A key's site, and until when the key works (a rotated key's overlap; Infinity: no end). */
type Keyed = readonly [string, { site: SiteConfig; until: number }]

const keyed = (site: SiteConfig, key: string | undefined, until?: string): Keyed[] =>
  key ? [[digest(key), { site, until: until ? Date.parse(until) : Number.POSITIVE_INFINITY }]] : []

const index = (config: CollectorConfig) => ({
  config,
  byId: new Map(config.sites.map((site) => [site.id, site])),
  byKey: new Map(
    config.sites.flatMap((site) => [
      ...keyed(site, site.previousWriteKey, site.previousWriteKeyUntil),
      ...keyed(site, site.writeKey),
    ]),
  ),
  byServer: new Map(
    config.sites.flatMap((site) => [
      ...keyed(site, site.previousServerKey, site.previousServerKeyUntil),
      ...keyed(site, site.serverKey),
    ]),
  ),
  origins: new Set(config.sites.flatMap((site) => site.allowedOrigins)),
})

/**
 * The sites of a config, or of the config a function returns now (config/live.ts): the lookups are
 * rebuilt when it returns another one. `selfOrigins` is read on every call: the entry fills it once
 * it knows the port it listens on.
 */
export const createSites = (
  source: CollectorConfig | (() => CollectorConfig),
  selfOrigins: readonly string[] = [],
  now: () => number = Date.now,
): Sites => {
  const read = typeof source === 'function' ? source : () => source
  let indexed = index(read())
  const at = () => {
    const config = read()
    if (config !== indexed.config) indexed = index(config)
    return indexed
  }
  const current = (k: Keyed[1] | undefined) => (k && now() < k.until ? k.site : undefined)
  return {
    byId: (id) => at().byId.get(id),
    byWriteKey: (writeKey) => current(at().byKey.get(digest(writeKey))),
    byServerKey: (serverKey) => current(at().byServer.get(digest(serverKey))),
    anyAllows: (origin) => at().origins.has(origin),
    isSelf: (origin) => origin !== undefined && selfOrigins.includes(origin),
  }
}

/**
 * Browser requests must come from an allowed origin of the site; pages the collector serves
 * itself (the demo shop) are same-origin and always allowed. Requests without Origin are not
 * from a browser page and rely on the write key alone.
 */
export const originAllowed = (site: SiteConfig, origin: string | undefined, sites: Pick<Sites, 'isSelf'>) =>
  origin === undefined || sites.isSelf(origin) || site.allowedOrigins.includes(origin)
