// `npm run rotate-master-key`: re-wraps every data key under PRECIS_MASTER_KEY (the new master),
// opening them with it or PRECIS_PREVIOUS_MASTER_KEY (the old one). Values are not touched: their
// data keys stay the same. Run it again after a crash: it goes on with the keys not yet re-wrapped.
// Prints one line: the count, or what went wrong and what to do.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isPostgres, parseEnv, redactUrl, sqlitePath } from '../env.ts'
import { CryptoError, parseMasterKey } from '../privacy/crypto.ts'
import type { KeyStore, KeyStoreOptions } from '../privacy/keys.ts'
import { keySchemaFor, openPostgresKeyStore } from '../store/postgres/keys.ts'
import { connect } from '../store/postgres/schema.ts'
import { keyFilePath, openSqliteKeyStore } from '../store/sqlite/keys.ts'

/** A problem the operator can fix; the message says how. */
export class RotationError extends Error {
  override readonly name = 'RotationError'
}

const postgresKeysExist = async (url: string, schema: string) => {
  const target = new URL(url)
  target.searchParams.delete('search_path')
  const sql = connect(target.toString(), { max: 1 })
  try {
    const found = await sql`SELECT 1 FROM information_schema.tables
      WHERE table_schema = ${schema} AND table_name = 'data_keys'`
    return found.length > 0
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Opens an existing key store only: a mistyped DATABASE_URL must not create an empty one. */
const openExisting = async (url: string, options: KeyStoreOptions): Promise<[KeyStore, string]> => {
  if (isPostgres(url)) {
    const schema = keySchemaFor(url)
    if (!(await postgresKeysExist(url, schema))) {
      throw new RotationError(
        `no key store in schema ${schema} at ${redactUrl(url)}: check DATABASE_URL (keys live in <data schema>_keys)`,
      )
    }
    return [await openPostgresKeyStore(url, options), `schema ${schema}`]
  }
  const path = keyFilePath(sqlitePath(url))
  if (!existsSync(path)) {
    throw new RotationError(
      `no key file at ${path}: check DATABASE_URL (the key file sits beside the database, precis.db → precis.keys.db)`,
    )
  }
  return [openSqliteKeyStore(path, options), path]
}

/** The rotation, given the environment; resolves to the line to print. */
export const rotateMasterKey = async (env: Record<string, string | undefined>): Promise<string> => {
  const { DATABASE_URL: url } = parseEnv({ DATABASE_URL: env.DATABASE_URL })
  const master = parseMasterKey(env.PRECIS_MASTER_KEY, 'PRECIS_MASTER_KEY')
  const previous = parseMasterKey(env.PRECIS_PREVIOUS_MASTER_KEY, 'PRECIS_PREVIOUS_MASTER_KEY')
  if (previous.id === master.id) {
    throw new RotationError(
      'PRECIS_MASTER_KEY and PRECIS_PREVIOUS_MASTER_KEY are the same key: set PRECIS_MASTER_KEY to the new key',
    )
  }
  const [store, where] = await openExisting(url, { master, previous: [previous] })
  try {
    const count = await store.rewrap(master)
    return `rewrapped ${count} data keys under master ${master.id} (previous ${previous.id}) in ${where}`
  } catch (err) {
    if (err instanceof CryptoError && err.code === 'master-mismatch') {
      throw new RotationError(`${err.message}: set PRECIS_PREVIOUS_MASTER_KEY to that master key`)
    }
    throw err
  } finally {
    await store.close()
  }
}

/** One line for the operator: ours say what to do; anything else is shown with a hint. */
export const failureLine = (err: unknown) => {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim()
  const known =
    err instanceof RotationError || err instanceof CryptoError || /invalid environment/.test(message)
  return `rotate-master-key: ${message}${known ? '' : ' (nothing was lost: fix the cause and run it again)'}`
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (isEntry) {
  try {
    console.log(await rotateMasterKey(process.env))
  } catch (err) {
    console.error(failureLine(err))
    process.exitCode = 1
  }
}
