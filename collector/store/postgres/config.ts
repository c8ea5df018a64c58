// Site config versions on PostgreSQL: the config_versions table (migration config/1), one row per
// version; the rules are config/versions.ts'. The config is TEXT, not JSONB: JSONB reorders keys,
// and an export must equal what was imported.
import {
  type ConfigStore,
  nextVersion,
  type SiteVersion,
  type SiteVersionSummary,
  StaleVersion,
} from '../../config/versions.ts'
import type { Migration, Sql } from './schema.ts'

export const CONFIG_MIGRATIONS: Migration[] = [
  {
    name: 'config/1',
    sql: `
      CREATE TABLE config_versions (
        site TEXT NOT NULL,
        version INTEGER NOT NULL,
        config TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        note TEXT,
        PRIMARY KEY (site, version)
      );`,
  },
]

interface Row {
  site: string
  version: number
  config: string
  author: string
  createdAt: string
  note: string | null
}

const fromRow = ({ config, ...r }: Row): SiteVersion => ({
  ...summary(r),
  config: JSON.parse(config),
})
const summary = (r: Omit<Row, 'config'>): SiteVersionSummary => ({ ...r, createdAt: Number(r.createdAt) })

export const postgresConfig = (sql: Sql): ConfigStore => ({
  currentConfigs: async () =>
    (
      await sql<Row[]>`
        SELECT DISTINCT ON (site) site, version, config, author, created_at AS "createdAt", note
        FROM config_versions ORDER BY site, version DESC`
    ).map(fromRow),
  configHistory: async (site) =>
    (
      await sql<Omit<Row, 'config'>[]>`
        SELECT site, version, author, created_at AS "createdAt", note FROM config_versions
        WHERE site = ${site} ORDER BY version DESC`
    ).map(summary),
  configVersion: async (site, version) => {
    const [row] = await sql<Row[]>`
      SELECT site, version, config, author, created_at AS "createdAt", note FROM config_versions
      WHERE site = ${site} AND version = ${version}`
    return row && fromRow(row)
  },
  saveConfigs: (changes, meta) =>
    sql.begin(async (tx) => {
      const saved: SiteVersion[] = []
      for (const change of changes) {
        const [latest] = await tx<{ version: number }[]>`
          SELECT COALESCE(MAX(version), 0)::int AS version FROM config_versions WHERE site = ${change.site}`
        const next = nextVersion(change, latest!.version, meta)
        // Two collectors saving from the same version both read the same newest one: the key lets
        // one insert, and the other, waiting on it, inserts nothing.
        const inserted = await tx`
          INSERT INTO config_versions (site, version, config, author, created_at, note)
          VALUES (${next.site}, ${next.version}, ${JSON.stringify(next.config)}, ${next.author},
            ${next.createdAt}, ${next.note})
          ON CONFLICT DO NOTHING`
        if (inserted.count === 0) throw new StaleVersion(next.site, change.expected, next.version)
        saved.push(next)
      }
      return saved
    }) as Promise<SiteVersion[]>,
})
