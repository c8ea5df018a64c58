// Identity resolution at volume: 1,000,000 links folded into profiles by the collector's resolver
// on a SQLite file, then profile look-ups by anonymousId, each timed.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_IDENTITY, type LinkEvent } from '../../collector/identity/rules.ts'
import { createResolver, identitySql } from '../../collector/store/sqlite/resolver.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { prng } from '../support/prng.ts'

export const LINKS = Number(process.env.BENCH_LINKS ?? 1_000_000)
/** Links per transaction: a backfill's size (live resolution runs 1,000 events per transaction). */
const PER_TX = Number(process.env.BENCH_PER_TX ?? 100_000)
const LOOKUPS = 20_000

/** People with a user id, an email and up to four devices; links as identify, alias and email traits. */
const links = function* (count: number): Generator<LinkEvent> {
  const random = prng(42)
  const people = Math.max(1, Math.floor(count / 4))
  for (let i = 0; i < count; i++) {
    const p = Math.floor(random() * people)
    const a = `anon-${p}-${Math.floor(random() * 4)}`
    const roll = random()
    yield {
      seq: i + 1,
      messageId: `m${i}`,
      type: roll < 0.2 ? 'alias' : 'identify',
      timestamp: 1_700_000_000_000 + i,
      anonymousId: a,
      userId: roll < 0.9 ? `user-${p}` : null,
      previousId: roll < 0.2 ? a : null,
      traits: roll >= 0.9 ? { email: `person${p}@example.com` } : undefined,
    }
  }
}

export const measureIdentity = async (dir: string) => {
  const path = join(dir, 'identity.db')
  await openSqliteStore(path).close() // creates the schema
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('cache_size = -262144')
  let n = 0
  const resolver = createResolver(identitySql(db), () => `p${++n}`)
  const started = performance.now()
  let batch: LinkEvent[] = []
  const commit = db.transaction((events: LinkEvent[]) => {
    resolver.begin()
    for (const e of events) resolver.resolve('bench', e, DEFAULT_IDENTITY, e.timestamp)
    resolver.flush()
  })
  for (const link of links(LINKS)) {
    batch.push(link)
    if (batch.length === PER_TX) {
      commit(batch)
      batch = []
    }
  }
  commit(batch)
  const seconds = (performance.now() - started) / 1000
  const profiles = (db.prepare('SELECT count(*) AS n FROM profiles').get() as { n: number }).n
  db.close()

  // Look-ups through the Store, as the admin API makes them.
  const store = openSqliteStore(path)
  const random = prng(7)
  const people = Math.max(1, Math.floor(LINKS / 4))
  const times: number[] = []
  for (let i = 0; i < LOOKUPS; i++) {
    const key = `anon-${Math.floor(random() * people)}-${Math.floor(random() * 4)}`
    const t0 = performance.now()
    await store.findProfile('bench', key, Date.now())
    times.push(performance.now() - t0)
  }
  await store.close()
  times.sort((a, b) => a - b)
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!
  return {
    seconds,
    linksPerSecond: LINKS / seconds,
    profiles,
    p50: at(0.5),
    p99: at(0.99),
    raw: rawCopy(dir, path),
  }
}

/**
 * The storage floor: the same identifier and profile rows the resolver wrote, inserted as they
 * are into an empty database of the same schema, in transactions of the same size.
 */
const rawCopy = (dir: string, source: string) => {
  const target = join(dir, 'identity-raw.db')
  const src = new Database(source, { readonly: true })
  const identifiers = src.prepare('SELECT * FROM identifiers').all() as unknown[][]
  const profiles = src.prepare('SELECT * FROM profiles').all() as unknown[][]
  src.close()
  const db = new Database(target)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('cache_size = -262144')
  db.exec(`CREATE TABLE identifiers (site TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
      profile_id TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (site, kind, value)) WITHOUT ROWID;
    CREATE INDEX identifiers_profile ON identifiers (site, profile_id);
    CREATE TABLE profiles (site TEXT NOT NULL, id TEXT NOT NULL, created_seq INTEGER NOT NULL,
      data TEXT NOT NULL, PRIMARY KEY (site, id));`)
  const addId = db.prepare('INSERT INTO identifiers VALUES (@site, @kind, @value, @profile_id, @added_at)')
  const addProfile = db.prepare('INSERT INTO profiles VALUES (@site, @id, @created_seq, @data)')
  const rows = [
    ...identifiers.map((r) => [addId, r] as const),
    ...profiles.map((r) => [addProfile, r] as const),
  ]
  const started = performance.now()
  const tx = db.transaction((part: typeof rows) => {
    for (const [statement, row] of part) statement.run(row)
  })
  for (let i = 0; i < rows.length; i += PER_TX) tx(rows.slice(i, i + PER_TX))
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { seconds, rows: rows.length }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  console.log(await measureIdentity(mkdtempSync(join(tmpdir(), 'precis-identity-'))))
}
