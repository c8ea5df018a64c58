import { describeAudiencesContract } from '../../../test/contracts/audiences.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  testSchema,
} from '../../../test/support/postgres.ts'

describePostgres('PostgreSQL audiences', () => {
  describeAudiencesContract(
    'PostgreSQL',
    () => openTestPostgresStore(),
    async () => {
      const schema = testSchema()
      const a = await openTestPostgresStore({ schema })
      const b = await openTestPostgresStore({ schema })
      return [
        a,
        b,
        async () => {
          await Promise.all([a.close(), b.close()])
          await dropSchema(schema)
        },
      ]
    },
  )
})
