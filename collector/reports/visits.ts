// Report rows → visits: a visit is one session of one device (the SDK's 30-minute session), with
// the attributes of its landing page. Pure, so the oracle tests and both adapters agree.
import { type Channel, channelOf } from './channels.ts'
import type { ReportRow } from './types.ts'

export interface Visit {
  person: string
  device: string
  start: number
  end: number
  /** Paths of its page views in time order. */
  pages: string[]
  entry: string | null
  exit: string | null
  channel: Channel
  referrer: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  term: string | null
  content: string | null
  browser: string | null
  os: string | null
  deviceType: string | null
  country: string | null
  /** `country-region` (DE-BE), so one region name never mixes two countries. */
  region: string | null
  /** Seconds engaged, summed over its pages' engagement figures. */
  engaged: number
  /** Each page's scroll depth reached (0-100), where the page reported one. */
  scrolls: number[]
  /** Its other track events, in time order (properties as JSON text, null when over the cap). */
  events: { name: string; props: string | null; at: number }[]
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
      scrolls: engagement.flatMap((r) => (r.scroll === null ? [] : [Math.min(100, Math.max(0, r.scroll))])),
      events: list.flatMap((r) =>
        r.kind === 'event' && r.name !== null ? [{ name: r.name, props: r.props, at: r.at }] : [],
      ),
    })
  }
  return visits
}
