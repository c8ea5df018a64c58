// The consent ledger on PostgreSQL (as store/sqlite/ledger.ts does on SQLite).
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
import type { Migration, Sql } from './schema.ts'

/**
 * Appends to a site's chain hold a transaction-scoped advisory lock on that site while they read
 * the head and insert after it: whichever collector appends, the chain stays one line. (The
 * primary key (site, seq) would refuse a fork anyway; the lock makes the second append wait, not
 * fail.)
 */
/** Where each site's chain starts once retention pruned its beginning. */
export const LEDGER_MIGRATIONS: Migration[] = [
  {
    name: 'ledger/2',
    sql: 'CREATE TABLE consent_anchors (site TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)',
  },
  // Consent ids bound to their browser's secret, and links keyed by the ledger key (ledger/).
  {
    name: 'ledger/3',
    sql: 'ALTER TABLE consent_records ADD COLUMN binding TEXT, ADD COLUMN key_id TEXT',
  },
  // Keyed checkpoints: retention's anchors, and the seal of records linked before keying.
  {
    name: 'ledger/4',
    sql: `ALTER TABLE consent_anchors ADD COLUMN key_id TEXT, ADD COLUMN mac TEXT;
      CREATE TABLE consent_seals (site TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL,
        key_id TEXT NOT NULL, mac TEXT NOT NULL)`,
  },
]

const checkpointOf = async (rows: Promise<ChainCheckpoint[]>) => (await rows)[0]

export const postgresLedger = (sql: Sql) => ({
  consentAnchor: (site: string) =>
    checkpointOf(sql<ChainCheckpoint[]>`
      SELECT seq::int AS seq, hash, key_id AS "keyId", mac FROM consent_anchors WHERE site = ${site}`),
  consentSeal: (site: string) =>
    checkpointOf(sql<ChainCheckpoint[]>`
      SELECT seq::int AS seq, hash, key_id AS "keyId", mac FROM consent_seals WHERE site = ${site}`),
  sealConsent: async (site: string, s: ChainCheckpoint) => {
    await sql`INSERT INTO consent_seals (site, seq, hash, key_id, mac)
      VALUES (${site}, ${s.seq}, ${s.hash}, ${s.keyId}, ${s.mac})
      ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id,
        mac = excluded.mac`
  },
  // Under the site's append lock, as sqlite/ledger.ts prunes.
  pruneConsent: (site: string, before: number, key: LedgerKey): Promise<number> =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.consent.' || ${site}))`
      const [last] = await tx<{ seq: number; hash: string }[]>`
        SELECT seq::int AS seq, hash FROM consent_records WHERE site = ${site} AND seq < coalesce(
          (SELECT min(seq) FROM consent_records WHERE site = ${site} AND received_at >= ${before}),
          9223372036854775807)
        ORDER BY seq DESC LIMIT 1`
      if (!last) return 0
      const a = makeCheckpoint(key, site, last)
      await tx`INSERT INTO consent_anchors (site, seq, hash, key_id, mac)
        VALUES (${site}, ${a.seq}, ${a.hash}, ${a.keyId}, ${a.mac})
        ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id,
          mac = excluded.mac`
      return (await tx`DELETE FROM consent_records WHERE site = ${site} AND seq <= ${last.seq}`).count
    }),
  appendConsent: (f: ConsentFields, key: LedgerKey): Promise<ConsentRecord> =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.consent.' || ${f.site}))`
      const [latest] = await tx<{ binding: string | null }[]>`
        SELECT binding FROM consent_records WHERE site = ${f.site} AND consent_id = ${f.consentId}
        ORDER BY seq DESC LIMIT 1`
      checkBinding(latest, f.binding)
      const [last] = await tx<{ seq: number; hash: string }[]>`
        SELECT seq, hash FROM consent_records WHERE site = ${f.site} ORDER BY seq DESC LIMIT 1`
      const seq = (last?.seq ?? 0) + 1
      const prevHash = last?.hash ?? GENESIS
      const hash = linkRecord(key, prevHash, seq, f)
      const { necessary, analytics, personalization, marketing } = f.purposes
      await tx`INSERT INTO consent_records (site, seq, consent_id, version, purposes, source, language, gpc,
          text_hash, user_agent, client_time, received_at, prev_hash, hash, binding, key_id)
        VALUES (${f.site}, ${seq}, ${f.consentId}, ${f.version},
          ${JSON.stringify({ necessary, analytics, personalization, marketing })}, ${f.source}, ${f.language},
          ${f.gpc}, ${f.textHash}, ${f.userAgent}, ${f.clientTime}, ${f.receivedAt}, ${prevHash}, ${hash},
          ${f.binding}, ${key.id})`
      return { ...f, seq, prevHash, hash, keyId: key.id }
    }),
  consentHistory: async (site: string, consentId: string) =>
    (
      await sql<
        ConsentRow[]
      >`SELECT * FROM consent_records WHERE site = ${site} AND consent_id = ${consentId} ORDER BY seq`
    ).map(fromConsentRow),
  consentChain: async (site: string) =>
    (await sql<ConsentRow[]>`SELECT * FROM consent_records WHERE site = ${site} ORDER BY seq`).map(
      fromConsentRow,
    ),
})
