// The request a destination receives for some events: the events as the destination's `fields`
// allow (minimize.ts), in a webhook signed by Standard Webhooks or in Segment's `/v1/batch` shape
// with the write key as Basic user. Its id is the same for the same events at every attempt, so a
// receiver drops a repeat by `webhook-id` (and each event by its `messageId`). Pure.
import { createHash } from 'node:crypto'
import type { HttpDestination } from './config.ts'
import { minimized } from './minimize.ts'
import { signedHeaders } from './signature.ts'

type Json = Record<string, unknown>

export interface DeliveryRequest {
  url: string
  /** The request's idempotency key. */
  id: string
  headers: Record<string, string>
  body: string
}

/** `msg_` and a digest of the destination and the events' ids: stable across attempts. */
export const requestId = (destination: string, messageIds: readonly string[]) =>
  `msg_${createHash('sha256')
    .update(JSON.stringify([destination, ...[...messageIds].sort()]))
    .digest('base64url')
    .slice(0, 32)}`

/** Collector-internal members of a stored body that never leave. */
const INTERNAL = ['ids', 'traitHashes']

const outgoing = (d: HttpDestination, event: Json) => {
  const clean = { ...event }
  for (const k of INTERNAL) delete clean[k]
  return minimized(clean, d.fields, d.hash)
}

/**
 * The request carrying `events` (Segment events, in order) to `d`, sent at `now` (epoch ms).
 * Notices (their messageIds in `whole`) go as they are: no field list or hashing applies.
 */
export const deliveryRequest = (
  d: HttpDestination,
  events: readonly Json[],
  now: number,
  whole: ReadonlySet<string> = new Set(),
): DeliveryRequest => {
  const id = requestId(
    d.key,
    events.map((e) => String(e.messageId)),
  )
  const out = events.map((e) => (whole.has(String(e.messageId)) ? e : outgoing(d, e)))
  const base = {
    'content-type': 'application/json',
    'user-agent': 'precis-destinations/1',
    'idempotency-key': id,
  }
  if (d.kind === 'webhook') {
    const body = JSON.stringify(d.batch === 1 && out.length === 1 ? out[0] : { batch: out })
    return { url: d.url, id, body, headers: { ...base, ...signedHeaders(d.secret, id, now, body) } }
  }
  const body = JSON.stringify({ batch: out, sentAt: new Date(now).toISOString() })
  const auth = `Basic ${Buffer.from(`${d.writeKey}:`).toString('base64')}`
  return { url: d.url, id, body, headers: { ...base, authorization: auth } }
}
