import type Database from 'better-sqlite3'
import { type ConsentFields, type ConsentRecord, GENESIS, hashRecord } from '../ledger/chain.ts'
import { type ConsentRow, fromConsentRow } from '../ledger/record-row.ts'

/**
 * The consent ledger on SQLite. Appends run on this thread's connection in an IMMEDIATE
 * transaction, which takes the database's write lock before reading the chain's head: two appends
 * can never link to the same record. (The event writer thread shares that lock through WAL.)
 */
export const sqliteLedger = (db: Database.Database) => {
  const head = db.prepare<[string], { seq: number; hash: string }>(
    'SELECT seq, hash FROM consent_records WHERE site = ? ORDER BY seq DESC LIMIT 1',
  )
  const insert = db.prepare(
    `INSERT INTO consent_records (site, seq, consent_id, version, purposes, source, language, gpc, text_hash,
       user_agent, client_time, received_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const append = db.transaction((f: ConsentFields): ConsentRecord => {
    const last = head.get(f.site)
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? GENESIS
    const hash = hashRecord(prevHash, seq, f)
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
    )
    return { ...f, seq, prevHash, hash }
  })
  const history = db.prepare<[string, string], ConsentRow>(
    'SELECT * FROM consent_records WHERE site = ? AND consent_id = ? ORDER BY seq',
  )
  const all = db.prepare<[string], ConsentRow>('SELECT * FROM consent_records WHERE site = ? ORDER BY seq')
  return {
    appendConsent: async (fields: ConsentFields) => append.immediate(fields),
    consentHistory: async (site: string, consentId: string) =>
      history.all(site, consentId).map(fromConsentRow),
    consentChain: async (site: string) => all.all(site).map(fromConsentRow),
  }
}
