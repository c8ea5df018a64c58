import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { ConsentSource, Purposes } from '../../consent/core/state.ts'
import type { Language } from '../../consent/core/strings.ts'

/** One proof-of-consent record as the collector builds it from a visitor's choice. */
export interface ConsentFields {
  site: string
  consentId: string
  version: number
  purposes: Purposes
  source: ConsentSource
  language: Language
  gpc: boolean
  /** sha256 of the texts and services the visitor was shown. */
  textHash: string
  /** Browser and OS family only: never the full user agent, never the IP. */
  userAgent: string
  /** When the visitor chose, by their clock (ISO). */
  clientTime: string
  /** When the collector received it, epoch ms. */
  receivedAt: number
  /**
   * sha256 of the secret the browser holds for this consent id (ledger/binding.ts): later records
   * for the id must present the same secret. Null in records made before ids were bound.
   */
  binding: string | null
}

export interface ConsentRecord extends ConsentFields {
  /** 1, 2, 3 … per site. */
  seq: number
  prevHash: string
  hash: string
  /** The ledger key that made `hash` (ledger/keys.ts); null in records made before the chain was keyed. */
  keyId: string | null
}

export const GENESIS = '0'.repeat(64)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const fieldList = (f: ConsentFields) => [
  f.site,
  f.consentId,
  f.version,
  [f.purposes.necessary, f.purposes.analytics, f.purposes.personalization, f.purposes.marketing],
  f.source,
  f.language,
  f.gpc,
  f.textHash,
  f.userAgent,
  f.clientTime,
  f.receivedAt,
]

/** The unkeyed hash of records made before the chain was keyed: anyone could recompute it. */
export const hashRecord = (prevHash: string, seq: number, f: ConsentFields) =>
  sha256(JSON.stringify([prevHash, seq, ...fieldList(f)]))

/** A key the ledger links records with: 32 secret bytes and their public id. */
export interface LedgerKey {
  readonly id: string
  readonly key: Buffer
}

/**
 * A record's link: an HMAC-SHA256 under the ledger key over its place in the chain, the key's id,
 * every field and the binding, in a fixed order. Rewriting history needs the key.
 */
export const linkRecord = (key: LedgerKey, prevHash: string, seq: number, f: ConsentFields) =>
  createHmac('sha256', key.key)
    .update(JSON.stringify(['precis-ledger-v2', key.id, prevHash, seq, ...fieldList(f), f.binding]))
    .digest('hex')

export type BrokenReason =
  | 'missing record'
  | 'link mismatch'
  | 'hash mismatch'
  | 'unknown key'
  | 'unkeyed record after keyed ones'

export type Verdict =
  | { ok: true; records: number; unkeyed: number }
  | { ok: false; records: number; unkeyed: number; brokenAt: { seq: number; reason: BrokenReason } }

/** Where a chain starts once retention pruned its beginning: the last pruned record's seq and hash. */
export interface ChainAnchor {
  seq: number
  hash: string
}

/**
 * Walks a site's chain in seq order and reports the first link that is not genuine: an edited
 * record no longer matches its link, a deleted one leaves a gap in seq and a dangling prevHash, a
 * record linked by a key the keyring does not hold (or forged without one) fails its HMAC. Records
 * made before the chain was keyed carry no key id and are accepted only as its beginning: they are
 * protected by the first keyed link after them, which covers their hash (`unkeyed` counts them).
 * (Cutting records off the end leaves a valid shorter chain: keep the latest hash elsewhere to
 * detect that.) A chain whose beginning retention pruned starts after its anchor.
 */
export const verifyChain = (
  records: readonly ConsentRecord[],
  keys: ReadonlyMap<string, LedgerKey>,
  anchor?: ChainAnchor,
): Verdict => {
  let prev = anchor?.hash ?? GENESIS
  let unkeyed = 0
  let keyed = false
  const first = (anchor?.seq ?? 0) + 1
  for (const [i, r] of records.entries()) {
    const broken = (reason: BrokenReason) =>
      ({
        ok: false,
        records: records.length,
        unkeyed,
        brokenAt: { seq: reason === 'missing record' ? first + i : r.seq, reason },
      }) as const
    if (r.seq !== first + i) return broken('missing record')
    if (r.prevHash !== prev) return broken('link mismatch')
    if (r.keyId === null) {
      if (keyed) return broken('unkeyed record after keyed ones')
      if (hashRecord(r.prevHash, r.seq, r) !== r.hash) return broken('hash mismatch')
      unkeyed++
    } else {
      const key = keys.get(r.keyId)
      if (!key) return broken('unknown key')
      if (!sameHex(linkRecord(key, r.prevHash, r.seq, r), r.hash)) return broken('hash mismatch')
      keyed = true
    }
    prev = r.hash
  }
  return { ok: true, records: records.length, unkeyed }
}

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
