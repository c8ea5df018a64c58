// What the journeys contract's two files share: the site, the times, an entry and a notice, and
// one entry entered, claimed and settled.
import { expect } from 'vitest'
import type { NewNotice } from '../../collector/destinations/types.ts'
import type { JourneyCounts, NewEntry, PersonIds } from '../../collector/journeys/types.ts'
import type { Store } from '../../collector/store/types.ts'

export const SITE = 'journeys'
export const J = 'welcome'
export const T = 1_700_000_000_000
export const LEASE = 30_000

/** Trigger n of the person: entered at T + n, due a second later. */
export const entry = (n: number, over: Partial<NewEntry> = {}): NewEntry => ({
  site: SITE,
  journey: J,
  entryId: `t${String(n).padStart(3, '0')}`,
  anonymousId: 'a1',
  userId: null,
  group: 'reached',
  enteredAt: T + n,
  dueAt: T + n + 1_000,
  reentry: 'again',
  context: JSON.stringify({ properties: { plan: 'pro' }, locale: 'en' }),
  ...over,
})

export const notice = (messageId: string, site = SITE): NewNotice => ({
  site,
  destination: 'mail',
  messageId,
  event: {
    type: 'track',
    event: 'Journey Message',
    messageId,
    timestamp: new Date(T).toISOString(),
    properties: { journey: J },
  },
})

export const anon = (id: string): PersonIds => ({ anonymousId: id, userId: null })
export const ids = (list: readonly { entryId: string }[]) => list.map((e) => e.entryId)
export const byGroup = (counts: JourneyCounts[]) => [...counts].sort((a, b) => a.group.localeCompare(b.group))

/** Enters, claims at its due time and settles one entry; resolves to its claim. */
export const settle = async (
  store: Store,
  e: NewEntry,
  outcome: Parameters<Store['settleEntry']>[1],
  at = e.dueAt,
) => {
  expect(await store.enterJourneys([e], e.enteredAt)).toBe(1)
  const claim = (await store.claimDueEntries(at, 100, LEASE)).find((c) => c.entryId === e.entryId)
  expect(claim).toBeDefined()
  expect(await store.settleEntry(claim!, outcome, at)).toBe(true)
  return claim!
}
