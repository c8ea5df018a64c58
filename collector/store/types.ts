import type { AccessStore } from '../access/types.ts'
import type { AudienceStore } from '../audiences/types.ts'
import type { ConfigStore } from '../config/versions.ts'
import type { DeliveryStore } from '../destinations/types.ts'
import type { ExperimentStore } from '../experiments/types.ts'
import type { IdentityStore, SiteRules } from '../identity/types.ts'
import type { JourneyStore } from '../journeys/types.ts'
import type { ChainCheckpoint, ConsentFields, ConsentRecord, LedgerKey } from '../ledger/chain.ts'
import type { PersonalizationStore } from '../personalization/types.ts'
import type { Pseudonymize } from '../privacy/pseudonyms.ts'
import type { SpendStore } from '../reports/spend.ts'
import type { ReportStore } from '../reports/types.ts'
import type { EventPage, InsertResult, StoredEvent } from './event.ts'

export type { EventPage, InsertResult, StoredEvent } from './event.ts'

/** Consent ids counted by the day (UTC) and source of their latest record. */
export interface ConsentStatsRow {
  /** YYYY-MM-DD */
  day: string
  source: ConsentRecord['source']
  /** Consent ids (one per browser) counted here. */
  visitors: number
  /** Of them, those granting each optional purpose. */
  analytics: number
  personalization: number
  marketing: number
  /** Every optional purpose granted; none of them. */
  acceptAll: number
  rejectAll: number
  /** Sent with Global Privacy Control on. */
  gpc: number
}

/**
 * Storage behind the collector. Every adapter passes the contract suite in contract.ts.
 * Methods are async so network-backed adapters fit; an adapter on a synchronous driver just resolves.
 */
export interface Store
  extends IdentityStore,
    PersonalizationStore,
    ExperimentStore,
    ConfigStore,
    AccessStore,
    ReportStore,
    SpendStore,
    DeliveryStore,
    JourneyStore,
    AudienceStore {
  /**
   * Stores all rows or none (one transaction), idempotent on (site, messageId). Events carrying an
   * erased person's identifier (by the sites' identity `rules`: which traits identify) are dropped
   * before the write and counted as inserted (identity/suppression.ts).
   */
  insertEvents(rows: readonly StoredEvent[], rules?: SiteRules): Promise<InsertResult>
  /**
   * The rows as a reader needs them: declared personal values, sealed at rest, opened (null where
   * the person's key was destroyed). Only for answers to authorized readers.
   */
  revealEvents(rows: readonly StoredEvent[], rules: SiteRules): Promise<StoredEvent[]>
  /**
   * The site's pseudonym function for user and anonymous ids (privacy/pseudonyms.ts): what the
   * collector stores and looks up instead of the ids (identity/pseudonymous-store.ts applies it).
   */
  pseudonyms(site: string): Promise<Pseudonymize>
  /** A profile's traits opened the same way. */
  revealTraits(
    site: string,
    traits: Record<string, unknown>,
    rules: SiteRules,
  ): Promise<Record<string, unknown>>
  /** Deletes the site's events that happened before `before` (epoch ms); resolves to how many. */
  deleteEventsBefore(site: string, before: number): Promise<number>
  /** Newest first (by receivedAt, then arrival order). */
  listEvents(site: string, options: { limit: number }): Promise<EventPage>
  /**
   * Appends a proof-of-consent record to its site's hash chain. Appends to one site are
   * serialized: seq has no gaps and each record links to the one before, whatever the concurrency.
   */
  appendConsent(fields: ConsentFields, key: LedgerKey): Promise<ConsentRecord>
  /** A consent id's records, oldest first. */
  consentHistory(site: string, consentId: string): Promise<ConsentRecord[]>
  /** Every record of a site, in seq order (to verify the chain). */
  consentChain(site: string): Promise<ConsentRecord[]>
  /** Where the site's chain starts after retention pruned its beginning (verifyChain's anchor). */
  consentAnchor(site: string): Promise<ChainCheckpoint | undefined>
  /**
   * Consent retention: deletes the longest beginning of the site's chain received before `before`
   * (epoch ms), recording the last deleted record's seq and hash, keyed with `key`, as the chain's
   * anchor, so what is kept still verifies; resolves to how many records went.
   */
  pruneConsent(site: string, before: number, key: LedgerKey): Promise<number>
  /** The seal that vouches for the site's records linked before the chain was keyed. */
  consentSeal(site: string): Promise<ChainCheckpoint | undefined>
  /** Keeps the site's seal (replacing an earlier one). */
  sealConsent(site: string, seal: ChainCheckpoint): Promise<void>
  /**
   * Each consent id's latest record before `until` (epoch ms), if received from `since` on,
   * summed per UTC day of that record and source (SQLite: store/sqlite/consent-stats.ts).
   */
  consentStats(site: string, window: { since: number; until: number }): Promise<ConsentStatsRow[]>
  close(): Promise<void>
}
