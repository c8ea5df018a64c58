// Erasure reaches the destinations: each one that received any of an erased person's events is
// sent a `Person Erased` event carrying only hashes of the identifiers it may hold (SHA-256: the
// user id as it is, the anonymous id as the destination got it (the collector's pseudonym), the
// email trimmed and in lower case), so it can find and delete its copy. Queued pending deliveries
// of the person's events are dropped. Keyed by the identifiers: a repeated erasure sends nothing twice.
import { createHash } from 'node:crypto'
import type { Identifier } from '../identity/rules.ts'
import type { StoredEvent } from '../store/event.ts'
import { hashIdentifier } from './minimize.ts'
import type { DeliveryStore, NewNotice } from './types.ts'

export const ERASED_EVENT = 'Person Erased'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

/** The hashed identifiers a notice carries, sorted. */
export const hashedIdentifiers = (identifiers: readonly Identifier[], traits: Record<string, unknown>) => {
  const out: { type: string; sha256: string }[] = []
  for (const i of identifiers)
    if (i.kind === 'user' || i.kind === 'anonymous')
      out.push({ type: i.kind === 'user' ? 'userId' : 'anonymousId', sha256: sha256(i.value) })
  if (typeof traits.email === 'string' && traits.email.trim() !== '')
    out.push({ type: 'email', sha256: hashIdentifier(traits.email) })
  return out.sort((a, b) => a.type.localeCompare(b.type) || a.sha256.localeCompare(b.sha256))
}

/** The Segment event of a notice sent at `now`. */
export const erasureEvent = (identifiers: { type: string; sha256: string }[], now: number) => ({
  type: 'track',
  event: ERASED_EVENT,
  messageId: `erased-${sha256(JSON.stringify(identifiers)).slice(0, 32)}`,
  timestamp: new Date(now).toISOString(),
  properties: { identifiers },
})

/** A notice (an erasure's, a journey's message) kept with its delivery as the stored-event shape the worker sends; undefined if unreadable. */
export const noticeEvent = (site: string, json: string): StoredEvent | undefined => {
  try {
    const e = JSON.parse(json) as ReturnType<typeof erasureEvent> & { anonymousId?: string; userId?: string }
    const at = Date.parse(e.timestamp)
    return {
      site,
      messageId: e.messageId,
      type: 'track',
      name: e.event,
      // A journey's message names its person by the collector's pseudonyms; an erasure's, nobody.
      userId: e.userId ?? null,
      anonymousId: e.anonymousId ?? null,
      timestamp: at,
      receivedAt: at,
      payload: JSON.stringify({ properties: e.properties }),
    }
  } catch {
    return undefined
  }
}

/**
 * After a person's erasure (what was read of them just before: their events, identifiers and opened
 * traits): their pending deliveries dropped, a notice queued for every destination that received
 * one of their events. Resolves to those destinations.
 */
export const noticeErasure = async (
  store: Pick<DeliveryStore, 'deliveriesOf' | 'dropPendingDeliveries' | 'enqueueNotices'>,
  site: string,
  person: {
    events: readonly StoredEvent[]
    identifiers: readonly Identifier[]
    traits: Record<string, unknown>
  },
  now: number,
) => {
  if (person.events.length === 0) return []
  const messageIds = person.events.map((e) => e.messageId)
  const received = [
    ...new Set(
      (await store.deliveriesOf(site, messageIds))
        .filter((d) => d.status === 'delivered')
        .map((d) => d.destination),
    ),
  ].sort()
  await store.dropPendingDeliveries(site, messageIds)
  if (received.length === 0) return []
  const event = erasureEvent(hashedIdentifiers(person.identifiers, person.traits), now)
  const notices: NewNotice[] = received.map((destination) => ({
    site,
    destination,
    messageId: event.messageId,
    event,
  }))
  await store.enqueueNotices(notices, now)
  return received
}
