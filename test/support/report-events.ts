// Stored events for the report store contract (test/contracts/reports.contract.ts): page views and
// engagement figures as the SDK sends them, the rows a store should answer (computed naively from
// the events with derivedRowOf), and a seeded random stream of inserts, resends, links, syncs and
// retention to compare a store with that computation.
import { hourAggregateOf, hourOf } from '../../collector/reports/hours.ts'
import { derivedRowOf, REPORT_FIELDS } from '../../collector/reports/report-row.ts'
import type { HourAggregate, ReportRow, VisitSummary } from '../../collector/reports/types.ts'
import type { StoredEvent } from '../../collector/store/types.ts'
import { prng } from './prng.ts'

export const SITE = 'demo'
export const T = Date.parse('2026-11-20T10:00:00.000Z')
export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

export interface Visit {
  site?: string
  messageId?: string
  userId?: string | null
  /** null: no session id (the event is a visit of its own). */
  session?: string | null
  path?: string
  url?: string
  referrer?: string
  campaign?: Record<string, string>
  bot?: boolean
  browser?: string
  os?: string
  deviceType?: string
  country?: string
  region?: string
}

let n = 0
const stored = (
  type: StoredEvent['type'],
  name: string | null,
  device: string | null,
  at: number,
  v: Visit,
  properties: Record<string, unknown>,
): StoredEvent => {
  const context = {
    ...(v.session === null ? {} : { session: { id: v.session ?? 's1' } }),
    page: {
      path: v.path ?? '/',
      url: v.url ?? `https://shop.example${v.path ?? '/'}`,
      referrer: v.referrer ?? '',
    },
    ...(v.campaign ? { campaign: v.campaign } : {}),
    ...(v.bot ? { bot: true } : {}),
    browser: { name: v.browser ?? 'Firefox' },
    os: { name: v.os ?? 'Ubuntu' },
    device: { type: v.deviceType ?? 'desktop' },
    location: { country: v.country ?? 'DE', region: v.region ?? 'BE' },
  }
  return {
    site: v.site ?? SITE,
    messageId: v.messageId ?? `r-${++n}`,
    type,
    name,
    userId: v.userId ?? null,
    anonymousId: device,
    timestamp: at,
    receivedAt: at + 500,
    payload: JSON.stringify({ properties, context }),
  }
}

export const pageView = (device: string | null, at: number, v: Visit = {}) =>
  stored('page', null, device, at, v, { path: v.path ?? '/' })
/** A visit landing from an ad click (gclid) and one without, for the paid-click migration tests. */
export const paidClickEvents = () => [
  pageView('a1', T, { campaign: { source: 'google', medium: 'cpc', name: 'winter', gclid: 'g1' } }),
  pageView('a1', T + 1),
  pageView('a2', T + 2),
]

export const engagement = (
  device: string | null,
  at: number,
  engaged: number,
  scroll: number,
  v: Visit = {},
) => stored('track', 'Page Engagement', device, at, v, { engaged_time: engaged, scroll_depth: scroll })
export const track = (device: string | null, at: number, name: string, v: Visit = {}) =>
  stored('track', name, device, at, v, {})
export const identify = (device: string, userId: string, at: number): StoredEvent => ({
  ...stored('identify', null, device, at, {}, {}),
  userId,
})

/** The rows of the site's stored events (the first of each messageId wins), each with its person. */
export const rowsOf = (
  events: Iterable<StoredEvent>,
  personOf: (device: string) => string = (d) => d,
  site = SITE,
): ReportRow[] => {
  const first = new Map<string, StoredEvent>()
  for (const e of events) if (e.site === site && !first.has(e.messageId)) first.set(e.messageId, e)
  return [...first.values()].flatMap((e) => {
    const row = derivedRowOf(e)
    return row ? [{ ...row, person: personOf(row.device) }] : []
  })
}

/** reportSessions' answer computed from all rows: every row of a session with a row in [from, to). */
export const sessionsIn = (rows: readonly ReportRow[], from: number, to: number) => {
  const key = (r: ReportRow) => `${r.device}\u0000${r.session}`
  const hit = new Set(rows.filter((r) => r.at >= from && r.at < to).map(key))
  return rows.filter((r) => hit.has(key(r)))
}

