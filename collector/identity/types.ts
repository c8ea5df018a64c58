import type { StoredEvent } from '../store/event.ts'
import type { Identifier, IdentitySettings } from './rules.ts'
import type { IssuedToken } from './tokens.ts'

/** Identity rules by site id: plain data, so they can travel to a worker thread. */
export type SiteRules = Record<string, IdentitySettings>

export interface ProfileView {
  id: string
  site: string
  identifiers: Identifier[]
  firstSeen: string
  lastSeen: string
  traits: Record<string, unknown>
  /** Recency (days since last seen), frequency (events), orders and monetary value. */
  computed: { recencyDays: number | null; frequency: number; orders: number; monetary: number }
  /** Events by type. */
  counts: Record<string, number>
}

export interface AuditEntry {
  at: string
  action: 'merge' | 'refuse'
  profileId: string
  otherId: string | null
  identifiers: Identifier[]
  messageId: string
  reason: string | null
}

export interface ProfileExport {
  profile: ProfileView
  events: StoredEvent[]
  audit: AuditEntry[]
}

/** Destroys the data keys of erased identifiers (privacy/sealing.ts forgetSubjects). */
export type Shred = (site: string, ids: readonly Identifier[]) => Promise<unknown>

/** What a browser's token reaches (identity/own-data.ts): its device and the site's verified links. */
export interface OwnData {
  identifiers: Identifier[]
  traits: Record<string, unknown>
  firstSeen: string | null
  lastSeen: string | null
  counts: Record<string, number>
  events: StoredEvent[]
  audit: Omit<AuditEntry, 'profileId' | 'otherId'>[]
}

export interface Erasure {
  profileId: string
  events: number
  identifiers: number
  auditEntries: number
}

/**
 * Identity resolution and the person's data, behind the Store. Resolution runs over stored events
 * in arrival order and remembers how far it got, so each event shapes profiles exactly once, even
 * across a crash.
 */
export interface IdentityStore {
  /**
   * Resolves every event stored since the last call under each site's rules (sites not listed get
   * the defaults); resolves to how many events were processed.
   */
  resolveIdentities(settings: SiteRules, now: number): Promise<number>
  /** A profile by its id (also an id merged away), a userId or an anonymousId. */
  findProfile(site: string, key: string, now: number): Promise<ProfileView | undefined>
  /** The profile's newest events. */
  profileEvents(site: string, profileId: string, limit: number): Promise<StoredEvent[]>
  exportProfile(site: string, key: string, now: number): Promise<ProfileExport | undefined>
  /**
   * Deletes every event, identifier, trait, audit entry and derived row of the profile and of
   * everything merged into it, and suppresses its identifiers: later events from them are dropped.
   */
  eraseProfile(site: string, key: string, now: number): Promise<Erasure | undefined>
  /**
   * The data a browser's token reaches: events of its anonymousId, and of the user ids a verified
   * identify linked to it (identity/verification.ts) and their verified devices. Undefined when
   * nothing is stored.
   */
  exportOwn(
    site: string,
    anonymousId: string,
    settings: IdentitySettings,
    now: number,
  ): Promise<OwnData | undefined>
  /**
   * Erases what exportOwn reaches, suppresses those ids, and takes them out of the graph; a
   * profile that keeps other identifiers is folded again from the events it keeps.
   */
  eraseOwn(
    site: string,
    anonymousId: string,
    settings: IdentitySettings,
    now: number,
  ): Promise<{ events: number } | undefined>
  /**
   * A self-service token for this anonymousId (identity/tokens.ts): random, stored only as keyed
   * hashes, live for TOKEN_TTL_MS. Refused (undefined) while a live token exists for the id, so
   * knowing someone's anonymousId is not enough to get one.
   */
  issueToken(site: string, anonymousId: string, now: number): Promise<IssuedToken | undefined>
  /**
   * The messageId of this anonymousId's first stored event (in arrival order): what a browser
   * proves it holds the id with when it asks for a token (routes/rights.ts).
   */
  firstMessageOf(site: string, anonymousId: string): Promise<string | undefined>
  /** Exchanges a live token for a new one (the old one stops working); expiry starts again. */
  renewToken(site: string, token: string, now: number): Promise<IssuedToken | undefined>
  /** The anonymousId a live token (stored, unexpired, unrevoked) was issued for. */
  verifyToken(site: string, token: string, now: number): Promise<string | undefined>
  /** The holder withdraws its token (expired or not); false when no such token is stored. */
  revokeToken(site: string, token: string): Promise<boolean>
  /** Revokes every token of these anonymousIds (erasure); resolves to how many. */
  revokeTokensFor(site: string, anonymousIds: readonly string[]): Promise<number>
  /**
   * Retention for people: deletes the site's profiles last seen before `before` (epoch ms), with
   * their identifiers, the ids merged into them and their audit entries; resolves to how many.
   * Suppressions stay: an erasure must outlive retention.
   */
  expirePeople(site: string, before: number): Promise<number>
  /** Deletes every site's expired tokens (the daily retention job); resolves to how many. */
  deleteExpiredTokens(now: number): Promise<number>
}
