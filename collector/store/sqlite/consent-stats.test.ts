import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describeConsentStatsContract } from '../../../test/contracts/consent-stats.contract.ts'
import { openSqliteStore } from './store.ts'

describeConsentStatsContract(
  'SQLite',
  async () => openSqliteStore(':memory:'),
  async () => {
    // A file, so that a second connection can edit what the store wrote.
    const path = join(mkdtempSync(join(tmpdir(), 'precis-consent-stats-')), 'precis.db')
    return {
      store: openSqliteStore(path),
      setPurposes: async (consentId, text) => {
        const db = new Database(path)
        db.prepare("UPDATE consent_records SET purposes = ? WHERE site = 'demo' AND consent_id = ?").run(
          text,
          consentId,
        )
        db.close()
      },
    }
  },
)
