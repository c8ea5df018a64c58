// `npm run migrate`: runs the pending migrations of DATABASE_URL's database and exits. Collectors
// also run them at start-up (under a lock, so several starting at once is safe); this command is
// for deploys that migrate before rolling out new collectors. It opens the store with the
// collector's keys (PostgreSQL requires PRECIS_MASTER_KEY; SQLite must not make a development key
// beside a database that has a real one).
import { parseEnv, redactUrl } from '../env.ts'
import { storeKeysFrom } from '../env-keys.ts'
import { fatalLine } from '../startup-errors.ts'
import { openStore } from '../store/open.ts'

let databaseUrl: string | undefined
try {
  const env = parseEnv(process.env)
  databaseUrl = env.DATABASE_URL
  const store = await openStore(env.DATABASE_URL, storeKeysFrom(env))
  await store.close()
  console.log(`migrated ${redactUrl(env.DATABASE_URL)}`)
} catch (err) {
  const known =
    err instanceof Error && err.message.startsWith('invalid environment')
      ? err.message
      : databaseUrl && fatalLine(err, { databaseUrl, port: 0 })
  if (!known) throw err
  console.error(known)
  process.exitCode = 1
}
