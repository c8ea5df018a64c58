import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { describeKeyStoreContract, MASTER_A, MASTER_B } from '../../../test/contracts/keys.contract.ts'
import type { KeyRow } from '../../privacy/keys.ts'
import { keyFilePath, openSqliteKeyStore } from './keys.ts'

const tempKeyFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'precis-keys-'))
  return { dir, path: keyFilePath(join(dir, 'precis.db')) }
}

/** Every row of the key file, through a connection of its own (closed before returning). */
const readRows = (path: string): KeyRow[] => {
  const db = new Database(path, { readonly: true })
  try {
    return (
      db.prepare('SELECT site, subject, id, master_id, wrapped FROM data_keys ORDER BY rowid').all() as {
        site: string
        subject: string
        id: string
        master_id: string
        wrapped: Buffer
      }[]
    ).map((r) => ({ site: r.site, subject: r.subject, id: r.id, masterId: r.master_id, wrapped: r.wrapped }))
  } finally {
    db.close()
  }
}

describeKeyStoreContract('SQLite (own file, WAL)', async () => {
  const { dir, path } = tempKeyFile()
  return {
    open: async (options) => openSqliteKeyStore(path, options),
    rows: async () => readRows(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

describe('keyFilePath', () => {
  it.each([
    ['data/precis.db', 'data/precis.keys.db'],
    ['./data/precis.db', 'data/precis.keys.db'],
    ['/var/lib/precis/site.sqlite', '/var/lib/precis/site.keys.sqlite'],
    ['precis', 'precis.keys.db'],
    ['/srv/a.b/precis', '/srv/a.b/precis.keys.db'],
    [':memory:', ':memory:'],
  ])('%s → %s', (database, keys) => {
    expect(keyFilePath(database)).toBe(keys)
  })
})

it('creates its file readable by its owner only, in WAL mode, in a directory made if missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'precis-keys-'))
  const path = keyFilePath(join(dir, 'nested', 'precis.db'))
  const store = openSqliteKeyStore(path, { master: MASTER_A })
  await store.keyFor('demo', 's1')
  expect(statSync(path).mode & 0o777).toBe(0o600)
  const db = new Database(path, { readonly: true })
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
  db.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

it('leaves no byte of a destroyed or re-wrapped key in the key file or its WAL', async () => {
  const { dir, path } = tempKeyFile()
  const store = openSqliteKeyStore(path, { master: MASTER_A })
  const subjects = Array.from({ length: 60 }, (_, i) => `subject-hash-${String(i).padStart(3, '0')}`)
  await store.keysFor('demo', subjects)
  // Some of them one at a time, as ingest would: more WAL frames holding the same rows.
  for (const subject of subjects.slice(0, 10)) await store.keyFor('demo', subject)
  const erased = ['subject-hash-003', 'subject-hash-017', 'subject-hash-042']
  const before = readRows(path)
  const secretsOf = (rows: KeyRow[]) =>
    rows.flatMap((r) => [Buffer.from(r.subject), Buffer.from(r.id), r.wrapped])
  const erasedSecrets = secretsOf(before.filter((r) => erased.includes(r.subject)))
  const keptSecrets = secretsOf(before.filter((r) => !erased.includes(r.subject)))
  const fileBytes = () =>
    Buffer.concat([path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
  const found = (secrets: Buffer[]) => secrets.filter((s) => fileBytes().includes(s)).length
  // The search finds what is there: every secret before the erasure.
  expect(found([...erasedSecrets, ...keptSecrets])).toBe(erasedSecrets.length + keptSecrets.length)

  expect(await store.destroy('demo', erased)).toBe(3)
  // While the collector runs (its connection open), and after it stops.
  expect(found(erasedSecrets)).toBe(0)
  expect(found(keptSecrets)).toBe(keptSecrets.length)

  // A rotation leaves no copy of the old master's wrappings either.
  const oldWrappings = readRows(path).map((r) => r.wrapped)
  expect(await store.rewrap(MASTER_B)).toBe(57)
  expect(found(oldWrappings)).toBe(0)
  expect(found(readRows(path).map((r) => r.wrapped))).toBe(57)
  await store.close()
  expect(found(erasedSecrets)).toBe(0)
  expect(found(oldWrappings)).toBe(0)
  rmSync(dir, { recursive: true, force: true })
})
