import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  type ConsentFields,
  type ConsentRecord,
  GENESIS,
  hashRecord,
  type LedgerKey,
  linkRecord,
  makeCheckpoint,
  verifyChain,
} from './chain.ts'
import { ledgerKey, ledgerKeyring } from './keys.ts'

const KEY = ledgerKey(Buffer.alloc(32, 1))
const NEXT = ledgerKey(Buffer.alloc(32, 2))
const KEYS = ledgerKeyring(NEXT, [KEY]).byId

const fields = (n: number): ConsentFields => ({
  site: 'demo',
  consentId: `c${n}`,
  version: 1,
  purposes: { necessary: true, analytics: n % 2 === 0, personalization: false, marketing: false },
  source: 'banner',
  language: 'en',
  gpc: false,
  textHash: 'a'.repeat(64),
  userAgent: 'Chrome 131 / Linux',
  clientTime: '2026-11-23T10:00:00.000Z',
  receivedAt: 1_700_000_000_000 + n,
  binding: `binding-${n}`,
})

/** A chain of `length` records: the first `unkeyed` made before keying, the rest linked by `keyOf`. */
const chain = (length: number, { unkeyed = 0, keyOf = (_seq: number): LedgerKey => KEY } = {}) => {
  const records: ConsentRecord[] = []
  let prevHash = GENESIS
  for (let seq = 1; seq <= length; seq++) {
    const legacy = seq <= unkeyed
    const f = legacy ? { ...fields(seq), binding: null } : fields(seq)
    const key = keyOf(seq)
    const hash = legacy ? hashRecord(prevHash, seq, f) : linkRecord(key, prevHash, seq, f)
    records.push({ ...f, seq, prevHash, hash, keyId: legacy ? null : key.id })
    prevHash = hash
  }
  return records
}

