// What an operator reads when the collector cannot start: one line that names the problem and what
// to do, instead of a stack trace. Errors it does not know keep their stack (they are bugs).
import { isPostgres, sqlitePath } from './env.ts'

export interface StartContext {
  databaseUrl: string
  port: number
  host?: string | undefined
}

interface SystemError {
  code?: unknown
  syscall?: unknown
  message?: unknown
}

/** The database part of DATABASE_URL as an operator wrote it, without the password. */
const target = (url: string) => {
  const u = new URL(url)
  return {
    at: `${u.hostname || 'localhost'}:${u.port || '5432'}`,
    host: u.hostname || 'localhost',
    database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres',
    user: decodeURIComponent(u.username) || 'the current user',
  }
}

const postgresLine = (code: string, url: string): string | undefined => {
  const { at, host, database, user } = target(url)
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${at} (connection refused): start PostgreSQL or fix the host and port in DATABASE_URL`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot find the PostgreSQL host "${host}": fix the host in DATABASE_URL`
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'EHOSTUNREACH':
      return `PostgreSQL at ${at} did not answer: check the host, the port and the firewall, or fix DATABASE_URL`
    case '3D000':
      return `the database "${database}" does not exist on PostgreSQL at ${at}: create it (createdb ${database}) or fix its name in DATABASE_URL`
    case '28P01':
      return `PostgreSQL at ${at} refused the password of user "${user}": fix the user and password in DATABASE_URL`
    case '28000':
      return `PostgreSQL at ${at} refused user "${user}" (no such role, or pg_hba.conf does not let it in): create the role or fix the user in DATABASE_URL`
    default:
      return undefined
  }
}

const SQLITE_PATH_CODES = new Set([
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOENT',
  'EISDIR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PERM',
])

/** The one line for a start-up failure the operator can fix, or undefined for anything else. */
export const fatalLine = (err: unknown, context: StartContext): string | undefined => {
  const { code, syscall } = (err ?? {}) as SystemError
  if (typeof code !== 'string') return undefined
  if (syscall === 'listen') {
    const where = context.host ? `${context.host}:${context.port}` : `port ${context.port}`
    if (code === 'EADDRINUSE')
      return `${where} is already in use: stop what listens there or set PORT to a free port`
    if (code === 'EACCES')
      return `no permission to listen on ${where}: use a port above 1023 (PORT) and a reverse proxy for 80 and 443`
    if (code === 'EADDRNOTAVAIL')
      return `HOST ${context.host} is not an address of this machine: fix HOST or leave it unset`
    return undefined
  }
  if (isPostgres(context.databaseUrl)) return postgresLine(code, context.databaseUrl)
  if (code === 'SQLITE_NOTADB')
    return `${sqlitePath(context.databaseUrl)} is not a SQLite database: fix the path in DATABASE_URL (sqlite:<path>)`
  // EEXIST from mkdir: a file stands where the database's folder should be.
  if (SQLITE_PATH_CODES.has(code) || (code === 'EEXIST' && syscall === 'mkdir'))
    return `cannot write the SQLite database at ${sqlitePath(context.databaseUrl)} (${code}): choose a writable folder in DATABASE_URL (sqlite:<path>) or fix its permissions`
  return undefined
}
