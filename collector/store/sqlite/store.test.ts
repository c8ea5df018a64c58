import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import {
  consentFields,
  describeStoreContract,
  makeRow,
  TEST_LEDGER_KEY,
  TEST_LEDGER_KEYS,
} from '../../../test/contracts/store.contract.ts'
import { verifyChain } from '../../ledger/chain.ts'
import { openSqliteStore } from './store.ts'

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

it('keeps one chain when two stores (two collectors) share the file, with events being written', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-store-')), 'precis.db')
  const [a, b] = [openSqliteStore(path), openSqliteStore(path)]
  const work = Array.from({ length: 60 }, (_, i) =>
    i % 3 === 2
      ? a.insertEvents(Array.from({ length: 200 }, () => makeRow()))
      : (i % 2 ? a : b).appendConsent(consentFields({ consentId: `c${i}` }), TEST_LEDGER_KEY),
  )
  await Promise.all(work)
  const chain = await b.consentChain('demo')
  expect(verifyChain(chain, TEST_LEDGER_KEYS)).toEqual({ ok: true, records: 40, unkeyed: 0 })
  expect(await a.consentChain('demo')).toEqual(chain)
  await Promise.all([a.close(), b.close()])
})
