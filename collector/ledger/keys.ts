// The keys that link the consent ledger (docs/consent-ledger.md): one current key makes new links,
// older ones stay in the keyring so records they linked still verify after a rotation.
import { masterKey } from '../privacy/crypto.ts'
import type { LedgerKey } from './chain.ts'

export interface LedgerKeyring {
  readonly current: LedgerKey
  readonly byId: ReadonlyMap<string, LedgerKey>
}

/** A ledger key from 32 bytes; its id (first 8 hex digits of its SHA-256) goes into each record. */
export const ledgerKey = (key: Buffer): LedgerKey => masterKey(key)

export const ledgerKeyring = (current: LedgerKey, previous: readonly LedgerKey[] = []): LedgerKeyring => ({
  current,
  byId: new Map([...previous, current].map((k) => [k.id, k])),
})
