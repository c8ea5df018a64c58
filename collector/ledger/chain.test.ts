import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type ConsentFields, type ConsentRecord, GENESIS, hashRecord, verifyChain } from './chain.ts'

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
})

const chain = (length: number) => {
  const records: ConsentRecord[] = []
  let prevHash = GENESIS
  for (let seq = 1; seq <= length; seq++) {
    const hash = hashRecord(prevHash, seq, fields(seq))
    records.push({ ...fields(seq), seq, prevHash, hash })
    prevHash = hash
  }
  return records
}

describe('consent chain', () => {
  it('verifies an intact chain, and an empty one', () => {
    expect(verifyChain(chain(5))).toEqual({ ok: true, records: 5 })
    expect(verifyChain([])).toEqual({ ok: true, records: 0 })
  })

  it('finds an edited record by its hash', () => {
    const records = chain(5)
    records[2] = { ...records[2]!, purposes: { ...records[2]!.purposes, marketing: true } }
    expect(verifyChain(records)).toMatchObject({ ok: false, brokenAt: { seq: 3, reason: 'hash mismatch' } })
  })

  it('finds an edited record even when its hash was recomputed, at the next link', () => {
    const records = chain(5)
    const edited = { ...records[1]!, gpc: true }
    records[1] = { ...edited, hash: hashRecord(edited.prevHash, 2, edited) }
    expect(verifyChain(records)).toMatchObject({ ok: false, brokenAt: { seq: 3, reason: 'link mismatch' } })
  })

  it('finds a deleted record', () => {
    const records = chain(5)
    records.splice(1, 1)
    expect(verifyChain(records)).toMatchObject({ ok: false, brokenAt: { seq: 2, reason: 'missing record' } })
  })

  it('changes the hash when any field changes', () => {
    const base = hashRecord(GENESIS, 1, fields(1))
    for (const change of [
      { consentId: 'x' },
      { version: 2 },
      { language: 'zh-CN' },
      { receivedAt: 1 },
    ] as const) {
      expect(hashRecord(GENESIS, 1, { ...fields(1), ...change })).not.toBe(base)
    }
    expect(hashRecord(GENESIS, 2, fields(1))).not.toBe(base)
  })

  it('follows the recipe in the README, so auditors can recompute it', () => {
    const f = fields(2)
    const text = `["${GENESIS}",1,"demo","c2",1,[true,true,false,false],"banner","en",false,"${'a'.repeat(64)}","Chrome 131 / Linux","2026-11-23T10:00:00.000Z",1700000000002]`
    expect(hashRecord(GENESIS, 1, f)).toBe(createHash('sha256').update(text).digest('hex'))
  })
})
