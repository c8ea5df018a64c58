// What a person's export says about journeys: each run of theirs (named by the ids their events
// carried), what became of it, and where its message went and how that ended (GDPR Art. 15).
import type { DeliveryStore } from '../destinations/types.ts'
import type { StoredEvent } from '../store/event.ts'
import { messageIdOf } from './engine.ts'
import type { JourneyStore } from './types.ts'

/** The ids (pseudonyms) a person's events carried: how journeys name them. */
export const idsOf = (events: readonly Pick<StoredEvent, 'anonymousId' | 'userId'>[]) => {
  const distinct = (pick: (e: (typeof events)[number]) => string | null) => [
    ...new Set(events.map(pick).filter((v): v is string => v !== null)),
  ]
  return { anonymousIds: distinct((e) => e.anonymousId), userIds: distinct((e) => e.userId) }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const journeysOf = async (
  store: Pick<JourneyStore, 'entriesOf'> & Pick<DeliveryStore, 'deliveriesOf'>,
  site: string,
  events: readonly Pick<StoredEvent, 'anonymousId' | 'userId'>[],
) => {
  const { anonymousIds, userIds } = idsOf(events)
  const entries = await store.entriesOf(site, anonymousIds, userIds)
  if (entries.length === 0) return []
  const messages = new Map(
    (
      await store.deliveriesOf(
        site,
        entries.map((e) => messageIdOf(site, e.journey, e.entryId)),
      )
    ).map((d) => [d.messageId, d]),
  )
  return entries.map((e) => {
    const sent = messages.get(messageIdOf(site, e.journey, e.entryId))
    return {
      journey: e.journey,
      status: e.status,
      reason: e.reason,
      enteredAt: iso(e.enteredAt),
      doneAt: iso(e.doneAt),
      message: sent
        ? {
            destination: sent.destination,
            status: sent.status,
            queuedAt: iso(sent.createdAt),
            doneAt: iso(sent.doneAt),
          }
        : null,
    }
  })
}
