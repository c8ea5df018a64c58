// Site config versions on SQLite: the config_versions table (store.ts MIGRATIONS), one row per
// version; the rules are config/versions.ts'.
import type Database from 'better-sqlite3'
import {
  type ConfigStore,
  nextVersion,
  type SaveMeta,
  type SiteChange,
  type SiteVersion,
} from '../../config/versions.ts'

export const CONFIG_VERSIONS_MIGRATION = `CREATE TABLE config_versions (
  site TEXT NOT NULL,
  version INTEGER NOT NULL,
  config TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  note TEXT,
  PRIMARY KEY (site, version)
) WITHOUT ROWID`

interface Row {
  site: string
  version: number
  config: string
  author: string
  createdAt: number
  note: string | null
}

const COLUMNS = 'site, version, config, author, created_at AS createdAt, note'
const fromRow = (r: Row): SiteVersion => ({ ...r, config: JSON.parse(r.config) })

export const sqliteConfig = (db: Database.Database): ConfigStore => {
  const current = db.prepare<[], Row>(
    `SELECT ${COLUMNS} FROM config_versions v
     WHERE version = (SELECT MAX(version) FROM config_versions WHERE site = v.site) ORDER BY site`,
  )
  const history = db.prepare<[string], Omit<Row, 'config'>>(
    `SELECT site, version, author, created_at AS createdAt, note FROM config_versions
     WHERE site = ? ORDER BY version DESC`,
  )
  const one = db.prepare<[string, number], Row>(
    `SELECT ${COLUMNS} FROM config_versions WHERE site = ? AND version = ?`,
  )
  const latest = db.prepare<[string], { version: number }>(
    'SELECT COALESCE(MAX(version), 0) AS version FROM config_versions WHERE site = ?',
  )
  const insert = db.prepare<[string, number, string, string, number, string | null]>(
    'INSERT INTO config_versions (site, version, config, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?)',
  )
  // IMMEDIATE: the write lock is taken before the versions are read, so another process cannot
  // save between the check and the insert.
  const save = db.transaction((changes: readonly SiteChange[], meta: SaveMeta) =>
    changes.map((change) => {
      const saved = nextVersion(change, latest.get(change.site)!.version, meta)
      insert.run(
        saved.site,
        saved.version,
        JSON.stringify(saved.config),
        saved.author,
        saved.createdAt,
        saved.note,
      )
      return saved
    }),
  )
  return {
    currentConfigs: async () => current.all().map(fromRow),
    configHistory: async (site) => history.all(site),
    configVersion: async (site, version) => {
      const row = one.get(site, version)
      return row && fromRow(row)
    },
    saveConfigs: async (changes, meta) => save.immediate(changes, meta),
  }
}
