// What the identity stores (SQLite, PostgreSQL) build the same way from their rows: profile views
// and audit entries (self-service tokens: tokens.ts).
import { computedTraits, type Identifier, type ProfileData } from './rules.ts'
import type { AuditEntry, ProfileView } from './types.ts'

export const iso = (ms: number) => new Date(ms).toISOString()

/** A profile row (its data as stored JSON) and its identifiers, as the API shows them. */
export const profileView = (
  site: string,
  id: string,
  data: string,
  identifiers: Identifier[],
  now: number,
): ProfileView => {
  const p = JSON.parse(data) as ProfileData
  return {
    id,
    site,
    identifiers,
    firstSeen: iso(p.firstSeen),
    lastSeen: iso(p.lastSeen),
    traits: p.traits,
    computed: computedTraits(p, now),
    counts: p.counts,
  }
}

export interface AuditRow {
  at: number
  action: string
  profile_id: string
  other_id: string | null
  identifiers: string
  message_id: string
  reason: string | null
}

export const auditEntryOf = (r: AuditRow): AuditEntry => ({
  at: iso(r.at),
  action: r.action as AuditEntry['action'],
  profileId: r.profile_id,
  otherId: r.other_id,
  identifiers: JSON.parse(r.identifiers) as Identifier[],
  messageId: r.message_id,
  reason: r.reason,
})
