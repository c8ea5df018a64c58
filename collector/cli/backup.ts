// `npm run backup -- <target-file>`: a consistent copy of DATABASE_URL's SQLite database, taken
// with SQLite's online backup while the collector runs (WAL: it keeps writing meanwhile). It never
// overwrites a file. The key store (precis.keys.db) is not in it: it is backed up apart, on its own
// schedule (docs/privacy-keys.md). Development key files beside the database are copied beside the
// target. PostgreSQL is backed up with pg_dump: the command prints the one to run and exits 2.
// Exit codes: 0 done, 1 failed (one line says why), 2 usage error or PostgreSQL.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { isPostgres, parseEnv, redactUrl, sqlitePath } from '../env.ts'
import { devMasterPath } from '../privacy/dev-master.ts'
import { keyFilePath } from '../store/sqlite/keys.ts'

export const USAGE = 'usage: npm run backup -- <target-file>'

/** A problem the operator can fix; the message says how. */
export class BackupError extends Error {
  override readonly name = 'BackupError'
}

/** A word fit for a shell command line: quoted unless it is plainly safe. */
const shellWord = (word: string) => (/^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

/**
 * The pg_dump commands for DATABASE_URL's database: the data schema (the URL's search_path, as
 * store/postgres does; without one, everything but the key schema), and the key schema apart.
 */
export const pgDumpLine = (url: string, target: string) => {
  const u = new URL(url)
  const user = decodeURIComponent(u.username)
  const database = decodeURIComponent(u.pathname.slice(1)) || user || 'postgres'
  const schema = u.searchParams.get('search_path')?.split(',')[0]?.trim() || undefined
  const keySchema = `${schema ?? 'public'}_keys`
  const connection = [
    ...(u.hostname ? [`--host=${shellWord(decodeURIComponent(u.hostname))}`] : []),
    ...(u.port ? [`--port=${u.port}`] : []),
    ...(user ? [`--username=${shellWord(user)}`] : []),
    `--dbname=${shellWord(database)}`,
  ].join(' ')
  const data = schema ? `--schema=${shellWord(schema)}` : `--exclude-schema=${shellWord(keySchema)}`
  return (
    `backup: DATABASE_URL is PostgreSQL (${redactUrl(url)}): this command backs up SQLite only; ` +
    `run pg_dump ${connection} ${data} --format=custom --file=${shellWord(target)}, ` +
    `and back up the key store apart: pg_dump ${connection} --schema=${shellWord(keySchema)} ` +
    '--format=custom --file=<a separate destination> (docs/privacy-keys.md)'
  )
}

/** What to restore with the data, when it exists: the development key files beside the database. */
const devKeyFiles = (database: string, target: string) =>
  (['master', 'ledger'] as const)
    .map((kind) => ({ kind, from: devMasterPath(database, kind), to: `${target}.${kind}-key` }))
    .filter((file) => existsSync(file.from))

const sqliteCode = (err: unknown) => (err as { code?: unknown }).code

/** Opens the collector's database for reading only: a mistyped path must not create an empty one. */
const openSource = (path: string) => {
  if (!existsSync(path))
    throw new BackupError(`no SQLite database at ${path}: check DATABASE_URL (sqlite:<path>)`)
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true })
    // Reading the header here, not halfway through the copy, tells a file that is no database.
    db.pragma('schema_version', { simple: true })
    return db
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_NOTADB')
      throw new BackupError(`${path} is not a SQLite database: fix the path in DATABASE_URL (sqlite:<path>)`)
    throw err
  }
}

/** The backup of a SQLite database to `target`; resolves to the line to print. */
export const backupSqlite = async (database: string, target: string): Promise<string> => {
  const keys = devKeyFiles(database, target)
  for (const path of [target, ...keys.map((k) => k.to)]) {
    if (existsSync(path))
      throw new BackupError(
        `${path} already exists: choose a new target file (a backup never overwrites one)`,
      )
  }
  if (!existsSync(dirname(target)))
    throw new BackupError(`the folder ${dirname(target)} does not exist: make it or choose another target`)
  const source = openSource(database)
  try {
    // The whole database in one step, under one read transaction: a snapshot, however busy the
    // writer is (in small steps, every commit of the collector would restart the copy).
    await source.backup(target, { progress: () => 0x7fffffff })
  } catch (err) {
    rmSync(target, { force: true })
    throw err
  } finally {
    source.close()
  }
  const copied = keys.map(({ kind, from, to }) => {
    writeFileSync(to, readFileSync(from), { mode: 0o600, flag: 'wx' })
    return `; the development ${kind} key ${from} must be backed up too: copied to ${to} (mode 0600)`
  })
  return (
    `backed up ${database} to ${target} (${statSync(target).size} bytes)` +
    `; the key store ${keyFilePath(database)} is not in it: back it up apart (docs/privacy-keys.md)` +
    copied.join('')
  )
}

/** One line for the operator: ours say what to do; anything else is shown as it came. */
export const failureLine = (err: unknown) => {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim()
  return `backup: ${message}`
}

const main = async (args: readonly string[], env: Record<string, string | undefined>) => {
  const [file, ...rest] = args
  if (!file || file.startsWith('-') || rest.length > 0) {
    console.error(USAGE)
    return 2
  }
  // npm runs scripts in the package's folder; INIT_CWD is where the operator typed the command.
  const target = resolve(env.INIT_CWD ?? process.cwd(), file)
  try {
    const { DATABASE_URL: url } = parseEnv({ DATABASE_URL: env.DATABASE_URL })
    if (isPostgres(url)) {
      console.error(pgDumpLine(url, target))
      return 2
    }
    console.log(await backupSqlite(sqlitePath(url), target))
    return 0
  } catch (err) {
    console.error(failureLine(err))
    return 1
  }
}

const isEntry =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (isEntry) process.exitCode = await main(process.argv.slice(2), process.env)
