// The KeyStore contract: every adapter runs this suite (sqlite-keys.test.ts, postgres-keys.test.ts).
// Import it from a *.test.ts file with a factory for a harness over fresh, empty storage.
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CryptoError,
  decryptValue,
  encryptValue,
  envelopeKeyId,
  keyAad,
  masterKey,
  type RandomBytes,
  unwrapKey,
} from '../../collector/privacy/crypto.ts'
import type { KeyRow, KeyStore, KeyStoreOptions } from '../../collector/privacy/keys.ts'

export interface KeyStoreHarness {
  /** Another store on the same storage (the same file, the same schema), as another collector. */
  open(options: KeyStoreOptions): Promise<KeyStore>
  /** Every stored row, read past the store. */
  rows(): Promise<KeyRow[]>
  /** Drops the storage; stores opened through `open` are closed first by the suite. */
  cleanup(): Promise<void>
}

export const MASTER_A = masterKey(Buffer.alloc(32, 0xa1))
export const MASTER_B = masterKey(Buffer.alloc(32, 0xb2))

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

export const describeKeyStoreContract = (name: string, makeHarness: () => Promise<KeyStoreHarness>) => {
  describe(`KeyStore contract: ${name}`, () => {
    let harness: KeyStoreHarness
    let opened: KeyStore[]
    const open = async (options: KeyStoreOptions) => {
      const store = await harness.open(options)
      opened.push(store)
      return store
    }
    beforeEach(async () => {
      harness = await makeHarness()
      opened = []
    })
    afterEach(async () => {
      for (const store of opened) await store.close()
      await harness.cleanup()
    })

    it('gives a subject the same key every time, and each subject and site its own', async () => {
      const store = await open({ master: MASTER_A })
      const first = await store.keyFor('demo', 'subject-1')
      expect(first.key).toHaveLength(32)
      expect(await store.keyFor('demo', 'subject-1')).toEqual(first)
      expect(await store.keyById('demo', first.id)).toEqual(first)
      const other = await store.keyFor('demo', 'subject-2')
      const otherSite = await store.keyFor('shop', 'subject-1')
      expect(new Set([first.id, other.id, otherSite.id]).size).toBe(3)
      expect(first.key.equals(other.key) || first.key.equals(otherSite.key)).toBe(false)
      // An id is looked up within its site only.
      expect(await store.keyById('shop', first.id)).toBeUndefined()
      // Another collector (a second store on the same storage) sees the same keys.
      const again = await open({ master: MASTER_A })
      expect(await again.keyFor('demo', 'subject-1')).toEqual(first)
      const many = await again.keysFor('demo', ['subject-1', 'subject-2', 'subject-3', 'subject-1'])
      expect([...many.keys()].sort()).toEqual(['subject-1', 'subject-2', 'subject-3'])
      expect(many.get('subject-2')).toEqual(other)
      const byId = await again.keysById('demo', [first.id, other.id, 'unknown-id'])
      expect([...byId.keys()].sort()).toEqual([first.id, other.id].sort())
      expect(await again.keysById('demo', [])).toEqual(new Map())
      expect(await again.keysFor('demo', [])).toEqual(new Map())
      expect((await harness.rows()).length).toBe(4)
    })

    it('makes one key when many callers ask for the same new subjects at once, from two stores', async () => {
      const [a, b] = [await open({ master: MASTER_A }), await open({ master: MASTER_A })]
      const subjects = Array.from({ length: 20 }, (_, i) => `new-subject-${i}`)
      const calls = subjects.flatMap((subject, i) =>
        Array.from({ length: 10 }, (_, j) => ((i + j) % 2 === 0 ? a : b).keyFor('demo', subject)),
      )
      const batches = [a.keysFor('demo', subjects), b.keysFor('demo', [...subjects].reverse())]
      const [keys, maps] = await Promise.all([Promise.all(calls), Promise.all(batches)])
      for (const [i, subject] of subjects.entries()) {
        const forSubject = [...keys.slice(i * 10, i * 10 + 10), ...maps.map((m) => m.get(subject)!)]
        expect(new Set(forSubject.map((k) => k.id)).size).toBe(1)
        expect(new Set(forSubject.map((k) => k.key.toString('hex'))).size).toBe(1)
      }
      expect((await harness.rows()).length).toBe(20)
    })

    it('destroys keys: keyById is undefined after, and keyFor makes a new key', async () => {
      const store = await open({ master: MASTER_A })
      const other = await open({ master: MASTER_A })
      const key = await store.keyFor('demo', 'erase-me')
      const kept = await store.keyFor('demo', 'keep-me')
      const sameSubjectOtherSite = await store.keyFor('shop', 'erase-me')
      const envelope = encryptValue(key, 'ada@example.com', 'demo/email')
      expect(await other.keyById('demo', envelopeKeyId(envelope)!)).toEqual(key)

      expect(await store.destroy('demo', ['erase-me', 'erase-me', 'never-had-a-key'])).toBe(1)
      expect(await store.keyById('demo', key.id)).toBeUndefined()
      // Destroyed by another collector: not served from anywhere either.
      expect(await other.keyById('demo', key.id)).toBeUndefined()
      expect(await other.keysById('demo', [key.id, kept.id])).toEqual(new Map([[kept.id, kept]]))
      expect(await store.destroy('demo', ['erase-me'])).toBe(0)
      expect(await store.destroy('demo', [])).toBe(0)

      const renewed = await other.keyFor('demo', 'erase-me')
      expect(renewed.id).not.toBe(key.id)
      expect(renewed.key.equals(key.key)).toBe(false)
      expect(() => decryptValue(renewed, envelope, 'demo/email')).toThrow(CryptoError)
      expect(await store.keyFor('demo', 'keep-me')).toEqual(kept)
      expect(await store.keyFor('shop', 'erase-me')).toEqual(sameSubjectOtherSite)
    })

    it('rewraps every key under a new master: the old one no longer opens them, values still decrypt', async () => {
      const store = await open({ master: MASTER_A })
      const subjects = Array.from({ length: 23 }, (_, i) => `s${i}`)
      const keys = await store.keysFor('demo', subjects)
      const envelopes = subjects.map((s) => encryptValue(keys.get(s)!, { email: `${s}@example.com` }, s))

      // Batches of 7: several transactions, the last one partial.
      expect(await store.rewrap(MASTER_B, { batch: 7 })).toBe(23)
      expect(await store.rewrap(MASTER_B, { batch: 7 })).toBe(0)
      const rows = await harness.rows()
      expect(rows.map((r) => r.masterId)).toEqual(subjects.map(() => MASTER_B.id))
      for (const row of rows) {
        const aad = keyAad(row.site, row.subject, row.id)
        const wrapped = { masterId: row.masterId, bytes: row.wrapped }
        expect(unwrapKey(MASTER_B, wrapped, aad)).toEqual(keys.get(row.subject)!.key)
        expect(() => unwrapKey(MASTER_A, wrapped, aad)).toThrow(/wrapped by master/)
        // Even told the right id, the old master's bytes do not open the new wrapping.
        const impostor = { id: MASTER_B.id, key: MASTER_A.key }
        expect(() => unwrapKey(impostor, wrapped, aad)).toThrow(/not authentic/)
      }
      // A collector still on the old master alone is refused, with the reason.
      const stale = await open({ master: MASTER_A })
      const err = await rejection(stale.keyById('demo', keys.get('s0')!.id))
      expect(err).toBeInstanceOf(CryptoError)
      expect((err as CryptoError).code).toBe('master-mismatch')
      // The new master alone opens everything encrypted before the rotation.
      const rotated = await open({ master: MASTER_B })
      for (const [i, subject] of subjects.entries()) {
        const key = (await rotated.keyById('demo', envelopeKeyId(envelopes[i])!))!
        expect(decryptValue(key, envelopes[i]!, subject)).toEqual({ email: `${subject}@example.com` })
      }
      // The store that rotated now wraps new keys with the new master.
      await store.keyFor('demo', 'after-rotation')
      expect((await harness.rows()).find((r) => r.subject === 'after-rotation')?.masterId).toBe(MASTER_B.id)
    })

    it('resumes a rotation stopped half-way, reading keys under either master meanwhile', async () => {
      const store = await open({ master: MASTER_A })
      const keys = await store.keysFor(
        'demo',
        Array.from({ length: 12 }, (_, i) => `s${i}`),
      )
      // A crash while wrapping the third batch of 5: randomness fails at the 11th draw (an iv a key).
      let draws = 0
      const failing: RandomBytes = (size) => {
        if (++draws > 10) throw new Error('simulated crash')
        return randomBytes(size)
      }
      const crashing = await open({ master: MASTER_B, previous: [MASTER_A], random: failing })
      expect(await rejection(crashing.rewrap(MASTER_B, { batch: 5 }))).toHaveProperty(
        'message',
        'simulated crash',
      )
      const masters = (await harness.rows()).map((r) => r.masterId)
      expect(masters.filter((m) => m === MASTER_B.id)).toHaveLength(10)
      expect(masters.filter((m) => m === MASTER_A.id)).toHaveLength(2)

      // Mid-rotation, a collector given both masters reads every key.
      const both = await open({ master: MASTER_B, previous: [MASTER_A] })
      const ids = [...keys.values()].map((k) => k.id)
      expect(await both.keysById('demo', ids)).toEqual(new Map([...keys.values()].map((k) => [k.id, k])))
      // Run again: only what is left, then nothing.
      expect(await both.rewrap(MASTER_B, { batch: 5 })).toBe(2)
      expect(await both.rewrap(MASTER_B)).toBe(0)
      const onlyNew = await open({ master: MASTER_B })
      expect(await onlyNew.keysById('demo', ids)).toEqual(new Map([...keys.values()].map((k) => [k.id, k])))
    })

    it('stops a rotation on a key no configured master opens, naming that master', async () => {
      const store = await open({ master: MASTER_A })
      await store.keyFor('demo', 's1')
      const unrelated = masterKey(Buffer.alloc(32, 0xc3))
      const wrongPair = await open({ master: MASTER_B, previous: [unrelated] })
      const err = await rejection(wrongPair.rewrap(MASTER_B))
      expect(err).toBeInstanceOf(CryptoError)
      expect((err as Error).message).toContain(MASTER_A.id)
      expect((await harness.rows())[0]?.masterId).toBe(MASTER_A.id)
    })
  })
}
