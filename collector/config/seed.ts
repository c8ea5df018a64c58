// The config file seeds the database on first start; after that the database is what is served.
// A file still edited by hand keeps working: when a site was last saved from a file and the file
// now differs, the file's entry becomes the next version. Once a site has been changed another way
// (the dashboard, the admin API, an import of another file), the file no longer overrides it: the start-up log
// says so, and `npm run config -- import` applies the file on purpose.
import { resolve } from 'node:path'
import { validateEntries } from './live.ts'
import type { ConfigFile } from './site-config.ts'
import { ConfigError } from './site-config.ts'
import { type ConfigStore, diffConfigs, type SiteChange, type SiteVersion, StaleVersion } from './versions.ts'

/** Versions saved from a config file (at start or by an import) are authored `file:<its full path>`. */
export const fileAuthor = (path: string) => `file:${resolve(path)}`

export const sameConfig = (a: unknown, b: unknown) => diffConfigs(a, b).length === 0

/** What the file asks of one site: nothing, a new version, or a warning that it was not applied. */
const planSite = async (
  store: ConfigStore,
  entry: Record<string, unknown>,
  current: SiteVersion | undefined,
  path: string,
): Promise<{ change?: SiteChange; warning?: string }> => {
  const site = String(entry.id)
  if (!current) return { change: { site, expected: 0, config: entry } }
  if (sameConfig(current.config, entry)) return {}
  const author = fileAuthor(path)
  if (current.author === author) return { change: { site, expected: current.version, config: entry } }
  // Changed another way since: the file wins only through an explicit import.
  const lastFromFile = (await store.configHistory(site)).find((v) => v.author === author)
  const seeded = lastFromFile && (await store.configVersion(site, lastFromFile.version))
  if (seeded && sameConfig(seeded.config, entry)) return {}
  return {
    warning: `site ${site}: ${path} differs from version ${current.version} in the database (saved by ${current.author}), which is served; \`npm run config -- import ${path}\` applies the file`,
  }
}

/**
 * Brings the file's sites into the store as described above and resolves to the newest version of
 * every site. Several collectors starting at once on one database each try; a save that lost the
 * race (StaleVersion) is planned again from what the winner saved.
 */
export const seedConfigs = async (
  store: ConfigStore,
  file: ConfigFile | undefined,
  at: number,
  log: (line: string) => void,
): Promise<SiteVersion[]> => {
  for (let attempt = 0; ; attempt++) {
    const current = await store.currentConfigs()
    if (!file) {
      if (current.length > 0) return current
      throw new ConfigError(
        'no sites to serve: the database holds no site configs and no config file was read; set PRECIS_CONFIG to a config file (e.g. precis.config.json) to seed it',
      )
    }
    const byId = new Map(current.map((v) => [v.site, v]))
    const plans = await Promise.all(
      file.entries.map((entry) => planSite(store, entry, byId.get(String(entry.id)), file.path)),
    )
    const changes = plans.flatMap((p) => (p.change ? [p.change] : []))
    if (changes.length === 0) {
      for (const p of plans) if (p.warning) log(p.warning)
      return current
    }
    // The file's sites beside those only the database holds must still make one valid config.
    const after = new Map(byId)
    for (const c of changes) after.set(c.site, { ...byId.get(c.site)!, site: c.site, config: c.config })
    validateEntries([...after.values()], `${file.path} with the sites in the database`)
    try {
      const saved = await store.saveConfigs(changes, {
        author: fileAuthor(file.path),
        at,
        note: 'read at start',
      })
      for (const v of saved)
        log(
          `site ${v.site}: version ${v.version} saved from ${file.path}${v.version === 1 ? ' (first start)' : ''}`,
        )
      for (const p of plans) if (p.warning) log(p.warning)
      return store.currentConfigs()
    } catch (err) {
      if (!(err instanceof StaleVersion) || attempt >= 5) throw err
    }
  }
}
