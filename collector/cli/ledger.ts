// `npm run ledger -- verify` checks every configured site's consent chain; `npm run ledger --
// seal` seals, once after upgrading, the records a chain held before its links were keyed
// (docs/consent-ledger.md). Same environment as the collector. One line per site; exit code 1
// when a chain does not verify or cannot be sealed.
import { loadConfig } from '../config/site-config.ts'
import { parseEnv } from '../env.ts'
import { ledgerKeysFrom } from '../env-keys.ts'
import { sealLegacy, verifySite } from '../ledger/audit.ts'
import { openStore } from '../store/open.ts'

const [command] = process.argv.slice(2)
if (command !== 'verify' && command !== 'seal') {
  console.error('usage: npm run ledger -- verify | seal')
  process.exit(2)
}
try {
  const env = parseEnv(process.env)
  const keys = ledgerKeysFrom(env, console.error)
  const sites = loadConfig(env.PRECIS_CONFIG).sites.map((s) => s.id)
  const store = await openStore(env.DATABASE_URL)
  let failed = false
  try {
    for (const site of sites) {
      if (command === 'verify') {
        const verdict = await verifySite(store, site, keys)
        failed ||= !verdict.ok
        console.log(JSON.stringify(verdict))
      } else {
        const outcome = await sealLegacy(store, site, keys)
        failed ||= !outcome.sealed && outcome.reason === 'does not verify'
        console.log(JSON.stringify(outcome))
      }
    }
  } finally {
    await store.close()
  }
  process.exitCode = failed ? 1 : 0
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}
