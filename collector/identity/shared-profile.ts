// What the identity stores (SQLite, PostgreSQL) build the same way from their rows: profile views,
// audit entries and self-service tokens.
import { timingSafeEqual } from 'node:crypto'
import { computedTraits, type Identifier, type ProfileData } from './rules.ts'
import { keyedHash } from './shared-resolver.ts'
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

/** What identity_tokens keeps of an anonymousId a token was issued for. */
export const issuedHash = (secret: string, site: string, anonymousId: string) =>
  keyedHash(secret, 'issued', site, anonymousId)

const tokenSignature = (secret: string, site: string, anonymousId: string) =>
  keyedHash(secret, 'token', site, anonymousId).slice(0, 32)

export const makeToken = (secret: string, site: string, anonymousId: string) =>
  `${anonymousId}.${tokenSignature(secret, site, anonymousId)}`

/** The anonymousId a token was made for, if its signature is genuine (compared in constant time). */
export const tokenOwner = (secret: string, site: string, token: string): string | undefined => {
  const dot = token.lastIndexOf('.')
  if (dot <= 0) return undefined
  const anonymousId = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1))
  const expected = Buffer.from(tokenSignature(secret, site, anonymousId))
  return given.length === expected.length && timingSafeEqual(given, expected) ? anonymousId : undefined
}
