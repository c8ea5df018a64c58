import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { describeAudiencesContract } from '../../../test/contracts/audiences.contract.ts'
import { openSqliteStore } from './store.ts'

const root = mkdtempSync(join(tmpdir(), 'precis-audiences-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const newPath = () => join(mkdtempSync(join(root, 'db-')), 'db.sqlite')

describeAudiencesContract(
  'SQLite',
  async () => openSqliteStore(newPath()),
  async () => {
    const path = newPath()
    const a = openSqliteStore(path)
    const b = openSqliteStore(path)
    return [a, b, async () => void (await Promise.all([a.close(), b.close()]))]
  },
)
describeAudiencesContract('SQLite (:memory:)', async () => openSqliteStore(':memory:'))
