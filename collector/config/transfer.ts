// The config file as an import and export format: an export is every site's newest version as
// written; an import saves, as one change, the next version of each site the file changes.

import { validateEntries } from './live.ts'
import { fileAuthor, sameConfig } from './seed.ts'
import type { ConfigFile } from './site-config.ts'
import type { ConfigStore, SiteChange, SiteVersion } from './versions.ts'

/** The config file that holds these versions' sites (all of them, or the one named). */
export const exportConfigs = (current: readonly SiteVersion[], site?: string) => ({
  sites: current.filter((v) => site === undefined || v.site === site).map((v) => v.config),
})

/**
 * The changes importing the file makes: the sites it adds or changes (from the versions the
 * database holds now), after checking that they and the sites the file leaves alone make one valid
 * config. Throws ConfigError with every problem, before anything is saved.
 */
export const planImport = (current: readonly SiteVersion[], file: ConfigFile): SiteChange[] => {
  const byId = new Map(current.map((v) => [v.site, v]))
  const changes = file.entries.flatMap((config): SiteChange[] => {
    const site = String(config.id)
    const now = byId.get(site)
    return now && sameConfig(now.config, config) ? [] : [{ site, expected: now?.version ?? 0, config }]
  })
  const after = new Map(byId)
  for (const c of changes) after.set(c.site, { ...byId.get(c.site)!, site: c.site, config: c.config })
  validateEntries([...after.values()], `${file.path} with the sites in the database`)
  return changes
}

/** Imports the file: every change saved in one transaction, or none (StaleVersion on a race). */
export const importConfigs = async (store: ConfigStore, file: ConfigFile, at: number, note?: string) => {
  const changes = planImport(await store.currentConfigs(), file)
  if (changes.length === 0) return []
  return store.saveConfigs(changes, { author: fileAuthor(file.path), at, note })
}
