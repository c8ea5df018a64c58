import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { describeKeyStoreContract, MASTER_A } from '../../../test/contracts/keys.contract.ts'
import { describePostgres, dropSchema, PG_TEST_URL, testSchema } from '../../../test/support/postgres.ts'
import type { KeyRow } from '../../privacy/keys.ts'
import { keySchemaFor, openPostgresKeyStore } from './keys.ts'

/** Every row of a key schema, read past the store. */
const readRows = async (schema: string): Promise<KeyRow[]> => {
  const sql = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql<
      { site: string; subject: string; id: string; master_id: string; wrapped: Buffer }[]
    >`
      SELECT site, subject, id, master_id, wrapped FROM ${sql(schema)}.data_keys ORDER BY site, subject`
    return rows.map((r) => ({
      site: r.site,
      subject: r.subject,
      id: r.id,
      masterId: r.master_id,
      wrapped: r.wrapped,
    }))
  } finally {
    await sql.end()
  }
}

const schemaExists = async (schema: string) => {
  const sql = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} })
  try {
    return (await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`).length > 0
  } finally {
    await sql.end()
  }
}

describe('keySchemaFor', () => {
  it.each([
    ['postgres://h/db', 'precis', 'precis_keys'],
    ['postgres://h/db?search_path=shop', undefined, 'shop_keys'],
    ['postgres://h/db?search_path=shop,public', undefined, 'shop_keys'],
    ['postgres://h/db?search_path=shop', 'precis', 'precis_keys'],
    ['postgres://h/db', undefined, 'public_keys'],
  ])('%s with schema %s → %s', (url, schema, expected) => {
    expect(keySchemaFor(url, schema)).toBe(expected)
  })
})

describePostgres('PostgreSQL key store', () => {
  describeKeyStoreContract('PostgreSQL (own schema)', async () => {
    const schema = testSchema()
    return {
      open: (options) => openPostgresKeyStore(PG_TEST_URL, { ...options, schema, max: 4 }),
      rows: () => readRows(`${schema}_keys`),
      cleanup: () => dropSchema(`${schema}_keys`),
    }
  })

  it("keeps keys in <schema>_keys, never in the data schema, even when the URL's search_path names it", async () => {
    const schema = testSchema()
    const store = await openPostgresKeyStore(`${PG_TEST_URL}?search_path=${schema}`, { master: MASTER_A })
    await store.keyFor('demo', 's1')
    await store.close()
    expect((await readRows(`${schema}_keys`)).map((r) => r.subject)).toEqual(['s1'])
    expect(await schemaExists(schema)).toBe(false)
    await dropSchema(`${schema}_keys`)
  })

  it('migrates once when collectors open a new key schema together', async () => {
    const schema = testSchema()
    const stores = await Promise.all(
      Array.from({ length: 3 }, () =>
        openPostgresKeyStore(PG_TEST_URL, { master: MASTER_A, schema, max: 2 }),
      ),
    )
    const keys = await Promise.all(stores.map((s) => s.keyFor('demo', 'same')))
    expect(new Set(keys.map((k) => k.id)).size).toBe(1)
    for (const store of stores) await store.close()
    await dropSchema(`${schema}_keys`)
  })
})
