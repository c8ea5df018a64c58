// Without PRECIS_MASTER_KEY (or PRECIS_LEDGER_KEY) a SQLite collector makes its own key in a file
// beside the database, so `npm start` works on a fresh machine. It is a convenience for development: a copy of
// that directory holds the data, the keys and their master together (docs/privacy-keys.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { defaultRandom, type MasterKey, parseMasterKey, type RandomBytes } from './crypto.ts'

/** `data/precis.db` → `data/precis.master.key` (the ledger's: `data/precis.ledger.key`). */
export const devMasterPath = (databasePath: string, kind: 'master' | 'ledger' = 'master') =>
  join(dirname(databasePath), `${basename(databasePath, extname(databasePath))}.${kind}.key`)

/** The key in the file beside the database, made (readable by this user only) if missing. */
export const devMasterKey = (
  databasePath: string,
  random: RandomBytes = defaultRandom,
  kind: 'master' | 'ledger' = 'master',
): MasterKey => {
  const path = devMasterPath(databasePath, kind)
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    // 'wx': of two collectors starting at once on one file, the second reads the first one's key.
    try {
      writeFileSync(path, `${random(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err
    }
  }
  return parseMasterKey(readFileSync(path, 'utf8').trim(), path)
}
