// The identity graph's rules, as pure functions: which identifiers an event carries, which links
// are allowed, and how two profiles or a profile and an event combine. Storage adapters apply them.

import { DEFAULT_PERSONAL, type PersonalFields } from '../privacy/personal.ts'

export type IdentifierKind = 'user' | 'anonymous' | 'email'

export interface Identifier {
  kind: IdentifierKind
  /** Raw for user and anonymous ids; a salted hash for trait identifiers such as email. */
  value: string
}

export interface IdentitySettings {
  /** Values that never identify anyone (compared case-insensitively, after trimming). */
  blockedValues: string[]
  /** Most identifiers of a kind one profile may hold. */
  limits: Record<IdentifierKind, number>
  /** Which identifier decides the event's profile when its identifiers disagree. */
  priority: IdentifierKind[]
  /** Trait names that identify a person (hashed before storage). */
  traitIdentifiers: string[]
  /** The track property that carries revenue (the "monetary" of RFM). */
  revenueProperty: string
  /** Traits and properties encrypted at rest with the person's key (privacy/personal.ts). */
  personal: PersonalFields
}

export const DEFAULT_IDENTITY: IdentitySettings = {
  blockedValues: [
    '',
    'null',
    'undefined',
    'anonymous',
    'unknown',
    'none',
    'nil',
    'guest',
    '0',
    '-1',
    'n/a',
    'false',
    'true',
  ],
  limits: { user: 1, email: 5, anonymous: 100 },
  priority: ['user', 'email', 'anonymous'],
  traitIdentifiers: ['email'],
  revenueProperty: 'revenue',
  personal: DEFAULT_PERSONAL,
}

/** Placeholder ids: blocked words, and ids made only of zeros and separators (00000000-0000-...). */
export const isBlocked = (value: string, settings: IdentitySettings = DEFAULT_IDENTITY) => {
  const v = value.trim().toLowerCase()
  return settings.blockedValues.includes(v) || /^[0\-_.:]+$/.test(v)
}

/** What the resolver needs of one stored event. */
export interface LinkEvent {
  /** Arrival order (the events table's id): the older of two merged profiles keeps its id. */
  seq: number
  messageId: string
  type: string
  timestamp: number
  userId: string | null
  anonymousId: string | null
  /** alias: the id merged into userId. */
  previousId?: string | null
  traits?: Record<string, unknown>
  /** track: the revenue property's value, when numeric. */
  revenue?: number
  /**
   * Trait identifiers already hashed at the write, by trait name (their values are sealed in
   * `traits`); a trait identifier without one is hashed from its clear value.
   */
  traitHashes?: Record<string, string>
}

/**
 * The event's identifiers in priority order, blocked values left out. `previousKind` tells what an
 * alias's previousId is (an id already known as anonymous stays anonymous; else a user id).
 */
export const identifiersOf = (
  event: LinkEvent,
  settings: IdentitySettings,
  hashTrait: (name: string, value: string) => string,
  previousKind: (value: string) => IdentifierKind,
): Identifier[] => {
  const found: Identifier[] = []
  const add = (kind: IdentifierKind, value: unknown) => {
    if (typeof value !== 'string' || isBlocked(value, settings)) return
    if (!found.some((i) => i.kind === kind && i.value === value)) found.push({ kind, value })
  }
  add('user', event.userId)
  add('anonymous', event.anonymousId)
  if (
    event.type === 'alias' &&
    typeof event.previousId === 'string' &&
    !isBlocked(event.previousId, settings)
  )
    add(previousKind(event.previousId), event.previousId)
  for (const name of settings.traitIdentifiers) {
    const hashed = event.traitHashes?.[name]
    const value = event.traits?.[name]
    if (typeof hashed === 'string') add('email', hashed)
    else if (typeof value === 'string' && !isBlocked(value, settings))
      add('email', hashTrait(name, value.trim().toLowerCase()))
  }
  const rank = (kind: IdentifierKind) => settings.priority.indexOf(kind)
  return found.sort((a, b) => rank(a.kind) - rank(b.kind))
}

/** How many identifiers of each kind a profile holds, and its user ids. */
export interface Holdings {
  counts: Partial<Record<IdentifierKind, number>>
  userIds: string[]
}