const sortKey = (r: ReportRow) => JSON.stringify(REPORT_FIELDS.map((f) => r[f]))
/** Rows in one order whatever the store's: answers carry no order. */
export const sorted = (rows: readonly ReportRow[]) =>
  [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))

/** Visit summaries in one order whatever the store's: by device, then start, then end. */
export const sortedVisits = (visits: readonly VisitSummary[]) =>
  [...visits].sort((a, b) => a.device.localeCompare(b.device) || a.start - b.start || a.end - b.end)

/** What a store's hours must be: one aggregate per hour with visits, in time order. */
export const hoursOf = (visits: readonly VisitSummary[]): HourAggregate[] => {
  const byHour = new Map<number, VisitSummary[]>()
  for (const v of visits) {
    const hour = hourOf(v.start)
    const list = byHour.get(hour)
    if (list) list.push(v)
    else byHour.set(hour, [v])
  }
  return [...byHour.entries()].sort(([a], [b]) => a - b).map(([hour, list]) => hourAggregateOf(hour, list))
}

/**
 * Hour aggregates in time order, sums to 6 decimals: a store adds a visit's seconds in its own
 * order, and floating-point addition is not associative.
 */
export const sortedHours = (hours: readonly HourAggregate[]) =>
  [...hours]
    .sort((a, b) => a.hour - b.hour)
    .map((h) => ({
      ...h,
      duration: Number(h.duration.toFixed(6)),
      engaged: Number(h.engaged.toFixed(6)),
      scrollSum: Number(h.scrollSum.toFixed(6)),
    }))

export type Step =
  | { kind: 'insert'; events: StoredEvent[] }
  | { kind: 'sync' }
  | { kind: 'resolve' }
  | { kind: 'retention'; before: number }

const DEVICES = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5']
const USERS = ['u0', 'u1']
const PATHS = ['/', '/shoes', '/bags?size=m', '/cart#top']
const SOURCES: Record<string, string>[] = [
  {},
  { source: 'google', medium: 'CPC', name: 'winter', gclid: 'g1' },
  { source: 'newsletter' },
]
/** Times over three months (retention may drop a whole one), on a 10-minute grid: sessions meet. */
const SPAN = 70 * DAY
export const STREAM_START = T - SPAN

/** `steps` random steps of a seed: batches of events (resends among them), syncs, links, retention. */
export const reportStream = (seed: number, steps: number): Step[] => {
  const random = prng(seed)
  const pick = <V>(values: readonly V[]) => values[Math.floor(random() * values.length)]!
  const at = () => STREAM_START + Math.floor(random() * (SPAN / (10 * MINUTE))) * 10 * MINUTE
  const sent: StoredEvent[] = []
  const one = (): StoredEvent => {
    const device = pick(DEVICES)
    const v: Visit = {
      session: random() < 0.1 ? null : pick(['s1', 's2', 's3']),
      path: pick(PATHS),
      referrer: pick(['', 'https://www.google.com/', 'https://shop.example/']),
      campaign: pick(SOURCES),
      bot: random() < 0.05,
      deviceType: pick(['desktop', 'mobile']),
    }
    const r = random()
    if (r < 0.06 && sent.length > 0) {
      // A resend: the same messageId, once even with another body.
      const again = pick(sent)
      return { ...again, payload: random() < 0.5 ? again.payload : pageView(device, again.timestamp).payload }
    }
    if (r < 0.5) return pageView(random() < 0.05 ? null : device, at(), v)
    if (r < 0.75) return engagement(device, at(), Math.round(random() * 1200) / 10, pick([25, 50, 100]), v)
    if (r < 0.85) return track(device, at(), pick(['Order Completed', 'Signed Up']), v)
    // Two devices never sign in: they stay people of their own.
    return identify(pick(DEVICES.slice(0, 4)), pick(USERS), at())
  }
  return Array.from({ length: steps }, (): Step => {
    const r = random()
    if (r < 0.1) return { kind: 'sync' }
    if (r < 0.15) return { kind: 'resolve' }
    // Within the first 30 days: the first month goes whole (a dropped partition on PostgreSQL).
    if (r < 0.18) return { kind: 'retention', before: STREAM_START + Math.floor(random() * 30) * DAY }
    const events = Array.from({ length: 1 + Math.floor(random() * 4) }, one)
    sent.push(...events)
    return { kind: 'insert', events }
  })
}
