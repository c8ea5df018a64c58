// Report rows → visits: a visit is one session of one device (the SDK's 30-minute session), with
// the attributes of its landing page. Pure, so the oracle tests and both adapters agree.
import { type Channel, channelOf } from './channels.ts'
import type { ReportRow, VisitSummary } from './types.ts'

export type { VisitSummary }

export interface Visit extends VisitSummary {
  /** Paths of its page views in time order. */
  pages: string[]
  /** Each page's scroll depth reached (0-100), where the page reported one. */
  scrolls: number[]
  /** Its other track events, in time order (properties as JSON text, null when over the cap). */
  events: { name: string; props: string | null; at: number }[]
}

/**
 * A summary's fields in the order stores read them back as arrays (`summaryFrom`): both adapters
 * select their columns in this order, person second.
 */
export const SUMMARY_FIELDS = [
  'device',
  'person',
  'start',
  'end',
  'entry',
  'exit',
  'channel',
  'referrer',
  'source',
  'medium',
  'campaign',
  'term',
  'content',
  'browser',
  'os',
  'deviceType',
  'country',
  'region',
  'engaged',
  'pageviews',
  'scrollSum',
  'scrollCount',
  'clickId',
] as const satisfies readonly (keyof VisitSummary)[]

/** A summary from its values in SUMMARY_FIELDS order (numbers may come back as strings: bigint). */
export const summaryFrom = (v: readonly unknown[]): VisitSummary => ({
  device: v[0] as string,
  person: v[1] as string,
  start: Number(v[2]),
  end: Number(v[3]),
  entry: v[4] as string | null,
  exit: v[5] as string | null,
  channel: v[6] as Channel,
  referrer: v[7] as string | null,
  source: v[8] as string | null,
  medium: v[9] as string | null,
  campaign: v[10] as string | null,
  term: v[11] as string | null,
  content: v[12] as string | null,
  browser: v[13] as string | null,
  os: v[14] as string | null,
  deviceType: v[15] as string | null,
  country: v[16] as string | null,
  region: v[17] as string | null,
  engaged: Number(v[18]),
  pageviews: Number(v[19]),
  scrollSum: Number(v[20]),
  scrollCount: Number(v[21]),
  // SQLite stores 0 or 1, PostgreSQL a boolean.
  clickId: Boolean(v[22]),
})

/** The summary of a visit: the stored form of `reportVisits` (no pages, no events). */
export const summaryOf = (v: Visit): VisitSummary => {
  const { pages: _pages, scrolls: _scrolls, events: _events, ...summary } = v
  return summary
}

const byTime = (a: ReportRow, b: ReportRow) =>
  a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'page' ? -1 : 1)

/** A session's key: its device and the SDK's session id. */
export const sessionKey = (row: { device: string; session: string }) => `${row.device}\u0000${row.session}`

/** Rows grouped by session, in the order each session first appears. */
export const sessionsOf = (rows: readonly ReportRow[]): ReportRow[][] => {
  const sessions = new Map<string, ReportRow[]>()
  for (const row of rows) {
    const key = sessionKey(row)
    const list = sessions.get(key)
    if (list) list.push(row)
    else sessions.set(key, [row])
  }
  return [...sessions.values()]
}

/** Groups rows into visits; a session without a page view is no visit. */
export const visitsOf = (rows: readonly ReportRow[]): Visit[] => {
  const visits: Visit[] = []
  for (const list of sessionsOf(rows)) {
    list.sort(byTime)
    const pages = list.filter((r) => r.kind === 'page')
    const landing = pages[0]
    if (!landing) continue
    const engagement = list.filter((r) => r.kind === 'engagement')
    const scrolls = engagement.flatMap((r) =>
      r.scroll === null ? [] : [Math.min(100, Math.max(0, r.scroll))],
    )
    visits.push({
      person: landing.person,
      device: landing.device,
      start: list[0]!.at,
      end: list[list.length - 1]!.at,
      pages: pages.map((p) => p.path ?? '/'),
      entry: landing.path,
      exit: pages[pages.length - 1]!.path,
      channel: channelOf(landing),
      referrer: landing.referrer,
      source: landing.source,
      medium: landing.medium,
      campaign: landing.campaign,
      term: landing.term,
      content: landing.content,
      browser: landing.browser,
      os: landing.os,
      deviceType: landing.deviceType,
      country: landing.country,
      region: landing.region && landing.country ? `${landing.country}-${landing.region}` : landing.region,
      engaged: engagement.reduce((s, r) => s + Math.max(0, r.engaged ?? 0), 0),
      pageviews: pages.length,
      scrolls,
      scrollSum: scrolls.reduce((sum, n) => sum + n, 0),
      scrollCount: scrolls.length,
      clickId: landing.clickId,
      events: list.flatMap((r) =>
        r.kind === 'event' && r.name !== null ? [{ name: r.name, props: r.props, at: r.at }] : [],
      ),
    })
  }
  return visits
}
