// `npm run migrate`: runs the pending migrations of DATABASE_URL's database and exits. Collectors
// also run them at start-up (under a lock, so several starting at once is safe); this command is
// for deploys that migrate before rolling out new collectors.
import { parseEnv, redactUrl } from '../env.ts'
import { openStore } from '../store/open.ts'

const env = parseEnv(process.env)
const store = await openStore(env.DATABASE_URL)
await store.close()
console.log(`migrated ${redactUrl(env.DATABASE_URL)}`)
