// The Store contract: every adapter runs this suite (see sqlite.test.ts). Import it from a
// *.test.ts file with a factory that returns a fresh, empty store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifySite } from '../../collector/ledger/audit.ts'
import { bindingOf, ConsentProofError } from '../../collector/ledger/binding.ts'
import { type ConsentFields, makeCheckpoint, verifyChain } from '../../collector/ledger/chain.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import { TEST_LEDGER_KEY, TEST_LEDGER_KEYRING, TEST_LEDGER_KEYS } from '../support/ledger-keys.ts'

export const makeRow = (overrides: Partial<StoredEvent> = {}): StoredEvent => {
  const messageId = overrides.messageId ?? `m-${Math.random().toString(36).slice(2)}`
  return {
    site: 'demo',
    messageId,
    type: 'track',
    name: 'Signed Up',
    userId: null,
    anonymousId: 'anon-1',
    timestamp: 1_700_000_000_000,
    receivedAt: 1_700_000_000_500,
    payload: JSON.stringify({ type: 'track', event: 'Signed Up', messageId }),
    ...overrides,
  }
}

export { TEST_LEDGER_KEY, TEST_LEDGER_KEYS }

const KEY = TEST_LEDGER_KEY

/** A record's fields; its binding is that of a secret named after its consent id. */
export const consentFields = (overrides: Partial<ConsentFields> = {}): ConsentFields => {
  const fields = { ...CONSENT_DEFAULTS, ...overrides }
  return { binding: bindingOf(`secret-of-${fields.consentId}`), ...fields }
}

const CONSENT_DEFAULTS: Omit<ConsentFields, 'binding'> = {
  site: 'demo',
  consentId: 'consent-1',
  version: 1,
  purposes: { necessary: true, analytics: true, personalization: false, marketing: false },
  source: 'banner',
  language: 'en',
  gpc: false,
  textHash: 'f'.repeat(64),
  userAgent: 'Chrome 131 / Linux',
  clientTime: '2026-11-23T10:00:00.000Z',
  receivedAt: 1_700_000_000_000,
}

