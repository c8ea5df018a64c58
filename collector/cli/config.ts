// `npm run config -- <command>`: the site config file as a check for site owners' pipelines, and
// as the import and export format of the sites the database holds (config/transfer.ts).
//   check <file>            validates as the collector would, without a database
//   export [--site <id>]    prints the sites' newest versions as a config file
//   import <file> [--note <text>]
//                           saves the sites the file changes, all at once or not at all
// Exit code 0 when done, 1 with every problem and its path, 2 on a usage error.

import { ConfigError, readConfigFile } from '../config/site-config.ts'
import { exportConfigs, importConfigs } from '../config/transfer.ts'
import { StaleVersion } from '../config/versions.ts'
import { parseEnv } from '../env.ts'
import { storeKeysFrom } from '../env-keys.ts'
import { fatalLine } from '../startup-errors.ts'
import { openStore } from '../store/open.ts'
import type { Store } from '../store/types.ts'

const USAGE = 'usage: npm run config -- check <file> | export [--site <id>] | import <file> [--note <text>]'

const usage = (): never => {
  console.error(USAGE)
  process.exit(2)
}

/** `--name value` pairs after the positional arguments. */
const options = (args: string[], names: string[]) => {
  const found: Record<string, string> = {}
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, '')
    const value = args[i + 1]
    if (!args[i]?.startsWith('--') || !name || !names.includes(name) || value === undefined) usage()
    found[name!] = value!
  }
  return found
}

let databaseUrl: string | undefined

const withStore = async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
  const env = parseEnv(process.env)
  databaseUrl = env.DATABASE_URL
  const store = await openStore(env.DATABASE_URL, storeKeysFrom(env))
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

const [command, ...args] = process.argv.slice(2)
try {
  if (command === 'check') {
    const [file, ...rest] = args
    if (!file || rest.length > 0) usage()
    const { sites } = readConfigFile(file!, '').config
    console.log(`${file} is valid: ${plural(sites.length, 'site')} (${sites.map((s) => s.id).join(', ')})`)
  } else if (command === 'export') {
    const { site } = options(args, ['site'])
    const out = await withStore(async (store) => exportConfigs(await store.currentConfigs(), site))
    if (site && out.sites.length === 0) throw new ConfigError(`no site ${site} in the database`)
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  } else if (command === 'import') {
    const [path, ...rest] = args
    if (!path) usage()
    const { note } = options(rest, ['note'])
    const file = readConfigFile(path!, '')
    const saved = await withStore((store) => importConfigs(store, file, Date.now(), note))
    if (saved.length === 0)
      console.log(`nothing to import: every site in ${path} is as the database holds it`)
    for (const v of saved) console.log(`site ${v.site}: version ${v.version} saved from ${path}`)
  } else usage()
} catch (err) {
  if (err instanceof StaleVersion) {
    console.error(`nothing imported: ${err.message}`)
    process.exitCode = 1
  } else if (
    err instanceof ConfigError ||
    (err instanceof Error && err.message.startsWith('invalid environment'))
  ) {
    console.error(err.message)
    process.exitCode = 1
  } else {
    const line = databaseUrl && fatalLine(err, { databaseUrl, port: 0 })
    if (!line) throw err
    console.error(line)
    process.exitCode = 1
  }
}
