// Events of erased people are dropped before they are written: a suppressed identifier (user,
// anonymous or email) anywhere in an event means it is acknowledged and discarded, so nothing of
// the person reaches the database again, not even for the resolver to delete.
import type { InsertResult, StoredEvent } from '../store/event.ts'
import { DEFAULT_IDENTITY } from './rules.ts'
import { candidateIdentifiers, linkEventOf, suppressionHash } from './shared-resolver.ts'
import type { SiteRules } from './types.ts'

/** The suppression hashes an event would match, one per identifier it carries. */
export const suppressionHashesOf = (secret: string, row: StoredEvent, rules: SiteRules) => {
  const settings = rules[row.site] ?? DEFAULT_IDENTITY
  const event = linkEventOf(
    {
      id: 0,
      site: row.site,
      message_id: row.messageId,
      type: row.type,
      user_id: row.userId,
      anonymous_id: row.anonymousId,
      timestamp: row.timestamp,
      payload: row.payload,
    },
    settings,
  )
  return candidateIdentifiers(secret, row.site, event, settings).map((id) =>
    suppressionHash(secret, row.site, id),
  )
}

/**
 * The rows to write: those of sites that never erased anyone at once, the others once none of
 * their hashes is suppressed. `suppressing` names the sites that erased someone; `suppressed`
 * answers which of a site's hashes are.
 */
export const withoutSuppressed = async (
  rows: readonly StoredEvent[],
  secret: string,
  rules: SiteRules,
  suppressing: (sites: string[]) => Promise<Set<string>> | Set<string>,
  suppressed: (site: string, hashes: string[]) => Promise<Set<string>> | Set<string>,
): Promise<readonly StoredEvent[]> => {
  const sites = await suppressing([...new Set(rows.map((r) => r.site))])
  if (sites.size === 0) return rows
  const hashes = rows.map((row) => (sites.has(row.site) ? suppressionHashesOf(secret, row, rules) : []))
  const hits = new Map<string, Set<string>>()
  for (const site of sites)
    hits.set(
      site,
      await suppressed(site, [...new Set(hashes.flatMap((h, i) => (rows[i]!.site === site ? h : [])))]),
    )
  return rows.filter((row, i) => !hashes[i]!.some((h) => hits.get(row.site)?.has(h)))
}

/** What a store answers about suppressions, for the insert path. */
export interface SuppressionLookups {
  secret: () => string | Promise<string>
  /** The sites, of those given, that erased someone. */
  suppressing: (sites: string[]) => Promise<Set<string>> | Set<string>
  /** Which of the site's hashes are suppressed. */
  suppressed: (site: string, hashes: string[]) => Promise<Set<string>> | Set<string>
}

/**
 * An insert that drops erased people's events first. They are acknowledged as stored: the answer
 * to a write must not tell a caller with the public write key who was erased.
 */
export const insertWithoutSuppressed =
  (
    insert: (rows: readonly StoredEvent[], rules?: SiteRules) => Promise<InsertResult>,
    lookups: SuppressionLookups,
  ): ((rows: readonly StoredEvent[], rules?: SiteRules) => Promise<InsertResult>) =>
  async (rows, rules = {}) => {
    const kept = await withoutSuppressed(
      rows,
      await lookups.secret(),
      rules,
      lookups.suppressing,
      lookups.suppressed,
    )
    if (kept.length === rows.length) return insert(rows, rules)
    const result = await insert(kept, rules)
    return { ...result, inserted: result.inserted + rows.length - kept.length }
  }
