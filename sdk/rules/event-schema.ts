// The one event schema: the collector validates with it, the SDK takes its types from it
// (type-only imports, so zod never reaches the script-tag bundle).
import { z } from 'zod'

export const LIMITS = {
  /** Bytes of one event as stored (JSON, UTF-8). */
  eventBytes: 32 * 1024,
  /** Bytes of one request body. */
  requestBytes: 500 * 1024,
  /** Characters of a messageId; long enough for any UUID/ULID scheme, short enough to index. */
  messageIdLength: 128,
  /** Characters of userId, anonymousId, groupId, previousId. */
  idLength: 256,
  /** Characters of an event or page name. */
  nameLength: 200,
} as const

export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
export type EventType = (typeof EVENT_TYPES)[number]

const id = z.string().trim().min(1, 'must not be empty').max(LIMITS.idLength)
const name = z.string().trim().min(1, 'must not be empty').max(LIMITS.nameLength)
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
const dict = z.record(z.string(), z.unknown())

const common = {
  messageId: z.string().min(1, 'must not be empty').max(LIMITS.messageIdLength).optional(),
  anonymousId: id.nullish(),
  userId: id.nullish(),
  timestamp: isoTime.optional(),
  /** Segment clients may stamp sentAt per event as well as per batch. */
  sentAt: isoTime.optional(),
  context: dict.optional(),
  integrations: dict.optional(),
}

const needsIdentity = (e: { userId?: string | null; anonymousId?: string | null }) =>
  Boolean(e.userId || e.anonymousId)
const identityMessage = { message: 'userId or anonymousId is required', path: ['userId'] }

export const trackSchema = z
  .object({ ...common, type: z.literal('track'), event: name, properties: dict.optional() })
  .refine(needsIdentity, identityMessage)
export const pageSchema = z
  .object({
    ...common,
    type: z.literal('page'),
    name: name.optional(),
    category: name.optional(),
    properties: dict.optional(),
  })
  .refine(needsIdentity, identityMessage)
export const screenSchema = z
  .object({ ...common, type: z.literal('screen'), name: name.optional(), properties: dict.optional() })
  .refine(needsIdentity, identityMessage)
export const identifySchema = z
  .object({ ...common, type: z.literal('identify'), traits: dict.optional() })
  .refine(needsIdentity, identityMessage)
export const groupSchema = z
  .object({ ...common, type: z.literal('group'), groupId: id, traits: dict.optional() })
  .refine(needsIdentity, identityMessage)
// Segment's alias names the new id userId and the old one previousId; both are required.
export const aliasSchema = z.object({ ...common, type: z.literal('alias'), userId: id, previousId: id })

export const eventSchema = z.discriminatedUnion('type', [
  trackSchema,
  pageSchema,
  screenSchema,
  identifySchema,
  groupSchema,
  aliasSchema,
])

/** The batch envelope of Segment's HTTP Tracking API. Events are validated one by one afterwards. */
export const batchSchema = z.object({
  batch: z.array(z.unknown()).min(1, 'must hold at least one event'),
  sentAt: isoTime.optional(),
  writeKey: z.string().optional(),
})

/** The single-event routes (/v1/track, ...) carry the write key and sentAt beside the event. */
export const singleEnvelopeSchema = z.object({
  writeKey: z.string().optional(),
  sentAt: isoTime.optional(),
})

export type SegmentEvent = z.infer<typeof eventSchema>
export type Batch = z.infer<typeof batchSchema>
