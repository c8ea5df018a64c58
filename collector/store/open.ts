// The store DATABASE_URL names: SQLite on one machine, PostgreSQL for several collectors.
import { isPostgres, sqlitePath } from '../env.ts'
import { openPostgresStore } from './postgres.ts'
import { openSqliteStore } from './sqlite.ts'
import type { Store } from './types.ts'

/** Opens the store and runs its pending migrations. */
export const openStore = async (url: string): Promise<Store> =>
  isPostgres(url) ? openPostgresStore(url) : openSqliteStore(sqlitePath(url), { resolverThread: true })
