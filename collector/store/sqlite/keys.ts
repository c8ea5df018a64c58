// The SQLite key store: a file of its own beside the database (precis.db → precis.keys.db), so a
// copy of the database never carries the keys that open it, and each can be backed up on its own
// schedule. Deleted keys are zeroed in place (secure_delete) and the WAL is truncated after each
// erasure or rotation, so a destroyed key leaves no bytes in either file.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import Database from 'better-sqlite3'
import {
  type KeyRow,
  type KeyRows,
  type KeyStore,
  type KeyStoreOptions,
  keyStore,
  type StoredKeyRow as Row,
  toKeyRow,
} from '../../privacy/keys.ts'
import { checkpointAfterErasure } from './resolver.ts'

/** The key file beside a database file: `data/precis.db` → `data/precis.keys.db`. */
export const keyFilePath = (databasePath: string) => {
  if (databasePath === ':memory:') return databasePath
  const ext = extname(databasePath)
  const name = basename(databasePath, ext)
  return join(dirname(databasePath), `${name}.keys${ext || '.db'}`)
}

const MIGRATIONS = [
  // One key per (site, subject); ids are random and unique per site; master_id says which master
  // wrapped the key, which is what makes a rotation resumable.
  `CREATE TABLE data_keys (
     site TEXT NOT NULL,
     subject TEXT NOT NULL,
     id TEXT NOT NULL,
     master_id TEXT NOT NULL,
     wrapped BLOB NOT NULL,
     PRIMARY KEY (site, subject),
     UNIQUE (site, id)
   );
   CREATE INDEX data_keys_master ON data_keys (master_id);`,
]

const migrate = (db: Database.Database) => {
  // IMMEDIATE: of two processes opening a new file at once, one migrates, the other then sees it done.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    for (const [index, sql] of MIGRATIONS.entries()) {
      if (index < current) continue
      db.exec(sql)
      db.pragma(`user_version = ${index + 1}`)
    }
  }).immediate()
}

const COLUMNS = 'site, subject, id, master_id, wrapped'

const sqliteKeyRows = (db: Database.Database): KeyRows => {
  // json_each: one statement for any number of values, looked up through the indexes.
  const bySubject = db.prepare<[string, string], Row>(
    `SELECT ${COLUMNS} FROM data_keys WHERE site = ? AND subject IN (SELECT value FROM json_each(?))`,
  )
  const byId = db.prepare<[string, string], Row>(
    `SELECT ${COLUMNS} FROM data_keys WHERE site = ? AND id IN (SELECT value FROM json_each(?))`,
  )
  // No conflict target: a clash on the id (random, 96 bits) is skipped too, and read back as missing.
  const insert = db.prepare(
    `INSERT INTO data_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  )
  const remove = db.prepare(
    'DELETE FROM data_keys WHERE site = ? AND subject IN (SELECT value FROM json_each(?))',
  )
  const notUnder = db.prepare<[string, number], Row>(
    `SELECT ${COLUMNS} FROM data_keys WHERE master_id <> ? LIMIT ?`,
  )
  const update = db.prepare(
    'UPDATE data_keys SET master_id = ?, wrapped = ? WHERE site = ? AND id = ? AND master_id = ?',
  )
  const insertAll = db.transaction((rows: readonly KeyRow[]) => {
    for (const r of rows) insert.run(r.site, r.subject, r.id, r.masterId, r.wrapped)
  })
  const updateAll = db.transaction((rows: readonly { row: KeyRow; wrapped: Buffer }[], masterId: string) => {
    let changed = 0
    for (const { row, wrapped } of rows) {
      changed += update.run(masterId, wrapped, row.site, row.id, row.masterId).changes
    }
    return changed
  })
  return {
    bySubject: async (site, subjects) => bySubject.all(site, JSON.stringify(subjects)).map(toKeyRow),
    byId: async (site, ids) => byId.all(site, JSON.stringify(ids)).map(toKeyRow),
    insertAbsent: async (rows) => insertAll.immediate(rows),
    delete: async (site, subjects) => remove.run(site, JSON.stringify(subjects)).changes,
    notUnder: async (masterId, limit) => notUnder.all(masterId, limit).map(toKeyRow),
    replace: async (rows, masterId) => updateAll.immediate(rows, masterId),
    scrub: async () => {
      checkpointAfterErasure(db)
    },
    close: async () => {
      db.close()
    },
  }
}

/** Opens (creating if missing) the key file at `path`; see keyFilePath for where it belongs. */
export const openSqliteKeyStore = (path: string, options: KeyStoreOptions): KeyStore => {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true })
    // Readable by the collector's user only; SQLite gives the WAL the same permissions.
    if (!existsSync(path)) writeFileSync(path, '', { mode: 0o600, flag: 'a' })
  }
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    // FULL: a key handed out survives power loss (values encrypted with it are already stored).
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    // Deleted keys are overwritten with zeros, not left in free pages.
    db.pragma('secure_delete = ON')
    migrate(db)
  } catch (err) {
    db.close()
    throw err
  }
  return keyStore(sqliteKeyRows(db), options)
}
