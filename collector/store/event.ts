// The event as the collector stores it, and what a write or a page of reads answers: the types the
// store, identity and ingest all speak, in a module that imports none of them.
import type { EventType } from '../../sdk/rules/event-schema.ts'

/**
 * One event as the collector keeps it: the envelope in columns, the body as JSON.
 * toSegmentEvent() (event-row.ts) puts the two back together.
 */
export interface StoredEvent {
  site: string
  messageId: string
  type: EventType
  /** The track event's name, or the page/screen name. */
  name: string | null
  userId: string | null
  anonymousId: string | null
  /** Corrected event time, epoch ms: receivedAt - (sentAt - timestamp) when the client sent both. */
  timestamp: number
  /** When the collector received it, epoch ms. */
  receivedAt: number
  /**
   * The rest of the event as JSON text: properties, traits, context, integrations, category,
   * groupId, previousId, and the client's own originalTimestamp and sentAt.
   */
  payload: string
}

export interface InsertResult {
  inserted: number
  /** Events whose (site, messageId) was already stored: acknowledged, not stored again. */
  duplicates: number
}

export interface EventPage {
  events: StoredEvent[]
  /** Every stored event of the site, not only this page. */
  total: number
}
