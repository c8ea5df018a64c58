// `npm run backup` as an operator runs it: against the real collector process, while events keep
// arriving, the copy holds every event acknowledged before it started and passes SQLite's integrity
// check; it never overwrites a file, carries development key files along, and sends PostgreSQL to
// pg_dump.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgDumpLine } from '../collector/cli/backup.ts'
import { type Collector, DEMO_SERVER_KEY, ROOT, startCollector } from './support/collector-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'precis-backup-'))

/** The command in its own process; asynchronous, so events can be sent meanwhile. */
const backup = (args: string[], databaseUrl: string) =>
  new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'collector/cli/backup.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.once('error', fail)
    child.once('close', (code) => done({ code, out: out.trim(), err: err.trim() }))
  })

const messageIdsIn = (path: string) => {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return new Set(
      (db.prepare('SELECT message_id FROM events').all() as { message_id: string }[]).map(
        (r) => r.message_id,
      ),
    )
  } finally {
    db.close()
  }
}

// Each case starts Node with tsx (and the first the collector): seconds on a busy machine.
describe('npm run backup', { timeout: 120_000 }, () => {
  let collector: Collector
  let sent = 0
  beforeAll(async () => {
    collector = await startCollector()
  }, 60_000)
  afterAll(() => collector?.stop())

  /** One batch of server-side events; resolves to the messageIds the collector acknowledged. */
  const send = async (count: number) => {
    const ids = Array.from({ length: count }, () => `backup-${++sent}`)
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${DEMO_SERVER_KEY}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        batch: ids.map((messageId) => ({ type: 'track', event: 'Backed Up', messageId, anonymousId: 'a-1' })),
      }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ accepted: count, duplicates: 0, rejected: [] })
    return ids
  }

  it('copies a running collector consistently while events keep arriving', async () => {
    const before = [...(await send(20)), ...(await send(20)), ...(await send(20))]
    const target = join(dir, 'live.db')
    let running = true
    const during: string[] = []
    const writing = (async () => {
      while (running) during.push(...(await send(10)))
    })()
    const result = await backup([target], `sqlite:${collector.dbPath}`).finally(() => {
      running = false
    })
    await writing

    expect(result).toEqual({
      code: 0,
      out: `backed up ${collector.dbPath} to ${target} (${statSync(target).size} bytes); the key store ${join(dirname(collector.dbPath), 'precis.keys.db')} is not in it: back it up apart (docs/privacy-keys.md)`,
      err: '',
    })
    const copy = new Database(target, { readonly: true, fileMustExist: true })
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      copy.close()
    }
    const copied = messageIdsIn(target)
    // Everything acknowledged before the backup began, and nothing the collector does not hold.
    expect(before.filter((id) => !copied.has(id))).toEqual([])
    const live = messageIdsIn(collector.dbPath)
    expect([...copied].filter((id) => !live.has(id))).toEqual([])
    expect(live.size).toBe(before.length + during.length)
  })

  it('refuses a target that exists, and leaves it as it was', async () => {
    const target = join(dir, 'taken.db')
    writeFileSync(target, 'an older backup')
    expect(await backup([target], `sqlite:${collector.dbPath}`)).toEqual({
      code: 1,
      out: '',
      err: `backup: ${target} already exists: choose a new target file (a backup never overwrites one)`,
    })
    expect(readFileSync(target, 'utf8')).toBe('an older backup')
  })

  it('copies development key files beside the target, readable by their owner only', async () => {
    const home = mkdtempSync(join(dir, 'dev-'))
    const database = join(home, 'precis.db')
    const db = new Database(database)
    db.exec("CREATE TABLE events (message_id TEXT); INSERT INTO events VALUES ('dev-1')")
    db.close()
    writeFileSync(join(home, 'precis.master.key'), 'master-key-text\n', { mode: 0o600 })
    const target = join(dir, 'dev.db')
    const { code, out, err } = await backup([target], `sqlite:${database}`)
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(out).toContain(
      `; the development master key ${join(home, 'precis.master.key')} must be backed up too: copied to ${target}.master-key (mode 0600)`,
    )
    expect(out).not.toContain('ledger')
    expect(readFileSync(`${target}.master-key`, 'utf8')).toBe('master-key-text\n')
    expect(statSync(`${target}.master-key`).mode & 0o777).toBe(0o600)
    expect([...messageIdsIn(target)]).toEqual(['dev-1'])
  })

  it('names the database that is missing, and makes none', async () => {
    const missing = join(dir, 'nothing-here.db')
    expect(await backup([join(dir, 'never.db')], `sqlite:${missing}`)).toEqual({
      code: 1,
      out: '',
      err: `backup: no SQLite database at ${missing}: check DATABASE_URL (sqlite:<path>)`,
    })
  })

  it('sends PostgreSQL to pg_dump, with the database and the schema of DATABASE_URL', async () => {
    const url = 'postgres://precis:s3cret@db.internal:5432/shared?search_path=precis'
    const { code, out, err } = await backup([join(dir, 'pg.dump')], url)
    expect({ code, out }).toEqual({ code: 2, out: '' })
    expect(err.split('\n')).toEqual([pgDumpLine(url, join(dir, 'pg.dump'))])
    expect(err).toContain(
      `pg_dump --host=db.internal --port=5432 --username=precis --dbname=shared --schema=precis --format=custom --file=${join(dir, 'pg.dump')}`,
    )
    expect(err).toContain('--schema=precis_keys')
    expect(err).not.toContain('s3cret')
  })

  it('answers a call without a target with the usage line', async () => {
    expect(await backup([], 'sqlite:./unused.db')).toEqual({
      code: 2,
      out: '',
      err: 'usage: npm run backup -- <target-file>',
    })
  })
})

describe('the pg_dump advice', () => {
  it('dumps all but the key schema when the URL names no schema, and quotes what the shell would split', () => {
    const line = pgDumpLine('postgres://localhost/my%20db', '/backups/a b.dump')
    expect(line).toContain(
      "run pg_dump --host=localhost --dbname='my db' --exclude-schema=public_keys --format=custom --file='/backups/a b.dump'",
    )
    expect(line).toContain("pg_dump --host=localhost --dbname='my db' --schema=public_keys")
  })

  it('takes the database from the user name when the URL has none, as the client does', () => {
    expect(pgDumpLine('postgresql://ana@db:6543', '/b.dump')).toContain(
      'pg_dump --host=db --port=6543 --username=ana --dbname=ana --exclude-schema=public_keys',
    )
  })
})
