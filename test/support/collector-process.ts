// Starts the real collector (collector/node.ts) in its own process on a free port with its own
// SQLite file, and reads that file directly, as an owner inspecting the database would.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { parseMasterKey } from '../../collector/privacy/crypto.ts'
import { PSEUDONYM_SUBJECT, type Pseudonymize, pseudonymWith } from '../../collector/privacy/pseudonyms.ts'
import { keyFilePath, openSqliteKeyStore } from '../../collector/store/sqlite/keys.ts'
import { TEST_LEDGER_KEY_BASE64 } from './ledger-keys.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const DEMO_WRITE_KEY = 'demo-write-key-0001'
/** The demo site's server key (precis.config.json): what Segment's server libraries send. */
export const DEMO_SERVER_KEY = 'demo-server-key-change-me-0001'
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789'
/** The master key test collectors share (PostgreSQL requires one; SQLite would make its own). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64')

export interface Collector {
  url: string
  dbPath: string
  rows(site?: string): {
    message_id: string
    type: string
    name: string | null
    anonymous_id: string
    timestamp: number
    payload: string
  }[]
  /**
   * The pseudonym the collector stores an id as (privacy/pseudonyms.ts), from its key store and
   * the test master key, as an owner holding both could compute it.
   */
  pseudonym(id: string, site?: string): Promise<string>
  stop(): Promise<void>
  /** Everything the process (and its restarts) printed on stdout so far. */
  log(): string
  /** Stops the process and starts a new one on the same port and database (a deploy, a crash). */
  restart(): Promise<void>
}

/**
 * The demo site as precis.config.json describes it (services, consent policy), with test overrides.
 * Its example goals, mail destination, journeys and audiences are left out: a test names what it needs.
 */
export const demoSite = (overrides: Record<string, unknown> = {}) => {
  const config = JSON.parse(readFileSync(join(ROOT, 'precis.config.json'), 'utf8'))
  const {
    goals: _g,
    destinations: _d,
    journeys: _j,
    messaging: _m,
    audiences: _a,
    ...demo
  } = config.sites.find((s: { id: string }) => s.id === 'demo')
  return { ...demo, allowedOrigins: [], ...overrides }
}

export interface CollectorOptions {
  allowedOrigins?: string[]
  /** Replaces the demo site's consent section. */
  consent?: Record<string, unknown>
  /** Replaces the demo site's personalization section. */
  personalization?: Record<string, unknown>
  /** Replaces the demo site's experiments. */
  experiments?: unknown[]
  /** The demo site's goals (none unless given). */
  goals?: Record<string, unknown>
  /** The demo site's destinations, journeys, audiences and messaging rules (none unless given). */
  destinations?: unknown[]
  journeys?: unknown[]
  audiences?: unknown[]
  messaging?: Record<string, unknown>
  env?: Record<string, string>
  /** Sites served beside the demo site (an attacker's own site, say). */
  extraSites?: Record<string, unknown>[]
}

export const startCollector = async (options: CollectorOptions = {}): Promise<Collector> => {
  const dir = mkdtempSync(join(tmpdir(), 'precis-e2e-'))
  const configPath = join(dir, 'precis.config.json')
  const dbPath = join(dir, 'precis.db')
  const overrides = {
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.consent ? { consent: options.consent } : {}),
    ...(options.personalization ? { personalization: options.personalization } : {}),
    ...(options.experiments ? { experiments: options.experiments } : {}),
    ...(options.goals ? { goals: options.goals } : {}),
    ...(options.destinations ? { destinations: options.destinations } : {}),
    ...(options.journeys ? { journeys: options.journeys } : {}),
    ...(options.audiences ? { audiences: options.audiences } : {}),
    ...(options.messaging ? { messaging: options.messaging } : {}),
  }
  writeFileSync(configPath, JSON.stringify({ sites: [demoSite(overrides), ...(options.extraSites ?? [])] }))
  const spawnOn = (port: string) =>
    spawn(process.execPath, ['--import', 'tsx', 'collector/node.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: port,
        DATABASE_URL: `sqlite:${dbPath}`,
        PRECIS_CONFIG: configPath,
        PRECIS_ADMIN_TOKEN: ADMIN_TOKEN,
        PRECIS_MASTER_KEY: TEST_MASTER_KEY,
        PRECIS_LEDGER_KEY: TEST_LEDGER_KEY_BASE64,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  let output = ''
  const started = (port: string) => {
    const c = spawnOn(port)
    c.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    return c
  }
  let child = started('0')
  const pseudonyms = new Map<string, Pseudonymize>()
  const url = await listeningUrl(child)
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done()
      child.once('exit', () => done())
      child.kill('SIGTERM')
    })
  return {
    url,
    dbPath,
    rows(site = 'demo') {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true })
      try {
        return db.prepare('SELECT * FROM events WHERE site = ? ORDER BY id').all(site) as ReturnType<
          Collector['rows']
        >
      } finally {
        db.close()
      }
    },
    async pseudonym(id, site = 'demo') {
      let of = pseudonyms.get(site)
      if (!of) {
        const keys = openSqliteKeyStore(keyFilePath(dbPath), { master: parseMasterKey(TEST_MASTER_KEY) })
        try {
          of = pseudonymWith((await keys.keyFor(site, PSEUDONYM_SUBJECT)).key)
        } finally {
          await keys.close()
        }
        pseudonyms.set(site, of)
      }
      return of(id)
    },
    stop,
    log: () => output,
    async restart() {
      await stop()
      child = started(new URL(url).port)
      await listeningUrl(child)
    },
  }
}

const listeningUrl = (child: ChildProcess) =>
  new Promise<string>((resolveUrl, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output)
      if (match) {
        child.stdout?.off('data', onData)
        resolveUrl(match[1]!)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}:\n${output}`)))
  })
