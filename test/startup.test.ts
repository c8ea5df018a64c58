// `npm start` as an operator meets it when something around the collector is wrong: the spawned
// process ends with exit code 1 and one line on stderr that says what to do, never a stack trace.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './support/collector-process.ts'
import { TEST_LEDGER_KEY_BASE64 } from './support/ledger-keys.ts'
import { describePostgres, PG_TEST_URL } from './support/postgres.ts'

const KEY = TEST_LEDGER_KEY_BASE64
const dir = mkdtempSync(join(tmpdir(), 'precis-startup-'))

const start = (env: Record<string, string>) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'collector/node.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'ok', 'precis.db')}`,
      PRECIS_MASTER_KEY: KEY,
      PRECIS_LEDGER_KEY: KEY,
      ...env,
    },
  })
  return { code: run.status, lines: run.stderr.trim().split('\n') }
}

// Each case starts the collector's Node process: seconds on a busy machine.
describe('start-up failures an operator can fix', { timeout: 90_000 }, () => {
  let busy: Server
  let busyPort: number
  beforeAll(async () => {
    busy = createServer()
    await new Promise<void>((done) => busy.listen(0, done))
    busyPort = (busy.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((done) => busy.close(() => done())))

  it('a port in use', () => {
    expect(start({ PORT: String(busyPort) })).toEqual({
      code: 1,
      lines: [`port ${busyPort} is already in use: stop what listens there or set PORT to a free port`],
    })
  })

  it('a SQLite path whose folder cannot be made', () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    expect(start({ DATABASE_URL: `sqlite:${file}/precis.db` })).toEqual({
      code: 1,
      lines: [
        `cannot write the SQLite database at ${file}/precis.db (EEXIST): choose a writable folder in DATABASE_URL (sqlite:<path>) or fix its permissions`,
      ],
    })
  })

  it('a file that is not a SQLite database', () => {
    const file = join(dir, 'not-a-db.db')
    writeFileSync(file, 'not a database '.repeat(100))
    expect(start({ DATABASE_URL: `sqlite:${file}` })).toEqual({
      code: 1,
      lines: [`${file} is not a SQLite database: fix the path in DATABASE_URL (sqlite:<path>)`],
    })
  })

  it('PostgreSQL not listening', () => {
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    expect(start({ DATABASE_URL: 'postgres://127.0.0.1:1/test' })).toEqual({
      code: 1,
      lines: [
        'cannot reach PostgreSQL at 127.0.0.1:1 (connection refused): start PostgreSQL or fix the host and port in DATABASE_URL',
      ],
    })
  })
})

describePostgres('start-up failures on a running PostgreSQL', () => {
  const server = new URL(PG_TEST_URL)
  const at = `${server.hostname}:${server.port || '5432'}`
  const url = (part: 'pathname' | 'username', value: string) => {
    const u = new URL(PG_TEST_URL)
    u[part] = value
    return u.href
  }

  it('a database that does not exist', () => {
    expect(start({ DATABASE_URL: url('pathname', '/precis_no_such_db') })).toEqual({
      code: 1,
      lines: [
        `the database "precis_no_such_db" does not exist on PostgreSQL at ${at}: create it (createdb precis_no_such_db) or fix its name in DATABASE_URL`,
      ],
    })
  }, 90_000)

  it('a user PostgreSQL does not let in', () => {
    expect(start({ DATABASE_URL: url('username', 'precis_no_such_role') })).toEqual({
      code: 1,
      lines: [
        `PostgreSQL at ${at} refused user "precis_no_such_role" (no such role, or pg_hba.conf does not let it in): create the role or fix the user in DATABASE_URL`,
      ],
    })
  }, 90_000)
})
