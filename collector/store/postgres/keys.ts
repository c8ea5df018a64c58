// The PostgreSQL key store: a schema of its own, `<data schema>_keys`, so a dump of the data
// schema (`pg_dump -n precis`) never carries the keys that open it, and the key schema can be
// backed up on its own, shorter, schedule. Several collectors share it: a new subject's key is
// inserted if absent, then read, so concurrent first uses end with the one key that won.

import {
  type KeyRows,
  type KeyStore,
  type KeyStoreOptions,
  keyStore,
  type StoredKeyRow as Row,
  toKeyRow,
} from '../../privacy/keys.ts'
import { connect, type Migration, migrate } from './schema.ts'

export const KEY_MIGRATIONS: readonly Migration[] = [
  {
    name: 'keys/1',
    sql: `
      CREATE TABLE data_keys (
        site TEXT NOT NULL,
        subject TEXT NOT NULL,
        id TEXT NOT NULL,
        master_id TEXT NOT NULL,
        wrapped BYTEA NOT NULL,
        PRIMARY KEY (site, subject),
        UNIQUE (site, id)
      );
      CREATE INDEX data_keys_master ON data_keys (master_id);`,
  },
]

const searchPath = (url: string) => new URL(url).searchParams.get('search_path')?.split(',')[0]?.trim()

/**
 * The key schema for a data schema: `precis` → `precis_keys`; without one, the URL's
 * `?search_path=`, else `public` (→ `public_keys`).
 */
export const keySchemaFor = (url: string, dataSchema?: string) =>
  `${dataSchema || searchPath(url) || 'public'}_keys`

export interface PostgresKeyStoreOptions extends KeyStoreOptions {
  /** The data store's schema; the keys live in `<schema>_keys` (keySchemaFor). */
  schema?: string
  /** Connections in this process's pool. */
  max?: number
}

const postgresKeyRows = (sql: ReturnType<typeof connect>): KeyRows => ({
  bySubject: async (site, subjects) =>
    (
      await sql<Row[]>`SELECT site, subject, id, master_id, wrapped FROM data_keys
        WHERE site = ${site} AND subject = ANY(${subjects as string[]}::text[])`
    ).map(toKeyRow),
  byId: async (site, ids) =>
    (
      await sql<Row[]>`SELECT site, subject, id, master_id, wrapped FROM data_keys
        WHERE site = ${site} AND id = ANY(${ids as string[]}::text[])`
    ).map(toKeyRow),
  insertAbsent: async (rows) => {
    if (rows.length === 0) return
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the same subject to commit, so the
    // read that follows finds the winner's key.
    const values = rows.map((r) => ({
      site: r.site,
      subject: r.subject,
      id: r.id,
      master_id: r.masterId,
      wrapped: r.wrapped,
    }))
    await sql`INSERT INTO data_keys ${sql(values)} ON CONFLICT DO NOTHING`
  },
  delete: async (site, subjects) =>
    (await sql`DELETE FROM data_keys WHERE site = ${site} AND subject = ANY(${subjects as string[]}::text[])`)
      .count,
  notUnder: async (masterId, limit) =>
    (
      await sql<Row[]>`SELECT site, subject, id, master_id, wrapped FROM data_keys
        WHERE master_id <> ${masterId} LIMIT ${limit}`
    ).map(toKeyRow),
  // One statement per batch: atomic, and only rows still under the master they were read with.
  replace: async (rows, masterId) =>
    (
      await sql`UPDATE data_keys AS d SET master_id = ${masterId}, wrapped = decode(v.wrapped, 'hex')
        FROM unnest(${rows.map((r) => r.row.site)}::text[], ${rows.map((r) => r.row.id)}::text[],
          ${rows.map((r) => r.row.masterId)}::text[], ${rows.map((r) => r.wrapped.toString('hex'))}::text[])
          AS v(site, id, old_master, wrapped)
        WHERE d.site = v.site AND d.id = v.id AND d.master_id = v.old_master`
    ).count,
  // Dead tuples and WAL hold old wrapped keys until vacuum and recycling; they open with the master
  // only, which is why a suspected leak of both calls for a rotation (docs/privacy-keys.md).
  scrub: async () => {},
  close: async () => {
    await sql.end({ timeout: 5 })
  },
})

/** Connects, creates the key schema if missing and migrates it (under advisory locks). */
export const openPostgresKeyStore = async (
  url: string,
  options: PostgresKeyStoreOptions,
): Promise<KeyStore> => {
  const schema = keySchemaFor(url, options.schema)
  // The URL's search_path would override ours (postgres.js lets the URL win): the keys go in theirs.
  const target = new URL(url)
  target.searchParams.delete('search_path')
  const admin = connect(target.toString(), { max: 1 })
  try {
    await admin.begin(async (tx) => {
      // IF NOT EXISTS still races another collector creating it: take turns (as store/postgres/store.ts).
      await tx`SELECT pg_advisory_xact_lock(hashtext('precis.schemas'))`
      await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`
    })
  } finally {
    await admin.end()
  }
  const sql = connect(target.toString(), { schema, max: options.max })
  try {
    await migrate(sql, KEY_MIGRATIONS)
    const [where] = await sql<{ schema: string }[]>`SELECT current_schema() AS schema`
    if (where?.schema !== schema)
      throw new Error(`key store opened in schema ${where?.schema}, not ${schema}`)
  } catch (err) {
    await sql.end()
    throw err
  }
  return keyStore(postgresKeyRows(sql), options)
}
