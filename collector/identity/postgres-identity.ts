// PLACEHOLDER until the PostgreSQL identity store lands.
import type { Sql } from '../store/postgres-schema.ts'
import type { IdentityStore } from './types.ts'

const todo = async (): Promise<never> => {
  throw new Error('PostgreSQL identity: not implemented yet')
}

export const postgresIdentity = (_sql: Sql, _newId: () => string): IdentityStore => ({
  resolveIdentities: todo,
  findProfile: todo,
  profileEvents: todo,
  exportProfile: todo,
  eraseProfile: todo,
  issueToken: todo,
  verifyToken: todo,
})
