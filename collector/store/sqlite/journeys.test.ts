import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { describeJourneysContract } from '../../../test/contracts/journeys.contract.ts'
import { openSqliteStore } from './store.ts'

const root = mkdtempSync(join(tmpdir(), 'precis-journeys-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const newPath = () => join(mkdtempSync(join(root, 'db-')), 'db.sqlite')

describeJourneysContract(
  'SQLite',
  async () => openSqliteStore(newPath()),
  async () => {
    const path = newPath()
    const a = openSqliteStore(path)
    const b = openSqliteStore(path)
    return [a, b, async () => void (await Promise.all([a.close(), b.close()]))]
  },
)
describeJourneysContract('SQLite (:memory:)', async () => openSqliteStore(':memory:'))
