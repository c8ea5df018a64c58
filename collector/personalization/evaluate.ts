// Server-side segments: a profile's events across all its devices, through the same engine the
// browser runs on its local history.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Personalization } from '../../sdk/rules/personalization-schema.ts'
import { createSegmentEngine, historyProperties } from '../../sdk/rules/segments.ts'
import { buildAttributes, historyEntry } from './attributes.ts'
import type { PersonalizationStore, ProfileSubject } from './types.ts'

const DAY = 86_400_000

/**
 * Most events read per profile: its newest 10,000 within `history.maxDays`, from all its devices.
 * The browser keeps `history.maxEvents` (at most 5,000) of one device; the collector keeps more,
 * since it sees every device of the person, and still bounds one profile's memory (~2 MB) and time.
 * Only people with more than 10,000 events in the window (bots, load tests) are cut, and then
 * their oldest events are the ones left out.
 */
export const HISTORY_CAP = 10_000

/** Profiles read and evaluated per page when sizing segments. */
export const PAGE_SIZE = 500

/** The segment keys the profile is in now, in the config's order. */
export const profileSegments = async (
  store: PersonalizationStore,
  site: string,
  p: Personalization,
  profile: ProfileSubject,
  now: number,
): Promise<string[]> => {
  if (Object.keys(p.segments).length === 0) return []
  // The visitor's latest choice holds here too: refused means in no segment at all.
  if (await store.personalizationRefused(site, profile.identifiers)) return []
  const since = now - p.history.maxDays * DAY
  const [rows, situation] = await Promise.all([
    store.personalizationHistory(site, profile.identifiers, { since, limit: HISTORY_CAP }),
    store.latestSituation(site, profile.identifiers, since),
  ])
  const engine = createSegmentEngine({
    segments: p.segments,
    rfm: p.rfm,
    history: { maxEvents: HISTORY_CAP, maxDays: p.history.maxDays },
  })
  const keys = historyProperties(p)
  // Rows come newest first; the engine takes them oldest first (appends, no reordering).
  for (let i = rows.length - 1; i >= 0; i--) engine.add(historyEntry(rows[i]!, keys), now)
  const userId = profile.identifiers.find((i) => i.kind === 'user')?.value
  return engine.evaluate(buildAttributes({ traits: profile.traits, userId, situation, now }), now)
}

export interface SegmentSizes {
  /** Per configured segment: profiles in it now. */
  profiles: Record<string, number>
  profilesScanned: number
}

export interface ScanOptions {
  pageSize?: number
  pause?: () => Promise<unknown>
  /** Opens a profile's sealed personal traits for the rules (privacy/sealing.ts). */
  open?: (traits: Record<string, unknown>) => Promise<Record<string, unknown>>
}

/**
 * Every profile of the site with the segments it is in now. Profiles are read `pageSize` at a time
 * and evaluated one by one, so memory holds one page and one profile's history whatever the size
 * of the site; between pages the event loop gets a turn (`pause`), so ingest goes on meanwhile.
 * The cost is a full scan: every profile's events within `history.maxDays` are read and parsed
 * once. Resolves to how many profiles it read.
 */
const scanSegments = async (
  store: PersonalizationStore,
  site: string,
  p: Personalization,
  now: number,
  each: (profile: string, segments: readonly string[]) => void,
  { pageSize = PAGE_SIZE, pause = () => nextTurn(), open = async (traits) => traits }: ScanOptions = {},
): Promise<number> => {
  if (Object.keys(p.segments).length === 0) return 0
  let scanned = 0
  let after: string | undefined
  for (;;) {
    const page = await store.profilePage(site, after, pageSize)
    for (const profile of page) {
      const opened = { ...profile, traits: await open(profile.traits) }
      each(profile.id, await profileSegments(store, site, p, opened, now))
    }
    scanned += page.length
    if (page.length < pageSize) break
    after = page[page.length - 1]!.id
    await pause()
  }
  return scanned
}

/** How many of the site's profiles are in each segment now (a full scan: scanSegments). */
export const segmentSizes = async (
  store: PersonalizationStore,
  site: string,
  p: Personalization,
  now: number,
  options: ScanOptions = {},
): Promise<SegmentSizes> => {
  const profiles: Record<string, number> = Object.fromEntries(Object.keys(p.segments).map((k) => [k, 0]))
  const profilesScanned = await scanSegments(
    store,
    site,
    p,
    now,
    (_, keys) => {
      for (const key of keys) profiles[key]! += 1
    },
    options,
  )
  return { profiles, profilesScanned }
}

/** The ids of the profiles in one configured segment now (a full scan: scanSegments). */
export const segmentMembers = async (
  store: PersonalizationStore,
  site: string,
  p: Personalization,
  key: string,
  now: number,
  options: ScanOptions = {},
): Promise<Set<string>> => {
  const members = new Set<string>()
  const segment = p.segments[key]
  if (!segment) return members
  const one = { ...p, segments: { [key]: segment } }
  await scanSegments(store, site, one, now, (id, keys) => keys.length > 0 && members.add(id), options)
  return members
}
