// The resolver's cache is only a cache: with a budget far below the graph it evicts all the time,
// stays within its bytes, and folds the same events into exactly the same rows as with room for all.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { type Ev, linkRow } from '../../../test/contracts/identity.contract.ts'
import { prng } from '../../../test/support/prng.ts'
import { createResolver, identitySql, resolvePending } from './resolver.ts'
import { openSqliteStore } from './store.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')
const dir = mkdtempSync(join(tmpdir(), 'precis-resolver-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Many people coming back after others, with merges, aliases, shared emails and refusals. */
const links = (seed: number, length: number): Ev[] => {
  const random = prng(seed)
  const pick = (n: number) => Math.floor(random() * n)
  return Array.from({ length }, (_, i) => {
    const a = `a${pick(800)}`
    const kind = pick(6)
    if (kind === 0) return { type: 'track' as const, a, t: i }
    if (kind === 1) return { a, u: `u${pick(300)}`, t: i }
    if (kind === 2) return { type: 'alias' as const, a, u: `u${pick(300)}`, prev: a, t: i }
    if (kind === 3) return { a, traits: { email: `m${pick(400)}@example.com`, plan: `p${i}` }, t: i }
    if (kind === 4) return { type: 'track' as const, a, u: `u${pick(300)}`, revenue: pick(100), t: i }
    return { a, u: `u${pick(300)}`, traits: { email: `m${pick(400)}@example.com` }, t: i }
  })
}

/** Every row resolution writes, in a stable order. */
const dump = (db: Database.Database) =>
  Object.fromEntries(
    [
      'SELECT * FROM profiles ORDER BY site, id',
      'SELECT site, kind, value, profile_id FROM identifiers ORDER BY site, kind, value',
      'SELECT * FROM profile_redirects ORDER BY site, from_id',
      'SELECT * FROM identity_audit ORDER BY id',
    ].map((sql) => [sql, db.prepare(sql).all()]),
  )

/** Resolves a copy of the events' database with the given budget, in chunks of 100 events. */
const resolveCopy = (source: string, name: string, budget: number) => {
  const path = join(dir, name)
  copyFileSync(source, path)
  const db = new Database(path)
  const sql = identitySql(db)
  let n = 0
  const resolver = createResolver(sql, () => `p${++n}`, budget)
  expect(resolvePending(db, sql, resolver, {}, NOW, 100)).toBeGreaterThan(0)
  const rows = dump(db)
  db.close()
  return { rows, cache: resolver.cache() }
}

describe('resolver cache under a byte budget', () => {
  it.each([1, 2])('changes no decision, and stays within its budget (seed %i)', async (seed) => {
    // One database, copied: both runs see the same secret, hashes and sealed payloads.
    const source = join(dir, `events-${seed}.db`)
    const store = openSqliteStore(source)
    await store.insertEvents(links(seed, 4_000).map(linkRow))
    await store.close()
    const settle = new Database(source)
    settle.pragma('wal_checkpoint(TRUNCATE)') // the copies take the main file only
    settle.close()

    const roomy = resolveCopy(source, `roomy-${seed}.db`, 64 * 2 ** 20)
    const tight = resolveCopy(source, `tight-${seed}.db`, 16_384)
    expect(roomy.cache.evictions).toBe(0)
    expect(tight.cache.evictions).toBeGreaterThan(1_000)
    expect(tight.cache.peak).toBeLessThanOrEqual(16_384)
    expect(tight.rows).toEqual(roomy.rows)
    expect((roomy.rows['SELECT * FROM profiles ORDER BY site, id'] ?? []).length).toBeGreaterThan(100)
  })
})
