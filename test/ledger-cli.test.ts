// `npm run ledger` as an operator meets it after upgrading from unkeyed links: a chain that began
// before keying does not verify until sealed; the seal vouches for exactly what was there, so a
// later rewrite of those records is found, and a chain that is already broken is not sealed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeEach, describe, expect, it } from 'vitest'
import { hashRecord, linkRecord } from '../collector/ledger/chain.ts'
import { type ConsentRow, fromConsentRow } from '../collector/ledger/record-row.ts'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import { consentFields } from './contracts/store.contract.ts'
import { ROOT } from './support/collector-process.ts'
import { TEST_LEDGER_KEY, TEST_LEDGER_KEY_BASE64 } from './support/ledger-keys.ts'

let dir: string
let dbPath: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'precis-ledger-cli-'))
  dbPath = join(dir, 'precis.db')
  writeFileSync(
    join(dir, 'precis.config.json'),
    JSON.stringify({ sites: [{ id: 'demo', writeKey: 'ledger-cli-write-key' }] }),
  )
})

const ledger = (command: string) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'collector/cli/ledger.ts', command], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${dbPath}`,
      PRECIS_CONFIG: join(dir, 'precis.config.json'),
      PRECIS_LEDGER_KEY: TEST_LEDGER_KEY_BASE64,
    },
  })
  return { code: run.status, out: run.stdout.trim() ? JSON.parse(run.stdout.trim()) : run.stderr }
}

/** Rewrites records from `from` on in the database, as an upgrade or an attacker would. */
const rewrite = (
  from: number,
  change: (r: ReturnType<typeof fromConsentRow>) => object,
  keyedFrom: number,
) => {
  const db = new Database(dbPath)
  const rows = db.prepare<[], ConsentRow>('SELECT * FROM consent_records ORDER BY seq').all()
  const update = db.prepare(
    'UPDATE consent_records SET gpc = ?, binding = ?, prev_hash = ?, hash = ?, key_id = ? WHERE seq = ?',
  )
  let prev = rows[from - 2]?.hash ?? '0'.repeat(64)
  for (const row of rows.slice(from - 1)) {
    const r = { ...fromConsentRow(row), ...change(fromConsentRow(row)), prevHash: prev }
    const keyed = r.seq >= keyedFrom
    const hash = keyed ? linkRecord(TEST_LEDGER_KEY, prev, r.seq, r) : hashRecord(prev, r.seq, r)
    update.run(r.gpc ? 1 : 0, r.binding, prev, hash, keyed ? TEST_LEDGER_KEY.id : null, r.seq)
    prev = hash
  }
  db.close()
}

/** A chain of 5 whose first 3 records were linked before the ledger was keyed. */
const upgraded = async () => {
  const store = openSqliteStore(dbPath)
  for (let i = 1; i <= 5; i++)
    await store.appendConsent(consentFields({ consentId: `c${i}` }), TEST_LEDGER_KEY)
  await store.close()
  rewrite(1, (r) => (r.seq <= 3 ? { binding: null } : {}), 4)
}

describe('npm run ledger', { timeout: 120_000 }, () => {
  it('asks for a seal after the upgrade, seals what was there, and then finds a rewrite of it', async () => {
    await upgraded()
    expect(ledger('verify')).toMatchObject({
      code: 1,
      out: { site: 'demo', ok: false, brokenAt: { seq: 1, reason: 'unkeyed record without a seal' } },
    })
    expect(ledger('seal')).toEqual({ code: 0, out: { site: 'demo', sealed: true, through: 3 } })
    expect(ledger('verify')).toEqual({
      code: 0,
      out: { site: 'demo', ok: true, records: 5, unkeyed: 3, sealedThrough: 3 },
    })
    // Sealing again changes nothing; a chain with nothing unkeyed needs none.
    expect(ledger('seal').out).toMatchObject({ sealed: true, through: 3 })
    // Someone with the database but not the key rewrites a sealed record and every link after it.
    rewrite(2, (r) => (r.seq === 2 ? { gpc: true } : {}), 99)
    expect(ledger('verify')).toMatchObject({
      code: 1,
      out: { ok: false, brokenAt: { seq: 3, reason: 'seal mismatch' } },
    })
  })

  it('does not seal a chain that is already broken', async () => {
    await upgraded()
    const db = new Database(dbPath)
    db.prepare("UPDATE consent_records SET user_agent = 'Forged / OS' WHERE seq = 2").run()
    db.close()
    expect(ledger('seal')).toMatchObject({
      code: 1,
      out: {
        sealed: false,
        reason: 'does not verify',
        verdict: { brokenAt: { seq: 2, reason: 'hash mismatch' } },
      },
    })
    expect(ledger('verify').out).toMatchObject({
      brokenAt: { seq: 1, reason: 'unkeyed record without a seal' },
    })
  })

  it('says what a keyed chain needs: nothing', async () => {
    const store = openSqliteStore(dbPath)
    await store.appendConsent(consentFields(), TEST_LEDGER_KEY)
    await store.close()
    expect(ledger('seal')).toEqual({
      code: 0,
      out: { site: 'demo', sealed: false, reason: 'nothing unkeyed' },
    })
    expect(ledger('verify')).toEqual({ code: 0, out: { site: 'demo', ok: true, records: 1, unkeyed: 0 } })
  })

  it('answers a wrong command with its usage', () => {
    expect(ledger('rewrite')).toMatchObject({ code: 2, out: expect.stringContaining('usage') })
  })
})
