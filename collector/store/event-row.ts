import type { SegmentEvent } from '../../sdk/rules/event-schema.ts'
import type { StoredEvent } from './types.ts'

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
