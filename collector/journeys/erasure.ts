// Erasure reaches journeys: every run of the erased person (named by the pseudonyms their events
// carried, as journeys name people) is deleted, with its mail still queued.
import type { StoredEvent } from '../store/event.ts'
import type { JourneyStore } from './types.ts'

export const dropJourneysOf = (
  store: Pick<JourneyStore, 'dropEntries'>,
  site: string,
  events: readonly Pick<StoredEvent, 'anonymousId' | 'userId'>[],
) => {
  const ids = (pick: (e: (typeof events)[number]) => string | null) => [
    ...new Set(events.map(pick).filter((v): v is string => v !== null)),
  ]
  return store.dropEntries(
    site,
    ids((e) => e.anonymousId),
    ids((e) => e.userId),
  )
}
