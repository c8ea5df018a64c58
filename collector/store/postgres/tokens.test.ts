import { describeTokenContract } from '../../../test/contracts/tokens.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import { connect } from './schema.ts'

describePostgres('PostgreSQL rights tokens', () => {
  describeTokenContract('PostgreSQL', async () => {
    const schema = testSchema()
    const store = await openTestPostgresStore({ schema })
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    return {
      store,
      rows: async () => [...(await sql<Record<string, unknown>[]>`SELECT * FROM rights_tokens`)],
      close: async () => {
        await Promise.all([sql.end(), store.close()])
        await dropSchema(schema)
      },
    }
  })
})
