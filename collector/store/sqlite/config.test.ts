import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeConfigContract } from '../../../test/contracts/config.contract.ts'
import { openSqliteStore } from './store.ts'

describeConfigContract('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-config-')), 'precis.db')
  const store = openSqliteStore(path)
  return {
    store,
    another: async () => openSqliteStore(path),
    close: () => store.close(),
  }
})
