// PostgreSQL for tests: a fresh schema per store, and a clear skip (or, with CI=true, a failure)
// when no server is reachable. Import from *.test.ts files only.
import postgres from 'postgres'
import { describe, it } from 'vitest'
import { probePostgres } from '../../collector/store/postgres/schema.ts'
import { openPostgresStore, type PostgresOptions } from '../../collector/store/postgres/store.ts'
import type { Store } from '../../collector/store/types.ts'

export const PG_TEST_URL = process.env.PRECIS_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test'

/** Why PostgreSQL cannot be used, or undefined when it can. */
export const pgUnavailable = await probePostgres(PG_TEST_URL)

export const dropSchema = async (schema: string) => {
  const sql = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} })
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
  // The store's data keys live in a schema of their own (privacy/postgres-keys.ts).
  await sql`DROP SCHEMA IF EXISTS ${sql(`${schema}_keys`)} CASCADE`
  await sql.end()
}

/** A schema name no other test uses. */
export const testSchema = () => `precis_test_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`

/** A new, empty store in a schema of its own, dropped when the store is closed. */
export const openTestPostgresStore = async (options: PostgresOptions = {}): Promise<Store> => {
  const schema = options.schema ?? testSchema()
  const store = await openPostgresStore(PG_TEST_URL, { max: 4, ...options, schema })
  return {
    ...store,
    close: async () => {
      await store.close()
      if (!options.schema) await dropSchema(schema)
    },
  }
}

/**
 * Registers PostgreSQL tests when a server answers at PG_TEST_URL. Without one they are skipped
 * with the reason in their name; with CI=true they fail instead, so CI never passes by skipping.
 */
export const describePostgres = (name: string, register: () => void) => {
  if (!pgUnavailable) return describe(name, () => register())
  const reason = `PostgreSQL unreachable at ${PG_TEST_URL} (${pgUnavailable})`
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs PostgreSQL (CI=true: no skipping)', () => {
        throw new Error(`${reason}; start it or set PRECIS_TEST_DATABASE_URL`)
      })
    })
  }
  console.warn(`${name}: skipped, ${reason}`)
  return describe.skip(`${name} (skipped: ${reason})`, () => register())
}