describe('consent chain', () => {
  it('verifies an intact chain, and an empty one', () => {
    expect(verifyChain(chain(5), KEYS)).toEqual({ ok: true, records: 5, unkeyed: 0 })
    expect(verifyChain([], KEYS)).toEqual({ ok: true, records: 0, unkeyed: 0 })
  })

  it('verifies across a key rotation while the keyring holds the old key, and names an unknown key', () => {
    const rotated = chain(6, { keyOf: (seq) => (seq <= 3 ? KEY : NEXT) })
    expect(verifyChain(rotated, KEYS)).toEqual({ ok: true, records: 6, unkeyed: 0 })
    expect(verifyChain(rotated, ledgerKeyring(NEXT).byId)).toMatchObject({
      ok: false,
      brokenAt: { seq: 1, reason: 'unknown key' },
    })
  })

  it('finds an edited record by its link', () => {
    const records = chain(5)
    records[2] = { ...records[2]!, purposes: { ...records[2]!.purposes, marketing: true } }
    expect(verifyChain(records, KEYS)).toMatchObject({
      ok: false,
      brokenAt: { seq: 3, reason: 'hash mismatch' },
    })
  })

  it('finds a history rewritten without the key: every following hash recomputed by the public formula', () => {
    const records = chain(5)
    // The attacker edits record 2 and recomputes every later link with plain SHA-256, keeping key ids.
    let prev = records[0]!.hash
    for (const [i, r] of records.entries()) {
      if (i === 0) continue
      const edited = i === 1 ? { ...r, purposes: { ...r.purposes, analytics: true, marketing: true } } : r
      const hash = hashRecord(prev, edited.seq, edited)
      records[i] = { ...edited, prevHash: prev, hash }
      prev = hash
    }
    expect(verifyChain(records, KEYS)).toMatchObject({
      ok: false,
      brokenAt: { seq: 2, reason: 'hash mismatch' },
    })
    // … or with another key of their own: still the first rewritten link.
    const forged = chain(5, { keyOf: (seq) => (seq >= 4 ? ledgerKey(Buffer.alloc(32, 9)) : KEY) })
    expect(verifyChain(forged, KEYS)).toMatchObject({
      ok: false,
      brokenAt: { seq: 4, reason: 'unknown key' },
    })
    const sameId = chain(5).map((r) => r)
    const fake = { ...KEY, key: Buffer.alloc(32, 9) }
    sameId[3] = { ...sameId[3]!, hash: linkRecord(fake, sameId[3]!.prevHash, 4, sameId[3]!) }
    expect(verifyChain(sameId, KEYS)).toMatchObject({
      ok: false,
      brokenAt: { seq: 4, reason: 'hash mismatch' },
    })
  })

  it('accepts records made before keying only as the beginning, and only as far as a genuine seal', () => {
    const legacy = chain(5, { unkeyed: 2 })
    const seal = makeCheckpoint(NEXT, 'demo', legacy[1]!)
    const sealed = { site: 'demo', seal }
    expect(verifyChain(legacy, KEYS, sealed)).toEqual({ ok: true, records: 5, unkeyed: 2 })
    // Unsealed, an unkeyed beginning is what anyone could have written: a whole chain rewritten
    // with the old formula, say. A seal for another site, or forged, counts as none.
    const forgedSeal = makeCheckpoint(ledgerKey(Buffer.alloc(32, 9)), 'demo', legacy[1]!)
    for (const bounds of [
      undefined,
      { site: 'other', seal },
      { site: 'demo', seal: { ...forgedSeal, keyId: NEXT.id } },
    ])
      expect(verifyChain(legacy, KEYS, bounds)).toMatchObject({
        ok: false,
        brokenAt: { seq: 1, reason: 'unkeyed record without a seal' },
      })
    // Downgrading a keyed record to the old formula is forgery.
    const records = chain(5, { unkeyed: 2 })
    const r = { ...records[3]!, keyId: null, binding: null }
    records[3] = { ...r, hash: hashRecord(r.prevHash, 4, r) }
    expect(verifyChain(records, KEYS, sealed)).toMatchObject({
      ok: false,
      brokenAt: { seq: 4, reason: 'unkeyed record after keyed ones' },
    })
    // Rewriting a sealed record, hashes recomputed, no longer ends where the seal says.
    const early = chain(5, { unkeyed: 2 })
    const e = { ...early[1]!, gpc: true }
    early[1] = { ...e, hash: hashRecord(e.prevHash, 2, e) }
    expect(verifyChain(early, KEYS, sealed)).toMatchObject({
      ok: false,
      brokenAt: { seq: 2, reason: 'seal mismatch' },
    })
    // Records the seal vouched for, cut off the end.
    expect(verifyChain(legacy.slice(0, 1), KEYS, sealed)).toMatchObject({
      ok: false,
      brokenAt: { seq: 2, reason: 'missing record' },
    })
  })

  it('takes an anchor made by the key, or made before keying and sealed', () => {
    const whole = chain(5)
    const kept = whole.slice(2)
    const anchor = makeCheckpoint(KEY, 'demo', whole[1]!)
    expect(verifyChain(kept, KEYS, { site: 'demo', anchor })).toEqual({ ok: true, records: 3, unkeyed: 0 })
    // Records deleted from the beginning with an anchor written by hand.
    const handmade = { seq: 2, hash: whole[1]!.hash, keyId: null, mac: null }
    expect(verifyChain(kept, KEYS, { site: 'demo', anchor: handmade })).toMatchObject({
      brokenAt: { seq: 2, reason: 'anchor not genuine' },
    })
    const seal = makeCheckpoint(KEY, 'demo', handmade)
    expect(verifyChain(kept, KEYS, { site: 'demo', anchor: handmade, seal })).toMatchObject({ ok: true })
    const moved = { ...handmade, seq: 1 }
    expect(verifyChain(whole.slice(1), KEYS, { site: 'demo', anchor: moved, seal })).toMatchObject({
      ok: false,
    })
  })

  it('finds a deleted record', () => {
    const records = chain(5)
    records.splice(1, 1)
    expect(verifyChain(records, KEYS)).toMatchObject({
      ok: false,
      brokenAt: { seq: 2, reason: 'missing record' },
    })
  })

  it('changes the link when any field, the binding or the key changes', () => {
    const base = linkRecord(KEY, GENESIS, 1, fields(1))
    for (const change of [
      { consentId: 'x' },
      { version: 2 },
      { language: 'zh-CN' },
      { receivedAt: 1 },
      { binding: 'other' },
      { binding: null },
    ] as const) {
      expect(linkRecord(KEY, GENESIS, 1, { ...fields(1), ...change })).not.toBe(base)
    }
    expect(linkRecord(KEY, GENESIS, 2, fields(1))).not.toBe(base)
    expect(linkRecord(NEXT, GENESIS, 1, fields(1))).not.toBe(base)
  })

  it('follows the recipes in docs/consent-ledger.md, so auditors can recompute them', () => {
    const f = fields(2)
    const legacy = `["${GENESIS}",1,"demo","c2",1,[true,true,false,false],"banner","en",false,"${'a'.repeat(64)}","Chrome 131 / Linux","2026-11-23T10:00:00.000Z",1700000000002]`
    expect(hashRecord(GENESIS, 1, f)).toBe(createHash('sha256').update(legacy).digest('hex'))
    const keyed = `["precis-ledger-v2","${KEY.id}","${GENESIS}",1,"demo","c2",1,[true,true,false,false],"banner","en",false,"${'a'.repeat(64)}","Chrome 131 / Linux","2026-11-23T10:00:00.000Z",1700000000002,"binding-2"]`
    expect(linkRecord(KEY, GENESIS, 1, f)).toBe(
      createHmac('sha256', Buffer.alloc(32, 1)).update(keyed).digest('hex'),
    )
    expect(KEY.id).toBe(createHash('sha256').update(Buffer.alloc(32, 1)).digest('hex').slice(0, 8))
  })
})
