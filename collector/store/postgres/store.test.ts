import { expect, it } from 'vitest'
import {
  consentFields,
  describeStoreContract,
  makeRow,
  TEST_LEDGER_KEY,
  TEST_LEDGER_KEYS,
} from '../../../test/contracts/store.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import { verifyChain } from '../../ledger/chain.ts'
import { openPostgresStore } from './store.ts'

describePostgres('PostgreSQL store', () => {
  describeStoreContract('PostgreSQL', () => openTestPostgresStore())

  it('keeps events across reopening, and migrates once when collectors start together', async () => {
    const schema = testSchema()
    const [first, second] = await Promise.all([
      openTestPostgresStore({ schema }),
      openPostgresStore(PG_TEST_URL, { schema, max: 2 }),
    ])
    await first.insertEvents([makeRow({ messageId: 'kept' })])
    await first.close()
    expect((await second.listEvents('demo', { limit: 5 })).events[0]?.messageId).toBe('kept')
    expect(await second.insertEvents([makeRow({ messageId: 'kept' })])).toEqual({
      inserted: 0,
      duplicates: 1,
    })
    await second.close()
    await dropSchema(schema)
  })

  it('stores each id once when two collectors insert overlapping batches at once', async () => {
    const schema = testSchema()
    const [a, b] = await Promise.all([
      openTestPostgresStore({ schema }),
      openPostgresStore(PG_TEST_URL, { schema }),
    ])
    const ids = Array.from({ length: 400 }, (_, i) => `m${i}`)
    const batch = (from: number) => ids.slice(from, from + 50).map((messageId) => makeRow({ messageId }))
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).insertEvents(batch((i * 25) % 350))),
    )
    const inserted = results.reduce((n, r) => n + r.inserted, 0)
    const page = await a.listEvents('demo', { limit: 1000 })
    expect(page.total).toBe(new Set(page.events.map((e) => e.messageId)).size)
    expect(inserted).toBe(page.total)
    await Promise.all([a.close(), b.close()])
    await dropSchema(schema)
  })

  it('commits concurrent requests together, each with its own answer, and a failing one alone', async () => {
    const store = await openTestPostgresStore()
    // PostgreSQL text cannot hold NUL: this request fails, and must not take the others with it.
    const bad = [makeRow({ messageId: 'bad', name: 'a\u0000b' })]
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, i) =>
        store.insertEvents([makeRow({ messageId: `r${i}` }), makeRow({ messageId: `r${i + 1}` })]),
      ),
      store.insertEvents(bad),
    ])
    expect(results.at(-1)?.status).toBe('rejected')
    const answers = results.slice(0, -1).map((r) => (r.status === 'fulfilled' ? r.value : r.reason))
    expect(answers.reduce((n, a) => n + a.inserted, 0)).toBe(9)
    expect(answers.reduce((n, a) => n + a.inserted + a.duplicates, 0)).toBe(16)
    expect((await store.listEvents('demo', { limit: 20 })).total).toBe(9)
    await store.close()
  })

  it('keeps one consent chain per site when two collectors append at once', async () => {
    const schema = testSchema()
    const [a, b] = await Promise.all([
      openTestPostgresStore({ schema }),
      openPostgresStore(PG_TEST_URL, { schema }),
    ])
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).appendConsent(
          consentFields({ consentId: `c${i}`, site: i % 3 ? 'demo' : 'other' }),
          TEST_LEDGER_KEY,
        ),
      ),
    )
    expect(verifyChain(await a.consentChain('demo'), TEST_LEDGER_KEYS)).toEqual({
      ok: true,
      records: 40,
      unkeyed: 0,
    })
    expect(verifyChain(await b.consentChain('other'), TEST_LEDGER_KEYS)).toEqual({
      ok: true,
      records: 20,
      unkeyed: 0,
    })
    await Promise.all([b.close(), a.close()])
    await dropSchema(schema)
  })

  it('drops a month of one site whole, and deletes row by row where sites share a month', async () => {
    const store = await openTestPostgresStore()
    const at = (iso: string) => Date.parse(iso)
    await store.insertEvents([
      makeRow({ messageId: 'oct-demo', timestamp: at('2026-10-05T00:00:00Z') }),
      makeRow({ messageId: 'sep-demo', timestamp: at('2026-09-05T00:00:00Z') }),
      makeRow({ messageId: 'sep-other', site: 'other', timestamp: at('2026-09-06T00:00:00Z') }),
      makeRow({ messageId: 'nov-demo', timestamp: at('2026-11-20T00:00:00Z') }),
    ])
    expect(await store.deleteEventsBefore('demo', at('2026-11-01T00:00:00Z'))).toBe(2)
    expect((await store.listEvents('demo', { limit: 9 })).events.map((e) => e.messageId)).toEqual([
      'nov-demo',
    ])
    expect((await store.listEvents('other', { limit: 9 })).total).toBe(1)
    // The dropped month comes back when an event of it arrives, and its ids are free again.
    expect(
      await store.insertEvents([makeRow({ messageId: 'oct-demo', timestamp: at('2026-10-05T00:00:00Z') })]),
    ).toEqual({
      inserted: 1,
      duplicates: 0,
    })
    await store.close()
  })
})
