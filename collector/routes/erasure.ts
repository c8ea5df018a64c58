// What an erasure (the admin's or the visitor's own) owes beyond the stored rows: destinations
// that received the person's events hear of it and their pending deliveries go
// (destinations/notices.ts); their journey runs and queued mails go (named by the pseudonyms their
// events carried, as journeys name people); their audience memberships go.
import { noticeErasure } from '../destinations/notices.ts'
import type { Identifier } from '../identity/rules.ts'
import { idsOf } from '../journeys/export.ts'
import type { StoredEvent } from '../store/event.ts'
import type { Store } from '../store/types.ts'

export const afterErasure = async (
  store: Store,
  site: string,
  person: {
    profileId: string | undefined
    events: readonly StoredEvent[]
    identifiers: readonly Identifier[]
    traits: Record<string, unknown>
  },
  now: number,
) => {
  await noticeErasure(store, site, person, now)
  const { anonymousIds, userIds } = idsOf(person.events)
  await store.dropEntries(site, anonymousIds, userIds)
  if (person.profileId !== undefined) await store.dropMemberships(site, [person.profileId])
}
