import type { SegmentEvent } from '../../sdk/rules/event-schema.ts'
import type { StoredEvent } from './types.ts'

/** An events table row as both adapters read it. */
export interface EventRow {
  site: string
  message_id: string
  type: StoredEvent['type']
  name: string | null
  user_id: string | null
  anonymous_id: string | null
  timestamp: number
  received_at: number
  payload: string
}

export const fromEventRow = (row: EventRow): StoredEvent => ({
  site: row.site,
  messageId: row.message_id,
  type: row.type,
  name: row.name,
  userId: row.user_id,
  anonymousId: row.anonymous_id,
  timestamp: row.timestamp,
  receivedAt: row.received_at,
  payload: row.payload,
})

const iso = (ms: number) => new Date(ms).toISOString()

/** The Segment event a stored row stands for: envelope columns and JSON body put back together. */
export const toSegmentEvent = (row: StoredEvent) =>
  ({
    type: row.type,
    messageId: row.messageId,
    ...(row.anonymousId === null ? {} : { anonymousId: row.anonymousId }),
    ...(row.userId === null ? {} : { userId: row.userId }),
    ...(row.name === null ? {} : row.type === 'track' ? { event: row.name } : { name: row.name }),
    ...(JSON.parse(row.payload) as object),
    timestamp: iso(row.timestamp),
    receivedAt: iso(row.receivedAt),
  }) as SegmentEvent & {
    messageId: string
    timestamp: string
    receivedAt: string
    originalTimestamp?: string
  }
