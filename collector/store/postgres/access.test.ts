import { describeAccessContract } from '../../../test/contracts/access.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  testSchema,
} from '../../../test/support/postgres.ts'

describePostgres('PostgreSQL access store', () => {
  describeAccessContract('PostgreSQL', async () => {
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
