import { describeConfigContract } from '../../../test/contracts/config.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  testSchema,
} from '../../../test/support/postgres.ts'

describePostgres('PostgreSQL config versions', () => {
  describeConfigContract('PostgreSQL', async () => {
    const schema = testSchema()
    const store = await openTestPostgresStore({ schema })
    return {
      store,
      another: () => openTestPostgresStore({ schema }),
      close: async () => {
        await store.close()
        await dropSchema(schema)
      },
    }
  })
})
