import { type EventType, eventSchema, LIMITS, type SegmentEvent } from '../../sdk/rules/event-schema.ts'
import type { Enricher } from '../enrich/enrich.ts'
import { verifiedContext } from '../identity/verification.ts'
import type { StoredEvent } from '../store/event.ts'
import { clickIdsByConsent } from './click-ids.ts'

export interface Rejection {
  /** Position of the event in the request's batch. */
  index: number
  messageId?: string
  code: 'invalid_event' | 'event_too_large' | 'consent_required' | 'bot_traffic'
  message: string
  path: string
}

export interface NormalizeContext {
  site: string
  receivedAt: number
  /** sentAt of the whole request, used when an event has none of its own. */
  sentAt?: string | undefined
  /** Makes a messageId for clients that sent none (Segment allows it; such events cannot be deduplicated). */
  newId: () => string
  /** Forces the event type (single-event routes take it from the path). */
  type?: EventType
  /**
   * The request was made with the site's secret server key: events without a consent stamp are
   * taken (a server has its own legal basis). With the public write key every event needs one.
   */
  server?: boolean
  /** Prefix for error paths, e.g. "batch[3]". */
  pathPrefix?: string
  /** Derives the context the client is not trusted with (collector/enrich): agent, bot, IP, geo. */
  enrich: Enricher
  /** The site refuses bot traffic (bot_traffic) rather than flagging it. */
  dropBots: boolean
  /** The site's identity secret: a `context.userHash` signed with it marks the userId verified. */
  identitySecret?: string | undefined
}

/**
 * Clients' clocks drift. When an event says when it happened and when it was sent, the gap between
 * them is trusted and anchored on the collector's clock: receivedAt - (sentAt - timestamp).
 */
export const correctTimestamp = (receivedAt: number, timestamp?: string, sentAt?: string): number => {
  if (timestamp === undefined) return receivedAt
  const happened = Date.parse(timestamp)
  if (sentAt === undefined) return happened
  return receivedAt - (Date.parse(sentAt) - happened)
}

/**
 * Events need the analytics purpose. The SDK stamps every event with the purposes granted when it
 * was made (Segment's context.consent.categoryPreferences); anything but `analytics: true` there is
 * a refusal, a malformed stamp included. Events with no context.consent at all are refused with the
 * public write key, whatever the headers say, and accepted with the secret server key (Segment
 * server libraries, whose owners have their own basis).
 */
const consented = (event: SegmentEvent, server: boolean) => {
  const consent = event.context?.consent
  if (consent === undefined || consent === null) return server
  const prefs = (consent as { categoryPreferences?: unknown }).categoryPreferences
  return typeof prefs === 'object' && prefs !== null && (prefs as { analytics?: unknown }).analytics === true
}

const nameOf = (event: SegmentEvent): string | null => {
  if (event.type === 'track') return event.event
  if (event.type === 'page' || event.type === 'screen') return event.name ?? null
  return null
}

