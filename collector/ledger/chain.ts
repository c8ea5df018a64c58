import { createHash } from 'node:crypto'
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
}

export interface ConsentRecord extends ConsentFields {
  /** 1, 2, 3 … per site. */
  seq: number
  prevHash: string
  hash: string
}

export const GENESIS = '0'.repeat(64)

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The record's hash covers its place in the chain and every field, in a fixed order. */
export const hashRecord = (prevHash: string, seq: number, f: ConsentFields) =>
  sha256(
    JSON.stringify([
      prevHash,
      seq,
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
    ]),
  )

export type Verdict =
  | { ok: true; records: number }
  | {
      ok: false
      records: number
      brokenAt: { seq: number; reason: 'missing record' | 'link mismatch' | 'hash mismatch' }
    }

/** Where a chain starts once retention pruned its beginning: the last pruned record's seq and hash. */
export interface ChainAnchor {
  seq: number
  hash: string
}

/**
 * Walks a site's chain in seq order and reports the first broken link: an edited record no longer
 * matches its hash, a deleted one leaves a gap in seq and a dangling prevHash. (Cutting records
 * off the end leaves a valid shorter chain: keep the latest hash elsewhere to detect that.) A
 * chain whose beginning retention pruned starts after its anchor.
 */
export const verifyChain = (records: readonly ConsentRecord[], anchor?: ChainAnchor): Verdict => {
  let prev = anchor?.hash ?? GENESIS
  const first = (anchor?.seq ?? 0) + 1
  for (const [i, r] of records.entries()) {
    const broken = (reason: 'missing record' | 'link mismatch' | 'hash mismatch') =>
      ({
        ok: false,
        records: records.length,
        brokenAt: { seq: reason === 'missing record' ? first + i : r.seq, reason },
      }) as const
    if (r.seq !== first + i) return broken('missing record')
    if (r.prevHash !== prev) return broken('link mismatch')
    if (hashRecord(r.prevHash, r.seq, r) !== r.hash) return broken('hash mismatch')
    prev = r.hash
  }
  return { ok: true, records: records.length }
}
