// What a person's export says about destinations: where each of their events was sent, when, and
// how it ended (GDPR Art. 15(1)(c): the recipients their data was disclosed to).
import type { StoredEvent } from '../store/event.ts'
import type { DeliveryStore } from './types.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const sentWhere = async (
  store: Pick<DeliveryStore, 'deliveriesOf'>,
  site: string,
  events: readonly StoredEvent[],
) =>
  events.length === 0
    ? []
    : (
        await store.deliveriesOf(
          site,
          events.map((e) => e.messageId),
        )
      ).map((d) => ({
        destination: d.destination,
        messageId: d.messageId,
        status: d.status,
        attempts: d.attempts,
        queuedAt: iso(d.createdAt),
        /** When it was delivered, or given up on. */
        doneAt: iso(d.doneAt),
      }))
