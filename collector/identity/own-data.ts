// What a browser's self-service token reaches, apart from any database: the browser's own device,
// and the user ids (with their devices) the site vouched for on it. Links a browser made alone,
// such as an identify with someone else's user id, never widen it.
import type { EventRow } from '../store/event-row.ts'
import { fromEventRow } from '../store/event-row.ts'
import { applyEvent, emptyProfile, type Identifier, type IdentitySettings } from './rules.ts'
import { iso } from './shared-profile.ts'
import { linkEventOf } from './shared-resolver.ts'
import type { AuditEntry, OwnData } from './types.ts'

/** The scope of a token: its anonymousId, the verified user ids on it, and their verified devices. */
export interface OwnScope {
  users: string[]
  anonymous: string[]
}

export const scopeIdentifiers = (scope: OwnScope): Identifier[] => [
  ...scope.users.map((value) => ({ kind: 'user' as const, value })),
  ...scope.anonymous.map((value) => ({ kind: 'anonymous' as const, value })),
]

/** An events row with its arrival order, as the self-service reads select it. */
export type SeqEventRow = EventRow & { seq: number }

/**
 * The scope's data as the visitor downloads it: the events oldest first, and traits, times and
 * counts folded from those events alone (not from a profile that others' links may have joined).
 */
export const ownData = (
  scope: OwnScope,
  rows: readonly SeqEventRow[],
  audit: readonly AuditEntry[],
  settings: IdentitySettings,
): OwnData => {
  const sorted = [...rows].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
  let folded = emptyProfile()
  for (const row of sorted) folded = applyEvent(folded, linkEventOf({ ...row, id: row.seq }, settings))
  return {
    identifiers: scopeIdentifiers(scope),
    traits: folded.traits,
    firstSeen: sorted.length ? iso(folded.firstSeen) : null,
    lastSeen: sorted.length ? iso(folded.lastSeen) : null,
    counts: folded.counts,
    events: sorted.map(fromEventRow),
    // The visitor sees what their events caused, not the ids of profiles they may touch.
    audit: audit.map(({ profileId: _p, otherId: _o, ...entry }) => entry),
  }
}
