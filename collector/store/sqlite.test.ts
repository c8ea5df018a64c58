import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { describeStoreContract, makeRow } from './contract.ts'
import { openSqliteStore } from './sqlite.ts'

describeStoreContract('SQLite (file, WAL)', async () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), 'precis-store-')), 'precis.db')),
)

it('keeps events across reopening the database file', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-store-')), 'nested', 'precis.db')
  const first = openSqliteStore(path)
  await first.insertEvents([makeRow({ messageId: 'kept' })])
  await first.close()
  const second = openSqliteStore(path)
  expect((await second.listEvents('demo', { limit: 5 })).events[0]?.messageId).toBe('kept')
  expect(await second.insertEvents([makeRow({ messageId: 'kept' })])).toEqual({ inserted: 0, duplicates: 1 })
  await second.close()
})
