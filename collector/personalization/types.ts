import type { Identifier } from '../identity/rules.ts'

/**
 * What segment evaluation may read of a person's events: `track` and `page` events made with the
 * personalization purpose granted (`context.consent.categoryPreferences.personalization: true`) or
 * with no consent stamp at all (server sources, as for analytics). The browser keeps a history only
 * with that purpose; the collector takes the same view of the person, only across their devices.
 */
export interface HistoryRow {
  type: 'track' | 'page'
  /** The track event's name (page names are not used: a page view is `page`). */
  name: string | null
  timestamp: number
  /** `properties` as JSON text, or null. */
  properties: string | null
}

/** The person's latest such event, preferring one made in a browser (it has a page). */
export interface SituationRow {
  type: string
  userId: string | null
  anonymousId: string | null
  timestamp: number
  properties: string | null
  context: string | null
}

/** A profile as segment evaluation needs it. */
export interface ProfileSubject {
  id: string
  traits: Record<string, unknown>
  identifiers: Identifier[]
}

/** Slot events counted by the group their own `variant` property names. */
export interface SlotEventCounts {
  group: string
  impressions: number
  clicks: number
}

/**
 * Late impressions: `Slot Viewed` events with `late: true` (a variant decided after the hiding
 * window, so the visitor saw the baseline: `variant` is `baseline`), by the variant they were
 * decided for (`eligible`; null when it is not a string).
 */
export interface SlotLateCounts {
  eligible: string | null
  late: number
}

/** People by the group of their first impression of the slot (and `eligible`, for the holdout). */
export interface SlotVisitorCounts {
  group: string
  eligible: string | null
  visitors: number
  /** Visitors with a goal event after their first impression; 0 when the slot has no goal. */
  conversions: number
}

/** The reads behind segments and slot results (SQLite: store/sqlite/personalization.ts and its tests). */
export interface PersonalizationStore {
  /** The identifiers' usable events since `since` (epoch ms), newest first, at most `limit`. */
  personalizationHistory(
    site: string,
    identifiers: readonly Identifier[],
    options: { since: number; limit: number },
  ): Promise<HistoryRow[]>
  /**
   * Whether the person's newest consent stamp (any event, any device) withholds personalization:
   * then they are in no segment, whatever their traits say.
   */
  personalizationRefused(site: string, identifiers: readonly Identifier[]): Promise<boolean>
  /** The newest usable event since `since` with a page (a browser's), else the newest at all. */
  latestSituation(
    site: string,
    identifiers: readonly Identifier[],
    since: number,
  ): Promise<SituationRow | undefined>
  /** Up to `limit` profiles of the site in id order, after the id `after` (all when undefined). */
  profilePage(site: string, after: string | undefined, limit: number): Promise<ProfileSubject[]>
  /**
   * For each segment key that events received since `since` carried in `context.segments` (what
   * browsers reported), how many distinct anonymousIds carried it.
   */
  segmentVisitors(site: string, since: number): Promise<Record<string, number>>
  /** `Slot Viewed` and `Slot Clicked` events of the slot, by their `variant`. */
  slotEventCounts(site: string, slot: string): Promise<SlotEventCounts[]>
  /** The slot's late impressions (`late: true`, shown as `baseline`), by their `eligible`. */
  slotLateCounts(site: string, slot: string): Promise<SlotLateCounts[]>
  /** People who saw the slot, by first-impression group, and how many reached `goal` after it. */
  slotVisitors(site: string, slot: string, goal: string | undefined): Promise<SlotVisitorCounts[]>
}
