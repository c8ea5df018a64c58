import type Database from 'better-sqlite3'
import { checkBinding } from '../../ledger/binding.ts'
import {
  type ChainCheckpoint,
  type ConsentFields,
  type ConsentRecord,
  GENESIS,
  type LedgerKey,
  linkRecord,
  makeCheckpoint,
} from '../../ledger/chain.ts'
import { type ConsentRow, fromConsentRow } from '../../ledger/record-row.ts'

/**
 * The consent ledger on SQLite. Appends run on this thread's connection in an IMMEDIATE
 * transaction, which takes the database's write lock before reading the chain's head: two appends
 * can never link to the same record. (The event writer thread shares that lock through WAL.)
 */
export const sqliteLedger = (db: Database.Database) => {
  const head = db.prepare<[string], { seq: number; hash: string }>(
    'SELECT seq, hash FROM consent_records WHERE site = ? ORDER BY seq DESC LIMIT 1',
  )
  const latestOf = db.prepare<[string, string], { binding: string | null }>(
    'SELECT binding FROM consent_records WHERE site = ? AND consent_id = ? ORDER BY seq DESC LIMIT 1',
  )
  const insert = db.prepare(
    `INSERT INTO consent_records (site, seq, consent_id, version, purposes, source, language, gpc, text_hash,
       user_agent, client_time, received_at, prev_hash, hash, binding, key_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const append = db.transaction((f: ConsentFields, key: LedgerKey): ConsentRecord => {
    checkBinding(latestOf.get(f.site, f.consentId), f.binding)
    const last = head.get(f.site)
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? GENESIS
    const hash = linkRecord(key, prevHash, seq, f)
    const { necessary, analytics, personalization, marketing } = f.purposes
    insert.run(
      f.site,
      seq,
      f.consentId,
      f.version,
      JSON.stringify({ necessary, analytics, personalization, marketing }),
      f.source,
      f.language,
      f.gpc ? 1 : 0,
      f.textHash,
      f.userAgent,
      f.clientTime,
      f.receivedAt,
      prevHash,
      hash,
      f.binding,
      key.id,
    )
    return { ...f, seq, prevHash, hash, keyId: key.id }
  })
  const history = db.prepare<[string, string], ConsentRow>(
    'SELECT * FROM consent_records WHERE site = ? AND consent_id = ? ORDER BY seq',
  )
  const all = db.prepare<[string], ConsentRow>('SELECT * FROM consent_records WHERE site = ? ORDER BY seq')
  const checkpoint = (table: 'consent_anchors' | 'consent_seals') =>
    db.prepare<[string], ChainCheckpoint>(
      `SELECT seq, hash, key_id AS keyId, mac FROM ${table} WHERE site = ?`,
    )
  const anchor = checkpoint('consent_anchors')
  const seal = checkpoint('consent_seals')
  const keepSeal = db.prepare(
    `INSERT INTO consent_seals (site, seq, hash, key_id, mac) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id,
       mac = excluded.mac`,
  )
  const prune = db.transaction((site: string, before: number, key: LedgerKey) => {
    // The first record received from `before` on ends the beginning that may go (clocks of several
    // collectors may disagree a little: a later record received "earlier" waits for the next run).
    const kept = db
      .prepare<[string, number], { seq: number }>(
        'SELECT min(seq) AS seq FROM consent_records WHERE site = ? AND received_at >= ?',
      )
      .get(site, before)?.seq
    const last = db
      .prepare<[string, number], { seq: number; hash: string }>(
        'SELECT seq, hash FROM consent_records WHERE site = ? AND seq < ? ORDER BY seq DESC LIMIT 1',
      )
      .get(site, kept ?? Number.MAX_SAFE_INTEGER)
    if (!last) return 0
    const a = makeCheckpoint(key, site, last)
    db.prepare(
      `INSERT INTO consent_anchors (site, seq, hash, key_id, mac) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id,
         mac = excluded.mac`,
    ).run(site, a.seq, a.hash, a.keyId, a.mac)
    return db.prepare('DELETE FROM consent_records WHERE site = ? AND seq <= ?').run(site, last.seq).changes
  })
  return {
    consentAnchor: async (site: string) => anchor.get(site),
    pruneConsent: async (site: string, before: number, key: LedgerKey) => prune.immediate(site, before, key),
    consentSeal: async (site: string) => seal.get(site),
    sealConsent: async (site: string, s: ChainCheckpoint) => {
      keepSeal.run(site, s.seq, s.hash, s.keyId, s.mac)
    },
    appendConsent: async (fields: ConsentFields, key: LedgerKey) => append.immediate(fields, key),
    consentHistory: async (site: string, consentId: string) =>
      history.all(site, consentId).map(fromConsentRow),
    consentChain: async (site: string) => all.all(site).map(fromConsentRow),
  }
}