export const describeStoreContract = (name: string, open: () => Promise<Store>) => {
  describe(`Store contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('stores rows and returns them intact', async () => {
      const row = makeRow({ userId: 'u1', name: 'Order Completed', payload: '{"a":[1,"ü"]}' })
      expect(await store.insertEvents([row])).toEqual({ inserted: 1, duplicates: 0 })
      const page = await store.listEvents('demo', { limit: 10 })
      expect(page).toEqual({ events: [row], total: 1 })
    })

    it('is idempotent on (site, messageId) across calls', async () => {
      const row = makeRow({ messageId: 'same' })
      await store.insertEvents([row])
      const again = await store.insertEvents([{ ...row, payload: '{"changed":true}' }, makeRow()])
      expect(again).toEqual({ inserted: 1, duplicates: 1 })
      const page = await store.listEvents('demo', { limit: 10 })
      expect(page.total).toBe(2)
      // The first write wins: a retry never rewrites what was stored.
      expect(page.events.find((e) => e.messageId === 'same')?.payload).toBe(row.payload)
    })

    it('is idempotent within one batch', async () => {
      const row = makeRow({ messageId: 'twice' })
      expect(await store.insertEvents([row, row])).toEqual({ inserted: 1, duplicates: 1 })
      expect((await store.listEvents('demo', { limit: 10 })).total).toBe(1)
    })

    it('keeps the same messageId apart on different sites', async () => {
      await store.insertEvents([makeRow({ messageId: 'x' }), makeRow({ messageId: 'x', site: 'other' })])
      expect((await store.listEvents('demo', { limit: 10 })).total).toBe(1)
      expect((await store.listEvents('other', { limit: 10 })).total).toBe(1)
    })

    it('lists newest first, limited, with the total of the site', async () => {
      const rows = [3, 1, 2].map((n) => makeRow({ messageId: `r${n}`, receivedAt: 1_000 * n }))
      await store.insertEvents(rows)
      await store.insertEvents([makeRow({ messageId: 'r4', receivedAt: 3_000 })])
      const page = await store.listEvents('demo', { limit: 3 })
      // r4 and r3 share a receivedAt: the one stored later comes first.
      expect(page.events.map((e) => e.messageId)).toEqual(['r4', 'r3', 'r2'])
      expect(page.total).toBe(4)
      expect(await store.listEvents('nobody', { limit: 3 })).toEqual({ events: [], total: 0 })
    })

    it('writes a batch whole or not at all', async () => {
      await store.insertEvents([makeRow({ messageId: 'before' })])
      // A row the storage must refuse (NOT NULL) in the middle of a batch.
      const broken = { ...makeRow(), payload: null } as unknown as StoredEvent
      await expect(store.insertEvents([makeRow({ messageId: 'a' }), broken, makeRow()])).rejects.toThrow()
      const page = await store.listEvents('demo', { limit: 10 })
      expect(page.events.map((e) => e.messageId)).toEqual(['before'])
    })

    it('appends consent records to a hash chain per site and reads them back', async () => {
      const first = await store.appendConsent(consentFields(), TEST_LEDGER_KEY)
      const second = await store.appendConsent(
        consentFields({ purposes: { ...consentFields().purposes, analytics: false } }),
        TEST_LEDGER_KEY,
      )
      await store.appendConsent(consentFields({ site: 'other' }), TEST_LEDGER_KEY)
      await store.appendConsent(consentFields({ consentId: 'consent-2' }), TEST_LEDGER_KEY)
      expect([first.seq, second.seq]).toEqual([1, 2])
      expect(second.prevHash).toBe(first.hash)
      const history = await store.consentHistory('demo', 'consent-1')
      expect(history).toEqual([first, second])
      expect(history[1]?.purposes.analytics).toBe(false)
      expect((await store.consentChain('other')).map((r) => r.seq)).toEqual([1])
      expect(verifyChain(await store.consentChain('demo'), TEST_LEDGER_KEYS)).toEqual({
        ok: true,
        records: 3,
        unkeyed: 0,
      })
      expect(await store.consentHistory('demo', 'nobody')).toEqual([])
    })

    it('binds a consent id to the first secret that proves it, and refuses any other, whatever the concurrency', async () => {
      const mine = consentFields({ binding: bindingOf('mine') })
      const theirs = consentFields({ binding: bindingOf('theirs') })
      const answers = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.appendConsent(i % 2 ? theirs : mine, TEST_LEDGER_KEY)),
      )
      const kept = await store.consentHistory('demo', 'consent-1')
      // Whichever came first bound the id: every record of it carries that binding, the rest failed.
      expect(new Set(kept.map((r) => r.binding)).size).toBe(1)
      expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(kept.length)
      for (const a of answers) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(ConsentProofError)
      expect(kept.length).toBe(5)
      // Another id is not affected; the same secret on another site binds there anew.
      await store.appendConsent(consentFields({ consentId: 'consent-2' }), TEST_LEDGER_KEY)
      await store.appendConsent({ ...theirs, site: 'other' }, TEST_LEDGER_KEY)
      expect(verifyChain(await store.consentChain('demo'), TEST_LEDGER_KEYS)).toMatchObject({
        ok: true,
        records: 6,
      })
    })

    it('leaves no trace of an append the storage refuses', async () => {
      const first = await store.appendConsent(consentFields(), TEST_LEDGER_KEY)
      // A record the storage must refuse (NOT NULL): neither it nor its seq may stay behind.
      const broken = { ...consentFields(), consentId: null } as unknown as ConsentFields
      await expect(store.appendConsent(broken, TEST_LEDGER_KEY)).rejects.toThrow()
      const next = await store.appendConsent(consentFields(), TEST_LEDGER_KEY)
      expect([next.seq, next.prevHash]).toEqual([2, first.hash])
      expect(verifyChain(await store.consentChain('demo'), TEST_LEDGER_KEYS)).toEqual({
        ok: true,
        records: 2,
        unkeyed: 0,
      })
      expect(await store.consentHistory('other', 'consent-1')).toEqual([])
    })

    it('prunes the beginning of a chain past retention; what is kept still verifies, from its anchor', async () => {
      const at = (day: number, consentId = `c${day}`) =>
        store.appendConsent(
          consentFields({ consentId, receivedAt: 1_700_000_000_000 + day * 86_400_000 }),
          TEST_LEDGER_KEY,
        )
      for (const day of [1, 2, 3, 10, 11]) await at(day)
      await store.appendConsent(
        consentFields({ site: 'other', receivedAt: 1_700_000_000_000 }),
        TEST_LEDGER_KEY,
      )
      const prune = (days: number) => store.pruneConsent('demo', 1_700_000_000_000 + days * 86_400_000, KEY)
      expect(await store.consentAnchor('demo')).toBeUndefined()
      expect(await prune(5)).toBe(3)
      const chain = await store.consentChain('demo')
      const anchor = (await store.consentAnchor('demo'))!
      expect(chain.map((r) => r.seq)).toEqual([4, 5])
      expect(anchor).toEqual(makeCheckpoint(KEY, 'demo', { seq: 3, hash: chain[0]!.prevHash }))
      expect(await verifySite(store, 'demo', TEST_LEDGER_KEYRING)).toEqual({
        site: 'demo',
        ok: true,
        records: 2,
        unkeyed: 0,
        prunedThrough: 3,
      })
      // Without its anchor the pruned chain does not pass for a whole one; a forged one fails.
      expect(verifyChain(chain, TEST_LEDGER_KEYS).ok).toBe(false)
      const forged = { ...anchor, mac: anchor.mac!.replace(/^./, (c) => (c === '0' ? '1' : '0')) }
      expect(verifyChain(chain, TEST_LEDGER_KEYS, { site: 'demo', anchor: forged })).toMatchObject({
        brokenAt: { seq: 3, reason: 'anchor not genuine' },
      })
      // Nothing else is touched; a second run with nothing to prune changes nothing.
      expect(await prune(5)).toBe(0)
      expect((await store.consentChain('other')).length).toBe(1)
      expect(await store.consentHistory('demo', 'c1')).toEqual([])
      // Appends go on from the kept head; pruning again moves the anchor.
      await at(20)
      expect(await prune(15)).toBe(2)
      expect(await store.consentAnchor('demo')).toMatchObject({ seq: 5, keyId: KEY.id })
      expect(await verifySite(store, 'demo', TEST_LEDGER_KEYRING)).toMatchObject({ ok: true, records: 1 })
    })

    it('keeps one seal per site; a later one replaces it', async () => {
      expect(await store.consentSeal('demo')).toBeUndefined()
      const first = makeCheckpoint(KEY, 'demo', await store.appendConsent(consentFields(), KEY))
      await store.sealConsent('demo', first)
      await store.sealConsent('demo', first)
      expect(await store.consentSeal('demo')).toEqual(first)
      expect(await store.consentSeal('other')).toBeUndefined()
      const later = makeCheckpoint(KEY, 'demo', await store.appendConsent(consentFields(), KEY))
      await store.sealConsent('demo', later)
      expect(await store.consentSeal('demo')).toEqual(later)
      expect(await verifySite(store, 'demo', TEST_LEDGER_KEYRING)).toMatchObject({
        ok: true,
        sealedThrough: 2,
      })
    })

    it('keeps the chain linear under concurrent appends', async () => {
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.appendConsent(consentFields({ consentId: `c${i}` }), TEST_LEDGER_KEY),
        ),
      )
      expect(appended.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      )
      expect(verifyChain(await store.consentChain('demo'), TEST_LEDGER_KEYS)).toEqual({
        ok: true,
        records: 50,
        unkeyed: 0,
      })
    })
  })
}