const joinPath = (prefix: string | undefined, path: PropertyKey[]) =>
  [prefix, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
    .filter(Boolean)
    .join('.')
    .replace(/\.\[/g, '[')

/**
 * JSON.stringify recurses: a body nested some thousand levels deep (a few KB of `[`) overflows the
 * stack. JSON.parse and zod's records do not recurse, so this is where such an event must be refused.
 */
const serialize = (body: object): string | undefined => {
  try {
    return JSON.stringify(body)
  } catch (err) {
    if (err instanceof RangeError) return undefined
    throw err
  }
}

export const NUL_MESSAGE = 'text must not contain the NUL character (\\u0000)'

/**
 * Whether JSON text holds an escaped NUL (and not a literal backslash before "u0000"). PostgreSQL
 * text and jsonb cannot store NUL, so neither adapter is given one: the same input is refused alike.
 */
export const holdsNul = (json: string) => {
  for (let i = json.indexOf('\\u0000'); i !== -1; i = json.indexOf('\\u0000', i + 1)) {
    let slashes = 0
    for (let j = i - 1; json[j] === '\\'; j--) slashes++
    if (slashes % 2 === 0) return true
  }
  return false
}

/** Validates one event and turns it into a row, or explains why not. */
export const normalizeEvent = (
  input: unknown,
  index: number,
  ctx: NormalizeContext,
): { row: StoredEvent } | { rejection: Rejection } => {
  const candidate =
    ctx.type && input && typeof input === 'object' && !Array.isArray(input)
      ? { ...input, type: ctx.type }
      : input
  const parsed = eventSchema.safeParse(candidate)
  const rawId = (input as { messageId?: unknown } | null)?.messageId
  const messageId = typeof rawId === 'string' ? { messageId: rawId } : {}
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return {
      rejection: {
        index,
        ...messageId,
        code: 'invalid_event',
        message: issue.message,
        path: joinPath(ctx.pathPrefix, issue.path),
      },
    }
  }
  const event = clickIdsByConsent(parsed.data)
  if (!consented(event, ctx.server === true)) {
    return {
      rejection: {
        index,
        ...messageId,
        code: 'consent_required',
        message:
          'the event was not made with analytics consent (context.consent.categoryPreferences.analytics)',
        path: joinPath(ctx.pathPrefix, ['context', 'consent']),
      },
    }
  }
  const enriched = ctx.enrich(event.context)
  if (enriched.bot && ctx.dropBots) {
    return {
      rejection: {
        index,
        ...messageId,
        code: 'bot_traffic',
        message: 'the event comes from a bot or an automated browser, which this site does not collect',
        path: ctx.pathPrefix ?? '',
      },
    }
  }
  const sentAt = event.sentAt ?? ctx.sentAt
  const timestamp = correctTimestamp(ctx.receivedAt, event.timestamp, sentAt)
  // The envelope (type, ids, name, times) goes to columns; the body is stored as JSON. A literal
  // of fixed shape, not a spread of zod's output, serializes twice as fast, and this runs for
  // every event. JSON.stringify leaves undefined fields out.
  const e = event as Partial<Record<string, unknown>> & SegmentEvent
  const body = {
    category: e.category,
    groupId: e.groupId,
    previousId: e.previousId,
    properties: e.properties,
    traits: e.traits,
    context: verifiedContext(enriched.context, event.userId, ctx.identitySecret),
    integrations: e.integrations,
    originalTimestamp: e.timestamp,
    sentAt,
  }
  const payload = serialize(body)
  if (payload === undefined) {
    return {
      rejection: {
        index,
        ...messageId,
        code: 'invalid_event',
        message: 'the event is nested too deeply',
        path: ctx.pathPrefix ?? '',
      },
    }
  }
  const name = nameOf(event)
  if (
    holdsNul(payload) ||
    [event.messageId, event.userId, event.anonymousId, name].some((v) => v?.includes('\0'))
  ) {
    return {
      rejection: {
        index,
        ...messageId,
        code: 'invalid_event',
        message: NUL_MESSAGE,
        path: ctx.pathPrefix ?? '',
      },
    }
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only for strings that might be too long.
  if (payload.length * 3 > LIMITS.eventBytes && Buffer.byteLength(payload) > LIMITS.eventBytes) {
    return {
      rejection: {
        index,
        ...messageId,
        code: 'event_too_large',
        message: `event is larger than ${LIMITS.eventBytes} bytes`,
        path: ctx.pathPrefix ?? '',
      },
    }
  }
  return {
    row: {
      site: ctx.site,
      messageId: event.messageId ?? ctx.newId(),
      type: event.type,
      name,
      userId: event.userId ?? null,
      anonymousId: event.anonymousId ?? null,
      timestamp,
      receivedAt: ctx.receivedAt,
      payload,
    },
  }
}
