// What an auditor asks of a site's ledger, over the store: does the chain verify (with its
// anchor and seal), and, once after upgrading from unkeyed links, seal what it held then.
import type { Store } from '../store/types.ts'
import { type ChainBounds, makeCheckpoint, verifyChain } from './chain.ts'
import type { LedgerKeyring } from './keys.ts'

type LedgerReader = Pick<Store, 'consentChain' | 'consentAnchor' | 'consentSeal'>

const readChain = async (store: LedgerReader, site: string) => {
  const [records, anchor, seal] = await Promise.all([
    store.consentChain(site),
    store.consentAnchor(site),
    store.consentSeal(site),
  ])
  return { records, bounds: { site, anchor, seal } satisfies ChainBounds }
}

/** The verdict on a site's chain, with where it starts and what its seal covers. */
export const verifySite = async (store: LedgerReader, site: string, keys: LedgerKeyring) => {
  const { records, bounds } = await readChain(store, site)
  return {
    site,
    ...verifyChain(records, keys.byId, bounds),
    ...(bounds.anchor ? { prunedThrough: bounds.anchor.seq } : {}),
    ...(bounds.seal ? { sealedThrough: bounds.seal.seq } : {}),
  }
}

export type SealOutcome =
  | { site: string; sealed: false; reason: 'nothing unkeyed' | 'does not verify'; verdict?: unknown }
  | { site: string; sealed: true; through: number }

/**
 * Seals the records a site's chain held before it was keyed (and an unkeyed anchor): a keyed
 * checkpoint on the last of them, made only if the chain verifies with it. Run by the operator
 * once after upgrading (`npm run ledger -- seal`), never by the collector on its own: a chain
 * rewritten in the database with unkeyed links must not get sealed by a restart.
 */
export const sealLegacy = async (
  store: LedgerReader & Pick<Store, 'sealConsent'>,
  site: string,
  keys: LedgerKeyring,
): Promise<SealOutcome> => {
  const { records, bounds } = await readChain(store, site)
  const lastUnkeyed = records.filter((r) => r.keyId === null).at(-1)
  const legacyAnchor = bounds.anchor?.keyId === null ? bounds.anchor : undefined
  const at = lastUnkeyed ?? legacyAnchor
  if (!at) return { site, sealed: false, reason: 'nothing unkeyed' }
  const seal = makeCheckpoint(keys.current, site, at)
  const verdict = verifyChain(records, keys.byId, { ...bounds, seal })
  if (!verdict.ok) return { site, sealed: false, reason: 'does not verify', verdict }
  await store.sealConsent(site, seal)
  return { site, sealed: true, through: seal.seq }
}
