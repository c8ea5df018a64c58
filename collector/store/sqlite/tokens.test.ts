import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describeTokenContract } from '../../../test/contracts/tokens.contract.ts'
import { openSqliteStore } from './store.ts'

describeTokenContract('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-tokens-')), 'precis.db')
  const store = openSqliteStore(path)
  const reader = new Database(path, { readonly: true })
  return {
    store,
    rows: async () => reader.prepare('SELECT * FROM rights_tokens').all() as Record<string, unknown>[],
    close: async () => {
      reader.close()
      await store.close()
    },
  }
})
