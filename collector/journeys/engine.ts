// Journeys, pure: what one stored event does to the site's journeys (enters people, ends their
// entries when the `unless` event, the goal or a refusal of consent comes first, marks conversions),
// and what becomes of an entry when it is due (held out, skipped, later, or its message). Storage,
// the clock and the people's addresses are the worker's (worker.ts).
import { createHash } from 'node:crypto'
import { evalCondition } from '../../sdk/rules/conditions.ts'
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { hash } from '../../sdk/rules/hash.ts'
import { isJson } from '../config/resources.ts'
import { deliveryRefusal } from '../destinations/consent-gate.ts'
import { stampOf } from '../destinations/route.ts'
import { type Hit, reaches } from '../reports/goals.ts'
import { durationMs, type Journey, type Messaging } from './config.ts'
import type { JourneyGroup, NewEntry, PersonIds } from './types.ts'

type Json = Record<string, unknown>

/** The event a rule names: a track event by its name, or "page" for a page view. */
const named = (event: Json, name: string) =>
  name === 'page' ? event.type === 'page' : event.type === 'track' && event.event === name

const matches = (event: Json, m: { event: string; where?: Record<string, unknown> | undefined }) =>
  named(event, m.event) && (m.where === undefined || evalCondition(event, m.where))

/** A Segment event as the goals module reads it. */
const hitOf = (event: Json): Hit | undefined => {
  const props = isJson(event.properties) ? event.properties : {}
  if (event.type === 'page')
    return typeof props.path === 'string' ? { kind: 'page', path: props.path } : undefined
  if (event.type === 'track' && typeof event.event === 'string')
    return { kind: 'event', name: event.event, props: JSON.stringify(props) }
  return undefined
}

/** Reached people or the holdout: sticky per person and journey, with the experiments' hashing. */
export const groupOf = (journey: Pick<Journey, 'key' | 'holdout'>, person: string): JourneyGroup =>
  (hash(`journey:${journey.key}`, person) ?? 1) < journey.holdout ? 'holdout' : 'reached'

/** What a journey's message may use later: little, and nothing the event did not carry. */
const contextOf = (event: Json) => {
  const context = isJson(event.context) ? event.context : {}
  const page = isJson(context.page) ? context.page : {}
  const text = JSON.stringify({
    properties: isJson(event.properties) ? event.properties : {},
    locale: typeof context.locale === 'string' ? context.locale : undefined,
    timezone: typeof context.timezone === 'string' ? context.timezone : undefined,
    url: typeof page.url === 'string' ? page.url : undefined,
  })
  // The properties are the event's, already capped at ingest; a long cart is cut, not refused.
  return text.length <= 16_000 ? text : JSON.stringify({ properties: {}, locale: context.locale })
}

export type JourneyOp =
  | { kind: 'enter'; entry: NewEntry }
  | { kind: 'exit'; journey: string; reason: string }
  | { kind: 'convert'; journey: string; since: number; revenue: number }

export interface SiteJourneys {
  site: string
  journeys: readonly Journey[]
  goals: Readonly<Record<string, Goal>>
  /** The purposes each destination serves, by key. */
  purposes: Readonly<Record<string, readonly string[]>>
}

/**
 * What one stored Segment event does, in the order to apply it: ends (a refusal of consent, the
 * `unless` event, the goal), conversions, then entries, so an event that both ends and starts a
 * journey (an order in a win-back) ends the old entry and starts a new one.
 */
export const journeyOps = (event: Json, person: PersonIds, site: SiteJourneys): JourneyOp[] => {
  const key = person.userId ?? person.anonymousId
  if (key === null || typeof event.messageId !== 'string') return []
  const at = Date.parse(String(event.timestamp))
  if (!Number.isFinite(at)) return []
  const stamp = stampOf(event)
  const ends: JourneyOp[] = []
  const converts: JourneyOp[] = []
  const enters: JourneyOp[] = []
  const hit = hitOf(event)
  for (const j of site.journeys) {
    // Only what a browser stamped speaks for its visitor's choice; a server's event is not a refusal.
    const refusal = stamp ? deliveryRefusal(stamp, site.purposes[j.action.destination] ?? []) : undefined
    // A choice changes with the tag's consent event (sent through its durable outbox): only that
    // one ends runs, so the traffic of visitors who never granted the purpose writes nothing.
    if (refusal && named(event, CONSENT_EVENT)) ends.push({ kind: 'exit', journey: j.key, reason: 'consent' })
    else if (j.unless && matches(event, j.unless))
      ends.push({ kind: 'exit', journey: j.key, reason: 'unless' })
    const goal = j.goal === undefined ? undefined : site.goals[j.goal]
    const revenue = goal && hit ? reaches(goal, hit) : null
    if (revenue !== null) {
      if (!ends.some((o) => o.kind === 'exit' && o.journey === j.key))
        ends.push({ kind: 'exit', journey: j.key, reason: 'goal' })
      converts.push({ kind: 'convert', journey: j.key, since: at - (durationMs(j.goalWindow) ?? 0), revenue })
    }
    if (!j.enabled || refusal !== undefined || !matches(event, j.trigger)) continue
    // A trigger without a stamp (a server's) enters only where the destination asks no purpose.
    if (!stamp && deliveryRefusal(undefined, site.purposes[j.action.destination] ?? []) !== undefined)
      continue
    enters.push({
      kind: 'enter',
      entry: {
        site: site.site,
        journey: j.key,
        entryId: event.messageId,
        anonymousId: person.anonymousId,
        userId: person.userId,
        group: groupOf(j, key),
        enteredAt: at,
        dueAt: at + (durationMs(j.delay) ?? 0),
        reentry: j.reentry,
        context: contextOf(event),
      },
    })
  }
  return [...ends, ...converts, ...enters]
}

/** Minutes since local midnight at `at` in `timeZone` (UTC when the zone is unknown). */
export const localMinutes = (at: number, timeZone: string | undefined): number => {
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(at)
  } catch {
    return localMinutes(at, 'UTC')
  }
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return part('hour') * 60 + part('minute')
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))

/**
 * When quiet hours hold at `at` in `timeZone`: the time they end (to the minute); else undefined.
 * `from` after `to` spans midnight (21:00–08:00).
 */
export const quietUntil = (quiet: Messaging['quietHours'], at: number, timeZone: string | undefined) => {
  if (!quiet) return undefined
  const from = minutesOf(quiet.from)
  const to = minutesOf(quiet.to)
  const now = localMinutes(at, timeZone)
  const inside = from <= to ? now >= from && now < to : now >= from || now < to
  if (!inside) return undefined
  const wait = (to - now + 1440) % 1440
  return at - (at % 60_000) + wait * 60_000
}

/** A journey message's id: stable for the entry, so every attempt and every collector use the same one. */
export const messageIdOf = (site: string, journey: string, entryId: string) =>
  `journey-${createHash('sha256').update(`${site}\n${journey}\n${entryId}`).digest('hex').slice(0, 32)}`

export const MESSAGE_EVENT = 'Journey Message'
/** Segment's consent event: the tag sends it when a choice changes while analytics stays granted. */
export const CONSENT_EVENT = 'Segment Consent Preference Updated'
