// Saving an edit of one site's entry (the admin API's writes): made from the version the editor
// saw, validated together with every other site, saved as the next version, and served at once
// by this collector (others follow at their next poll, live.ts).
import type { LiveConfig } from './live.ts'
import { configSchema, formatPath } from './site-config.ts'
import {
  type ConfigDifference,
  type ConfigStore,
  diffConfigs,
  type SaveMeta,
  type SiteVersion,
  type SiteVersionSummary,
  StaleVersion,
} from './versions.ts'

export interface ConfigIssue {
  /** Where in the site's entry, e.g. `experiments[0].variations`. */
  path: string
  message: string
}

/** The edit would make a config that does not validate: nothing was saved. */
export class InvalidConfig extends Error {
  override name = 'InvalidConfig'
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '))
  }
}

/** What would be wrong with the sites if `site`'s entry were `entry`; paths within that entry. */
export const issuesWith = (others: readonly SiteVersion[], site: string, entry: Record<string, unknown>) => {
  const sites = [...others.filter((v) => v.site !== site).map((v) => v.config), entry]
  const result = configSchema.safeParse({ sites })
  if (result.success) return []
  const at = sites.length - 1
  return result.error.issues.map((issue): ConfigIssue => {
    const [root, index, ...rest] = issue.path
    // Problems of the edited entry are reported within it; another site's keep their full path.
    const path = root === 'sites' && index === at ? rest : issue.path
    return { path: formatPath(path), message: issue.message }
  })
}

export interface ItemVersion extends SiteVersionSummary {
  /** What changed in the item with this version, paths within the item. */
  changes: ConfigDifference[]
}

/**
 * The versions (newest first) in which the part of the entry `select` picks changed, each with
 * its changes; the oldest version given counts as a change from nothing.
 */
export const itemHistory = (
  versions: readonly SiteVersion[],
  select: (entry: Record<string, unknown>) => unknown,
): ItemVersion[] =>
  versions.flatMap((v, i) => {
    const before = versions[i + 1]
    const changes = diffConfigs(before ? select(before.config) : undefined, select(v.config))
    const { config: _, ...summary } = v
    return changes.length ? [{ ...summary, changes }] : []
  })

/** Versions read for a history page: the newest this many. */
export const HISTORY_LIMIT = 100

export const createConfigEditor = (store: ConfigStore, live: LiveConfig) => ({
  /** The site's entry at `version`, or now; undefined when the site or that version does not exist. */
  read: async (site: string, version?: number): Promise<SiteVersion | undefined> =>
    version === undefined || version === live.version(site)
      ? live.written(site)
      : store.configVersion(site, version),

  /** The site's newest versions with their entries, newest first. */
  history: async (site: string): Promise<SiteVersion[]> => {
    const summaries = (await store.configHistory(site)).slice(0, HISTORY_LIMIT)
    const versions = await Promise.all(summaries.map((s) => store.configVersion(site, s.version)))
    return versions.filter((v) => v !== undefined)
  },

  /**
   * Saves `entry` as the version after `expected`. InvalidConfig when the sites would not validate;
   * StaleVersion when the site changed since `expected` (here or on another collector).
   */
  save: async (
    site: string,
    expected: number,
    entry: Record<string, unknown>,
    meta: SaveMeta,
  ): Promise<SiteVersion> => {
    if (expected < live.version(site)) throw new StaleVersion(site, expected, live.version(site))
    const issues = issuesWith(live.entries(), site, entry)
    if (issues.length) throw new InvalidConfig(issues)
    const saved = await store.saveConfigs([{ site, expected, config: entry }], meta)
    live.apply(saved)
    return saved[0]!
  },
})

export type ConfigEditor = ReturnType<typeof createConfigEditor>
