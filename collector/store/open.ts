// The store DATABASE_URL names: SQLite on one machine, PostgreSQL for several collectors.
import { isPostgres, sqlitePath } from '../env.ts'
import type { MasterKey } from '../privacy/crypto.ts'
import { openPostgresStore } from './postgres/store.ts'
import { openSqliteStore } from './sqlite/store.ts'
import type { Store } from './types.ts'

export interface StoreKeys {
  /** PRECIS_MASTER_KEY; SQLite without one uses the development key file (privacy/dev-master.ts). */
  master?: MasterKey | undefined
  previousMasters?: readonly MasterKey[]
}

export interface StoreOptions {
  /**
   * PRECIS_RESOLVER_CACHE_MB in bytes: SQLite's resolver cache. PostgreSQL's resolver holds one
   * chunk's graph at a time and needs no budget.
   */
  resolverCacheBytes?: number | undefined
  /** PRECIS_REPORTS_SYNC_MS: how often report tables catch up in the background. */
  reportsSyncMs?: number | undefined
  log?: ((line: string) => void) | undefined
}

/** Opens the store and runs its pending migrations. */
export const openStore = async (
  url: string,
  keys: StoreKeys = {},
  { resolverCacheBytes, reportsSyncMs, log }: StoreOptions = {},
): Promise<Store> => {
  const { master, previousMasters = [] } = keys
  if (!isPostgres(url))
    return openSqliteStore(sqlitePath(url), {
      resolverThread: true,
      master,
      previousMasters,
      resolverCacheBytes,
      reportsSyncMs,
      log,
    })
  if (!master)
    throw new Error(
      'invalid environment: PRECIS_MASTER_KEY is required with PostgreSQL (every collector must share it): set it to 32 random bytes, e.g. `openssl rand -base64 32`',
    )
  return openPostgresStore(url, { master, previousMasters, reportsSyncMs })
}
