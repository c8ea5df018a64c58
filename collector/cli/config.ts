// `npm run config -- check <file>` validates a site config as the collector would at start-up,
// without a database: for the pipelines of site owners. Exit code 0 when valid, 1 with every problem
// and its path, 2 on a usage error.
import { ConfigError, loadConfig } from '../config/site-config.ts'

const USAGE = 'usage: npm run config -- check <file>'

const [command, file, ...rest] = process.argv.slice(2)
if (command !== 'check' || !file || rest.length > 0) {
  console.error(USAGE)
  process.exit(2)
}
try {
  const { sites } = loadConfig(file, '')
  const names = sites.map((s) => s.id).join(', ')
  console.log(`${file} is valid: ${sites.length} site${sites.length === 1 ? '' : 's'} (${names})`)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  process.exitCode = 1
}
