// One stored event → the narrow row reports read (types.ts), or nothing: page views, their
// engagement figures and other track events from browsers (events with an anonymousId) that are
// not bots; the SDK's session bookkeeping (Session Started, Session Ended) is left out. Pure: both
// adapters derive with it, so SQLite and PostgreSQL read the same rows.
import { isClickId } from '../../sdk/rules/click-ids.ts'
import type { StoredEvent } from '../store/event.ts'
import { denseIds } from './dense-ids.ts'
import type { DerivedRow, HitRow, ReportRow, VisitSummary } from './types.ts'
import { summaryFrom } from './visits.ts'

const ENGAGEMENT = 'Page Engagement'
const BOOKKEEPING = new Set(['Session Started', 'Session Ended'])
/** Properties kept for goal conditions and values; a larger body keeps its name only. */
export const MAX_PROPS = 4_096
/** Stored text is capped: a report shows it, and nothing longer helps there. */
const MAX_TEXT = 200

type Json = Record<string, unknown>
const object = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {}
const text = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, MAX_TEXT) : null
const number = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

const hostOf = (url: unknown): string | null => {
  if (typeof url !== 'string' || url === '') return null
  try {
    const host = new URL(url).hostname.toLowerCase()
    return host.startsWith('www.') ? host.slice(4) : host || null
  } catch {
    return null
  }
}

/** A path without query or fragment; a page's URL stands in when the path is missing. */
const pathOf = (path: unknown, url: unknown): string | null => {
  const raw = typeof path === 'string' && path !== '' ? path : undefined
  if (raw !== undefined) return raw.split(/[?#]/)[0]!.slice(0, MAX_TEXT) || '/'
  try {
    return typeof url === 'string' ? new URL(url).pathname.slice(0, MAX_TEXT) : null
  } catch {
    return null
  }
}

const propsOf = (properties: Json) => {
  const json = JSON.stringify(properties)
  return json.length <= MAX_PROPS ? json : null
}

export const derivedRowOf = (event: StoredEvent): DerivedRow | undefined => {
  const kind =
    event.type === 'page'
      ? 'page'
      : event.type !== 'track' || event.name === null || BOOKKEEPING.has(event.name)
        ? undefined
        : event.name === ENGAGEMENT
          ? 'engagement'
          : 'event'
  if (kind === undefined || !event.anonymousId) return undefined
  let body: Json
  try {
    body = object(JSON.parse(event.payload))
  } catch {
    return undefined
  }
  const context = object(body.context)
  if (context.bot === true) return undefined
  const page = object(context.page)
  const properties = object(body.properties)
  const campaign = object(context.campaign)
  const url = properties.url ?? page.url
  const referrer = hostOf(properties.referrer ?? page.referrer)
  // A referrer on the site itself is navigation, not a source.
  const external = referrer !== null && referrer !== hostOf(url) ? referrer : null
  const location = object(context.location)
  return {
    device: event.anonymousId,
    session: text(object(context.session).id) ?? `event:${event.messageId}`,
    at: event.timestamp,
    kind,
    path: pathOf(properties.path ?? page.path, url),
    referrer: external,
    source: text(campaign.source),
    medium: text(campaign.medium)?.toLowerCase() ?? null,
    campaign: text(campaign.name),
    term: text(campaign.term),
    content: text(campaign.content),
    clickId: Object.keys(campaign).some(isClickId),
    browser: text(object(context.browser).name),
    os: text(object(context.os).name),
    deviceType: text(object(context.device).type),
    country: text(location.country),
    region: text(location.region),
    name: kind === 'event' ? event.name : null,
    props: kind === 'event' ? propsOf(properties) : null,
    engaged: kind === 'engagement' ? number(properties.engaged_time) : null,
    scroll: kind === 'engagement' ? number(properties.scroll_depth) : null,
  }
}

/**
 * The fields of a ReportRow in the order both stores select their columns and read them back as
 * arrays: a literal of one shape per row costs far less time and memory than rows built key by
 * key (better-sqlite3's objects; postgres.js's, which V8 keeps as dictionaries).
 */
export const REPORT_FIELDS = [
  'device',
  'person',
  'session',
  'at',
  'kind',
  'path',
  'referrer',
  'source',
  'medium',
  'campaign',
  'term',
  'content',
  'clickId',
  'browser',
  'os',
  'deviceType',
  'country',
  'region',
  'engaged',
  'scroll',
  'name',
  'props',
] as const satisfies readonly (keyof ReportRow)[]

/** A row from its values in REPORT_FIELDS order (SQLite's 0/1 and bigints as text included). */
export const reportRowFrom = (r: readonly unknown[]): ReportRow =>
  ({
    device: r[0],
    person: r[1],
    session: r[2],
    at: Number(r[3]),
    kind: r[4],
    path: r[5],
    referrer: r[6],
    source: r[7],
    medium: r[8],
    campaign: r[9],
    term: r[10],
    content: r[11],
    clickId: r[12] === true || r[12] === 1,
    browser: r[13],
    os: r[14],
    deviceType: r[15],
    country: r[16],
    region: r[17],
    engaged: r[18] === null ? null : Number(r[18]),
    scroll: r[19] === null ? null : Number(r[19]),
    name: r[20],
    props: r[21],
  }) as ReportRow

/**
 * Rows of at, kind, path, name, props, device, person, session, then (with `visits`) the summary
 * in SUMMARY_FIELDS order → HitRows, one summary object per visit. Both adapters read them so.
 */
export const hitRowsFrom = (found: Iterable<unknown[]>, visits: boolean): HitRow[] => {
  const summaries = new Map<string, VisitSummary>()
  const rows: HitRow[] = []
  for (const r of found) {
    const row: HitRow = {
      at: Number(r[0]),
      kind: r[1] as HitRow['kind'],
      path: r[2] as string | null,
      name: r[3] as string | null,
      props: r[4] as string | null,
      device: r[5] as string,
      person: r[6] as string,
    }
    if (visits) {
      const key = `${row.device}\u0000${r[7] as string}`
      let visit = summaries.get(key)
      if (!visit) {
        visit = summaryFrom(r.slice(8))
        summaries.set(key, visit)
      }
      row.visit = visit
    }
    rows.push(row)
  }
  return rows
}

/**
 * Sets each row's person (and its visit's) from its device, asking `peopleOf` once for the
 * distinct devices (it answers in their order). The stores read hits and visits with the device
 * standing for the person, then this: a join looked up each hit's person in the hits' time order,
 * each look-up on another page of the identifiers (at 10,000,000 events, more than half of a
 * funnel's read on SQLite); the store can look them up in device order instead.
 */
export const withPeople = <R extends { device: string; person: string; visit?: VisitSummary }>(
  rows: readonly R[],
  peopleOf: (devices: readonly string[]) => readonly string[],
): void => {
  const devices = denseIds()
  const numbers = new Int32Array(rows.length)
  for (let r = 0; r < rows.length; r++) numbers[r] = devices.numberOf(rows[r]!.device)
  const people = peopleOf(devices.ids)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    row.person = people[numbers[r]!]!
    if (row.visit) row.visit.person = row.person
  }
}
