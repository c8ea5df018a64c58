// Proof-of-consent records as stored: a row back into a record, whichever adapter read it.
import { PURPOSES, type Purposes } from '../../consent/core/state.ts'
import type { ConsentRecord } from './chain.ts'

/**
 * The stored choices as they were hashed. A hand-edited cell that is not the four booleans reads
 * as all off: `necessary` is on in every real record, so its hash no longer matches and verify
 * names it, instead of the whole chain failing to load.
 */
export const readPurposes = (text: string): Purposes => {
  const off: Purposes = { necessary: false, analytics: false, personalization: false, marketing: false }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return off
  }
  if (typeof parsed !== 'object' || parsed === null) return off
  const cells = parsed as Record<string, unknown>
  if (!PURPOSES.every((p) => typeof cells[p] === 'boolean')) return off
  const { necessary, analytics, personalization, marketing } = cells as Purposes
  return { necessary, analytics, personalization, marketing }
}

/** A consent_records row as both adapters read it (SQLite stores gpc as 0/1). */
export interface ConsentRow {
  site: string
  seq: number
  consent_id: string
  version: number
  purposes: string
  source: ConsentRecord['source']
  language: ConsentRecord['language']
  gpc: number | boolean
  text_hash: string
  user_agent: string
  client_time: string
  received_at: number
  prev_hash: string
  hash: string
  binding: string | null
  key_id: string | null
}

export const fromConsentRow = (r: ConsentRow): ConsentRecord => ({
  site: r.site,
  seq: r.seq,
  consentId: r.consent_id,
  version: r.version,
  purposes: readPurposes(r.purposes),
  source: r.source,
  language: r.language,
  gpc: r.gpc === 1 || r.gpc === true,
  textHash: r.text_hash,
  userAgent: r.user_agent,
  clientTime: r.client_time,
  receivedAt: r.received_at,
  prevHash: r.prev_hash,
  hash: r.hash,
  binding: r.binding,
  keyId: r.key_id,
})
