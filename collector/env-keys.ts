// Keys from the environment, for the collector and the operator's commands: the master key, and
// the consent ledger's keyring (with SQLite's development key file when none is set).
import { type Env, isPostgres, sqlitePath } from './env.ts'
import { ledgerKeyring } from './ledger/keys.ts'
import { CryptoError, parseMasterKey } from './privacy/crypto.ts'
import { devMasterKey, devMasterPath } from './privacy/dev-master.ts'

/** A master key from the environment; a malformed one is a one-line start-up error. */
export const masterFromEnv = (text: string, name: string) => {
  try {
    return parseMasterKey(text, name)
  } catch (err) {
    if (err instanceof CryptoError) throw new Error(`invalid environment: ${err.message}`)
    throw err
  }
}

/** The store's master keys (store/open.ts): PRECIS_MASTER_KEY, and the one a rotation retires. */
export const storeKeysFrom = (env: Pick<Env, 'PRECIS_MASTER_KEY' | 'PRECIS_PREVIOUS_MASTER_KEY'>) => ({
  master: env.PRECIS_MASTER_KEY ? masterFromEnv(env.PRECIS_MASTER_KEY, 'PRECIS_MASTER_KEY') : undefined,
  previousMasters: env.PRECIS_PREVIOUS_MASTER_KEY
    ? [masterFromEnv(env.PRECIS_PREVIOUS_MASTER_KEY, 'PRECIS_PREVIOUS_MASTER_KEY')]
    : [],
})

/**
 * The consent ledger's keys: PRECIS_LEDGER_KEY links, the previous ones verify. SQLite without one
 * uses a development key file beside the database; PostgreSQL needs it (every collector links).
 */
export const ledgerKeysFrom = (
  env: Pick<Env, 'DATABASE_URL' | 'PRECIS_LEDGER_KEY' | 'PRECIS_PREVIOUS_LEDGER_KEYS'>,
  log: (line: string) => void = console.log,
) => {
  const previous = (env.PRECIS_PREVIOUS_LEDGER_KEYS ?? '')
    .split(',')
    .filter((k) => k.trim() !== '')
    .map((k) => masterFromEnv(k, 'PRECIS_PREVIOUS_LEDGER_KEYS'))
  if (env.PRECIS_LEDGER_KEY)
    return ledgerKeyring(masterFromEnv(env.PRECIS_LEDGER_KEY, 'PRECIS_LEDGER_KEY'), previous)
  if (isPostgres(env.DATABASE_URL))
    throw new Error(
      'invalid environment: PRECIS_LEDGER_KEY is required with PostgreSQL (every collector must share it): set it to 32 random bytes, e.g. `openssl rand -base64 32`',
    )
  const path = sqlitePath(env.DATABASE_URL)
  log(
    `no PRECIS_LEDGER_KEY: consent records are linked with the development key in ${devMasterPath(path, 'ledger')}; set PRECIS_LEDGER_KEY in production (docs/consent-ledger.md)`,
  )
  return ledgerKeyring(devMasterKey(path, undefined, 'ledger'), previous)
}
