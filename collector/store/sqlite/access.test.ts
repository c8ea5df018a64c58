import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeAccessContract } from '../../../test/contracts/access.contract.ts'
import { openSqliteStore } from './store.ts'

describeAccessContract('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-access-')), 'precis.db')
  const store = openSqliteStore(path)
  return {
    store,
    another: async () => openSqliteStore(path),
    close: () => store.close(),
  }
})
