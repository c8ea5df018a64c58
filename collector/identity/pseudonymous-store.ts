// The store as the collector's routes use it: user ids and anonymous ids go in as pseudonyms
// (privacy/pseudonyms.ts) and clear user ids come out again for authorized readers. Everything
// below (resolution, suppression, tokens, statistics, erasure) works on the pseudonyms alone.
import type { Pseudonymize } from '../privacy/pseudonyms.ts'
import type { Store, StoredEvent } from '../store/types.ts'
import { DEFAULT_IDENTITY, type Identifier, isBlocked } from './rules.ts'
import type { SiteRules } from './types.ts'

/**
 * The row with its ids pseudonymized. The clear user id and previousId go into the body's `ids`,
 * which sealing encrypts with the person's key (whatever a client sent there is replaced).
 * Placeholders (blocked values such as "null") identify nobody and stay as they are, so the
 * resolver still skips them.
 */
export const pseudonymizeRow = (p: Pseudonymize, row: StoredEvent, rules: SiteRules): StoredEvent => {
  const settings = rules[row.site] ?? DEFAULT_IDENTITY
  const usable = (v: string | null) => v !== null && !isBlocked(v, settings)
  const of = (v: string | null) => (v !== null && usable(v) ? p(v) : v)
  let payload = row.payload
  if (usable(row.userId) || payload.includes('"previousId"') || payload.includes('"ids"')) {
    const { ids: _sent, ...body } = JSON.parse(payload) as Record<string, unknown>
    const ids: Record<string, string> = {}
    if (usable(row.userId)) ids.userId = row.userId!
    if (typeof body.previousId === 'string' && usable(body.previousId)) {
      ids.previousId = body.previousId
      body.previousId = p(body.previousId)
    }
    payload = JSON.stringify(Object.keys(ids).length > 0 ? { ...body, ids } : body)
  }
  return { ...row, userId: of(row.userId), anonymousId: of(row.anonymousId), payload }
}

/**
 * Puts back in identifiers the clear user ids these events carried (sealed beside their
 * pseudonyms), for a reader; a user id whose events are all gone stays a pseudonym.
 */
export const userNames = async (
  store: Pick<Store, 'pseudonyms' | 'revealEvents'>,
  rules: SiteRules,
  site: string,
  events: readonly StoredEvent[],
) => {
  const p = await store.pseudonyms(site)
  // One event per user id is enough to open its name: the first that carries it.
  const carriers = new Map<string, StoredEvent>()
  for (const e of events) if (e.userId !== null && !carriers.has(e.userId)) carriers.set(e.userId, e)
  const names = new Map<string, string>()
  for (const e of await store.revealEvents([...carriers.values()], rules))
    if (e.userId !== null && !e.userId.startsWith('~')) names.set(p(e.userId), e.userId)
  return <T extends { identifiers: Identifier[] }>(holder: T): T => ({
    ...holder,
    identifiers: holder.identifiers.map((i) =>
      i.kind === 'user' && names.has(i.value) ? { ...i, value: names.get(i.value)! } : i,
    ),
  })
}

/**
 * The store with pseudonyms in and clear user ids out of exports (see the file comment).
 * findProfile answers with the stored identifiers, which lookups (segments) need as they are.
 */
export const pseudonymousStore = (store: Store, rules: SiteRules): Store => {
  /** Looks a key up as an id (by its pseudonym), else as it is (a profile id). */
  const byKey = async <T>(site: string, key: string, find: (key: string) => Promise<T | undefined>) =>
    (await find((await store.pseudonyms(site))(key))) ?? find(key)

  return {
    ...store,
    insertEvents: async (rows, siteRules = rules) => {
      const bySite = new Map<string, Pseudonymize>()
      for (const site of new Set(rows.map((r) => r.site))) bySite.set(site, await store.pseudonyms(site))
      return store.insertEvents(
        rows.map((r) => pseudonymizeRow(bySite.get(r.site)!, r, siteRules)),
        siteRules,
      )
    },
    findProfile: (site, key, now) => byKey(site, key, (k) => store.findProfile(site, k, now)),
    exportProfile: async (site, key, now) => {
      const data = await byKey(site, key, (k) => store.exportProfile(site, k, now))
      if (!data) return undefined
      const clear = await userNames(store, rules, site, data.events)
      return { ...data, profile: clear(data.profile), audit: data.audit.map(clear) }
    },
    eraseProfile: (site, key, now) => byKey(site, key, (k) => store.eraseProfile(site, k, now)),
    // The token names the pseudonym it was issued for: verifyToken gives that back, and exportOwn,
    // eraseOwn and revokeTokensFor take it as it is.
    issueToken: async (site, anonymousId, now) =>
      store.issueToken(site, (await store.pseudonyms(site))(anonymousId), now),
    firstMessageOf: async (site, anonymousId) =>
      store.firstMessageOf(site, (await store.pseudonyms(site))(anonymousId)),
    exportOwn: async (site, holder, settings, now) => {
      const data = await store.exportOwn(site, holder, settings, now)
      if (!data) return undefined
      const clear = await userNames(store, rules, site, data.events)
      return { ...clear(data), audit: data.audit.map(clear) }
    },
  }
}
