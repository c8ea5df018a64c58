import { createHash, createHmac } from 'node:crypto'
import type { ConsentSource, Purposes } from '../../consent/core/state.ts'
import type { Language } from '../../consent/core/strings.ts'
import { sameSecret } from '../privacy/crypto.ts'

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

/**
 * A keyed statement about a site's chain: "record `seq` had link `hash`". Retention leaves one as
 * the chain's anchor when it prunes the beginning; `npm run ledger -- seal` leaves one as the seal
 * that vouches for records linked before the chain was keyed. Without the key nobody can make one.
 */
export interface ChainCheckpoint {
  seq: number
  hash: string
  /** Null in anchors made before the chain was keyed. */
  keyId: string | null
  mac: string | null
}

const checkpointMac = (key: LedgerKey, site: string, seq: number, hash: string) =>
  createHmac('sha256', key.key)
    .update(JSON.stringify(['precis-ledger-checkpoint-v1', key.id, site, seq, hash]))
    .digest('hex')

export const makeCheckpoint = (
  key: LedgerKey,
  site: string,
  { seq, hash }: { seq: number; hash: string },
): ChainCheckpoint => ({ seq, hash, keyId: key.id, mac: checkpointMac(key, site, seq, hash) })

const genuine = (keys: ReadonlyMap<string, LedgerKey>, site: string, c: ChainCheckpoint | undefined) => {
  const key = c?.keyId ? keys.get(c.keyId) : undefined
  return !!(c?.mac && key && sameSecret(checkpointMac(key, site, c.seq, c.hash), c.mac))
}

/** Where a site's chain starts (retention's anchor) and what vouches for its unkeyed records. */
export interface ChainBounds {
  site: string
  anchor?: ChainCheckpoint | undefined
  seal?: ChainCheckpoint | undefined
}

export type BrokenReason =
  | 'missing record'
  | 'link mismatch'
  | 'hash mismatch'
  | 'unknown key'
  | 'unkeyed record after keyed ones'
  | 'unkeyed record without a seal'
  | 'seal mismatch'
  | 'anchor not genuine'

export type Verdict =
  | { ok: true; records: number; unkeyed: number }
  | { ok: false; records: number; unkeyed: number; brokenAt: { seq: number; reason: BrokenReason } }

/**
 * Walks a site's chain in seq order and reports the first link that is not genuine: an edited
 * record no longer matches its link, a deleted one leaves a gap in seq and a dangling prevHash, a
 * record linked by a key the keyring does not hold (or forged without one) fails its HMAC.
 * Records linked before the chain was keyed carry no key id: they are accepted only as the
 * chain's beginning and only up to a genuine seal, whose hash must be theirs (`unkeyed` counts
 * them). A chain whose beginning retention pruned starts after its anchor, which must be genuine
 * too (or, made before keying, sealed). Cutting records off the end leaves a valid shorter chain:
 * keep the latest hash elsewhere to detect that.
 */
export const verifyChain = (
  records: readonly ConsentRecord[],
  keys: ReadonlyMap<string, LedgerKey>,
  bounds?: ChainBounds,
): Verdict => {
  const { anchor, seal: claimed } = bounds ?? {}
  const seal = bounds && genuine(keys, bounds.site, claimed) ? claimed : undefined
  const sealedThrough = seal?.seq ?? 0
  let prev = anchor?.hash ?? GENESIS
  let unkeyed = 0
  let keyed = false
  const first = (anchor?.seq ?? 0) + 1
  const broken = (seq: number, reason: BrokenReason) =>
    ({ ok: false, records: records.length, unkeyed, brokenAt: { seq, reason } }) as const
  if (anchor && bounds && !genuine(keys, bounds.site, anchor)) {
    const sealedAnchor = anchor.keyId === null && sealedThrough >= anchor.seq
    if (!sealedAnchor || (seal!.seq === anchor.seq && seal!.hash !== anchor.hash))
      return broken(anchor.seq, 'anchor not genuine')
  }
  for (const [i, r] of records.entries()) {
    if (r.seq !== first + i) return broken(first + i, 'missing record')
    if (r.prevHash !== prev) return broken(r.seq, 'link mismatch')
    if (r.keyId === null) {
      if (keyed) return broken(r.seq, 'unkeyed record after keyed ones')
      if (r.seq > sealedThrough) return broken(r.seq, 'unkeyed record without a seal')
      if (hashRecord(r.prevHash, r.seq, r) !== r.hash) return broken(r.seq, 'hash mismatch')
      unkeyed++
    } else {
      const key = keys.get(r.keyId)
      if (!key) return broken(r.seq, 'unknown key')
      if (!sameSecret(linkRecord(key, r.prevHash, r.seq, r), r.hash)) return broken(r.seq, 'hash mismatch')
      keyed = true
    }
    if (r.seq === sealedThrough && r.hash !== seal!.hash) return broken(r.seq, 'seal mismatch')
    prev = r.hash
  }
  // A seal past the last record: records it vouched for were cut off the end.
  const last = first + records.length - 1
  if (sealedThrough > last) return broken(last + 1, 'missing record')
  return { ok: true, records: records.length, unkeyed }
}
