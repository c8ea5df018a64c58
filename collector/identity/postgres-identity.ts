// PLACEHOLDER until the PostgreSQL identity store lands.
import type { Migration, Sql } from '../store/postgres-schema.ts'
import type { IdentityStore } from './types.ts'

/** Identity's schema changes after identity/1 (store/postgres-schema.ts): 'identity/2', … */
export const IDENTITY_MIGRATIONS: Migration[] = []

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
