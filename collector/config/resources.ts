// The parts of a site's entry the admin API edits one at a time: experiments, destinations, journeys and audiences (lists by key),
// goals, segments and slots (maps by key), and the consent section. Pure: each takes the entry as written
// and gives a new one; validation of the result is the editor's (editor.ts).

export type Json = Record<string, unknown>

export interface Collection {
  /** The URL segment and the list's name in answers. */
  name: 'experiments' | 'goals' | 'segments' | 'slots' | 'destinations' | 'journeys' | 'audiences'
  /** The word for one, in messages. */
  noun: string
  list(entry: Json): { key: string; config: Json }[]
  get(entry: Json, key: string): Json | undefined
  /** The entry with the item set (added at the end when new). */
  put(entry: Json, key: string, config: Json): Json
  remove(entry: Json, key: string): Json
}

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

const copy = (entry: Json): Json => structuredClone(entry)

/** A list of items with a `key` inside the entry (experiments, destinations, journeys, audiences). */
const listCollection = (
  name: 'experiments' | 'destinations' | 'journeys' | 'audiences',
  noun: string,
): Collection => {
  const itemsOf = (entry: Json) => (Array.isArray(entry[name]) ? (entry[name] as unknown[]) : [])
  const col: Collection = {
    name,
    noun,
    list: (entry) =>
      itemsOf(entry)
        .filter(isJson)
        .map((config) => ({ key: String(config.key), config })),
    get: (entry, key) => col.list(entry).find((x) => x.key === key)?.config,
    put: (entry, key, config) => {
      const next = copy(entry)
      const list = itemsOf(next)
      // The key leads, as in the files people write.
      const { key: _, ...rest } = config
      const item = { key, ...rest }
      const at = list.findIndex((x) => isJson(x) && x.key === key)
      if (at >= 0) list[at] = item
      else list.push(item)
      next[name] = list
      return next
    },
    remove: (entry, key) => {
      const next = copy(entry)
      if (Array.isArray(next[name])) next[name] = itemsOf(next).filter((x) => !(isJson(x) && x.key === key))
      return next
    },
  }
  return col
}

export const experiments = listCollection('experiments', 'experiment')
export const destinations = listCollection('destinations', 'destination')
export const journeys = listCollection('journeys', 'journey')
export const audiences = listCollection('audiences', 'audience')

/** A map by key inside the entry, or inside its `personalization` (segments, slots). */
const mapCollection = (
  name: 'goals' | 'segments' | 'slots',
  noun: string,
  within?: 'personalization',
): Collection => {
  const parentOf = (entry: Json): Json => {
    if (!within) return entry
    return isJson(entry[within]) ? entry[within] : {}
  }
  const mapOf = (entry: Json): Json => {
    const parent = parentOf(entry)
    return isJson(parent[name]) ? parent[name] : {}
  }
  const withMap = (entry: Json, change: (map: Json) => void) => {
    const next = copy(entry)
    const parent = parentOf(next)
    const map = isJson(parent[name]) ? parent[name] : {}
    change(map)
    parent[name] = map
    if (within) next[within] = parent
    return next
  }
  return {
    name,
    noun,
    list: (entry) =>
      Object.entries(mapOf(entry)).flatMap(([key, config]) => (isJson(config) ? [{ key, config }] : [])),
    get: (entry, key) => {
      const map = mapOf(entry)
      return Object.hasOwn(map, key) && isJson(map[key]) ? map[key] : undefined
    },
    put: (entry, key, config) =>
      withMap(entry, (map) => {
        map[key] = config
      }),
    remove: (entry, key) =>
      withMap(entry, (map) => {
        delete map[key]
      }),
  }
}

export const COLLECTIONS: readonly Collection[] = [
  experiments,
  mapCollection('goals', 'goal'),
  mapCollection('segments', 'segment', 'personalization'),
  mapCollection('slots', 'slot', 'personalization'),
  destinations,
  journeys,
  audiences,
]

/** The consent section (texts, services, policy version): one per site. */
export const consentOf = (entry: Json): Json => (isJson(entry.consent) ? entry.consent : {})
export const withConsent = (entry: Json, consent: Json): Json => ({ ...copy(entry), consent })

/** Fields of a site's entry that have resources of their own, or change only by a key rotation. */
const OWN_RESOURCES = [
  'experiments',
  'goals',
  'personalization',
  'consent',
  'destinations',
  'journeys',
  'audiences',
] as const
export const KEY_FIELDS = [
  'writeKey',
  'previousWriteKey',
  'previousWriteKeyUntil',
  'serverKey',
  'previousServerKey',
  'previousServerKeyUntil',
] as const

/** A site's settings as the sites resource shows them: no sub-resources, no secret keys. */
export const settingsOf = (entry: Json): Json => {
  const settings: Json = {}
  for (const [k, v] of Object.entries(entry))
    if (!(OWN_RESOURCES as readonly string[]).includes(k) && !k.startsWith('previous') && k !== 'serverKey')
      settings[k] = v
  return settings
}

/** The entry with new settings: its sub-resources and keys stay as they are. */
export const withSettings = (entry: Json, settings: Json): Json => {
  const next: Json = { ...settings }
  for (const k of [...OWN_RESOURCES, ...KEY_FIELDS]) if (k in entry) next[k] = structuredClone(entry[k])
  return next
}

/**
 * RFC 7396 JSON merge patch: members of the patch replace the target's, `null` removes one,
 * objects merge member by member, anything else (arrays too) replaces.
 */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isJson(patch)) return structuredClone(patch)
  const result: Json = isJson(target) ? structuredClone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k]
    else result[k] = mergePatch(result[k], v)
  }
  return result
}