export type Refusal = 'conflicting_user_ids' | `limit_${IdentifierKind}`

/** Whether two profiles may become one: never two different user ids, never beyond a limit. */
export const mergeRefusal = (a: Holdings, b: Holdings, settings: IdentitySettings): Refusal | undefined => {
  if (a.userIds.length > 0 && b.userIds.length > 0 && a.userIds.some((u) => !b.userIds.includes(u)))
    return 'conflicting_user_ids'
  for (const kind of Object.keys(settings.limits) as IdentifierKind[])
    if ((a.counts[kind] ?? 0) + (b.counts[kind] ?? 0) > settings.limits[kind]) return `limit_${kind}`
  return undefined
}

/** Whether one more identifier of `kind` fits the profile. */
export const attachRefusal = (held: Holdings, kind: IdentifierKind, settings: IdentitySettings) =>
  (held.counts[kind] ?? 0) + 1 > settings.limits[kind] ? (`limit_${kind}` as const) : undefined

/** A profile's facts, apart from its identifiers. */
export interface ProfileData {
  firstSeen: number
  lastSeen: number
  traits: Record<string, unknown>
  /** When each trait was last set (event time): traits merge last-write-wins per trait. */
  traitTimes: Record<string, number>
  /** Events by type (track, page, identify, ...). */
  counts: Record<string, number>
  /** Sum of the revenue property, and how many events carried one (orders). */
  revenue: number
  orders: number
}

export const emptyProfile = (): ProfileData => ({
  firstSeen: Number.POSITIVE_INFINITY,
  lastSeen: Number.NEGATIVE_INFINITY,
  traits: {},
  traitTimes: {},
  counts: {},
  revenue: 0,
  orders: 0,
})

/** Folds one event into a profile; events may arrive out of order. */
export const applyEvent = (p: ProfileData, e: LinkEvent): ProfileData => {
  // Most events carry no traits: their profile keeps the same trait objects.
  const traits = e.traits ? { ...p.traits } : p.traits
  const traitTimes = e.traits ? { ...p.traitTimes } : p.traitTimes
  for (const [name, value] of Object.entries(e.traits ?? {})) {
    if ((traitTimes[name] ?? Number.NEGATIVE_INFINITY) > e.timestamp) continue
    traits[name] = value
    traitTimes[name] = e.timestamp
  }
  const revenue = typeof e.revenue === 'number' && Number.isFinite(e.revenue)
  return {
    firstSeen: Math.min(p.firstSeen, e.timestamp),
    lastSeen: Math.max(p.lastSeen, e.timestamp),
    traits,
    traitTimes,
    counts: { ...p.counts, [e.type]: (p.counts[e.type] ?? 0) + 1 },
    revenue: p.revenue + (revenue ? e.revenue! : 0),
    orders: p.orders + (revenue ? 1 : 0),
  }
}

/** Two profiles as one: each trait from whichever set it last, counts and revenue added. */
export const mergeData = (a: ProfileData, b: ProfileData): ProfileData => {
  const traits = { ...a.traits }
  const traitTimes = { ...a.traitTimes }
  for (const [name, time] of Object.entries(b.traitTimes)) {
    if ((traitTimes[name] ?? Number.NEGATIVE_INFINITY) > time) continue
    traits[name] = b.traits[name]
    traitTimes[name] = time
  }
  const counts = { ...a.counts }
  for (const [type, n] of Object.entries(b.counts)) counts[type] = (counts[type] ?? 0) + n
  return {
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
    traits,
    traitTimes,
    counts,
    revenue: a.revenue + b.revenue,
    orders: a.orders + b.orders,
  }
}

const DAY = 86_400_000

/** Recency, frequency and monetary value: the raw inputs of RFM scores (segments rank them). */
export const computedTraits = (p: ProfileData, now: number) => ({
  recencyDays: Number.isFinite(p.lastSeen) ? Math.floor((now - p.lastSeen) / DAY) : null,
  frequency: Object.values(p.counts).reduce((sum, n) => sum + n, 0),
  orders: p.orders,
  monetary: Math.round(p.revenue * 100) / 100,
})
