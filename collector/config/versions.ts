// Site configs kept in the database, every change a new version (issue: configuration without a
// text editor). A version holds the site's entry exactly as written (the config file's JSON), so an
// export equals what was imported; validation is site-config.ts', before anything is saved.

/** One saved state of a site's config. */
export interface SiteVersion {
  site: string
  /** 1 for the first, then each save adds one. */
  version: number
  /** The site's entry of the config file, as written. */
  config: Record<string, unknown>
  /** Who saved it: a user, a token's name, or the file it was imported from. */
  author: string
  /** Epoch ms. */
  createdAt: number
  note: string | null
}

export type SiteVersionSummary = Omit<SiteVersion, 'config'>

/** A site's next version; `expected` is the version the change was made from (0: a new site). */
export interface SiteChange {
  site: string
  expected: number
  config: Record<string, unknown>
}

export interface SaveMeta {
  author: string
  at: number
  note?: string | undefined
}

/** Another change was saved since `expected`: nothing was saved (optimistic concurrency). */
export class StaleVersion extends Error {
  override name = 'StaleVersion'
  constructor(
    readonly site: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(
      `site ${site} changed since version ${expected} (now version ${current}): load it again and redo the change`,
    )
  }
}

export interface ConfigStore {
  /** The newest version of every site, by site id. */
  currentConfigs(): Promise<SiteVersion[]>
  /** A site's versions, newest first, without their configs. */
  configHistory(site: string): Promise<SiteVersionSummary[]>
  configVersion(site: string, version: number): Promise<SiteVersion | undefined>
  /**
   * Saves the next version of every site in `changes` in one transaction, or none of them: each
   * site's newest version must still be its `expected` (else StaleVersion). Safe across processes:
   * two saves from the same version cannot both win.
   */
  saveConfigs(changes: readonly SiteChange[], meta: SaveMeta): Promise<SiteVersion[]>
}

/**
 * The version a change makes when the site's newest version is `now`; StaleVersion when the change
 * was made from another one (what both adapters check inside their transaction).
 */
export const nextVersion = (
  { site, expected, config }: SiteChange,
  now: number,
  meta: SaveMeta,
): SiteVersion => {
  if (now !== expected) throw new StaleVersion(site, expected, now)
  return { site, version: now + 1, config, author: meta.author, createdAt: meta.at, note: meta.note ?? null }
}

/** The HTTP entity tag of a site's version (If-Match compares it). */
export const versionTag = (site: string, version: number) => `"${site}.v${version}"`

export interface ConfigDifference {
  /** JSON path, e.g. `experiments[0].status`; '' for the whole config. */
  path: string
  before?: unknown
  after?: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key

/** What changed between two versions of a config, leaf by leaf (arrays element by element). */
export const diffConfigs = (before: unknown, after: unknown, path = ''): ConfigDifference[] => {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    return keys.flatMap((k) =>
      !(k in after)
        ? [{ path: join(path, k), before: before[k] }]
        : !(k in before)
          ? [{ path: join(path, k), after: after[k] }]
          : diffConfigs(before[k], after[k], join(path, k)),
    )
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length)
    return Array.from({ length }, (_, i) =>
      i >= after.length
        ? [{ path: join(path, i), before: before[i] }]
        : i >= before.length
          ? [{ path: join(path, i), after: after[i] }]
          : diffConfigs(before[i], after[i], join(path, i)),
    ).flat()
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }]
}
