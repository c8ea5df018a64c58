// The report oracle: traffic figures counted the plain way from what the stream meant
// (report-stream.ts), with none of the collector's code. A visit is a device's session with a
// page view; it counts on the local date it starts, with all its page views.
import type { Seen } from './report-stream.ts'

interface OracleVisit {
  person: string
  device: string
  start: number
  end: number
  pages: string[]
  landing: Seen
  engaged: number
  scrolls: number[]
  orders: number[]
}

const localDate = (at: number, zone: string) => new Date(at).toLocaleDateString('sv-SE', { timeZone: zone })
const localHour = (at: number, zone: string) =>
  `${localDate(at, zone)}T${new Date(at).toLocaleTimeString('sv-SE', { timeZone: zone, hour: '2-digit' }).slice(0, 2)}:00`

export const oracleVisits = (seen: readonly Seen[], erased: string): OracleVisit[] => {
  const sessions = new Map<string, Seen[]>()
  for (const s of seen) {
    if (!s.counts || s.kind === 'other' || s.person === erased) continue
    const key = `${s.device}/${s.session}`
    sessions.set(key, [...(sessions.get(key) ?? []), s])
  }
  const visits: OracleVisit[] = []
  for (const rows of sessions.values()) {
    const pages = rows.filter((r) => r.kind === 'page').sort((a, b) => a.at - b.at)
    if (pages.length === 0) continue
    const times = rows.map((r) => r.at)
    const engagement = rows.filter((r) => r.kind === 'engagement')
    visits.push({
      person: pages[0]!.person,
      device: pages[0]!.device,
      start: Math.min(...times),
      end: Math.max(...times),
      pages: pages.map((p) => p.path),
      landing: pages[0]!,
      engaged: engagement.reduce((n, r) => n + r.engaged!, 0),
      scrolls: engagement.map((r) => r.scroll!),
      orders: rows.filter((r) => r.kind === 'event').map((r) => r.revenue!),
    })
  }
  return visits
}

export const inDates = (visits: readonly OracleVisit[], from: string, to: string, zone: string) =>
  visits.filter((v) => {
    const date = localDate(v.start, zone)
    return date >= from && date <= to
  })

const mean = (sum: number, n: number) => (n === 0 ? null : sum / n)

export const oracleTotals = (visits: readonly OracleVisit[]) => {
  const sum = (f: (v: OracleVisit) => number) => visits.reduce((n, v) => n + f(v), 0)
  const scrolls = visits.flatMap((v) => v.scrolls)
  return {
    visitors: new Set(visits.map((v) => v.person)).size,
    devices: new Set(visits.map((v) => v.device)).size,
    visits: visits.length,
    pageviews: sum((v) => v.pages.length),
    viewsPerVisit: mean(
      sum((v) => v.pages.length),
      visits.length,
    ),
    bounceRate: mean(
      sum((v) => (v.pages.length === 1 ? 1 : 0)),
      visits.length,
    ),
    visitDuration: mean(
      sum((v) => (v.end - v.start) / 1000),
      visits.length,
    ),
    engagedTime: mean(
      sum((v) => v.engaged),
      visits.length,
    ),
    scrollDepth: mean(
      scrolls.reduce((a, b) => a + b, 0),
      scrolls.length,
    ),
  }
}

/** Visitors, visits and page views per local day or hour that has any. */
export const oracleSeries = (visits: readonly OracleVisit[], zone: string, by: 'day' | 'hour') => {
  const points = new Map<string, OracleVisit[]>()
  for (const v of visits) {
    const bucket = by === 'day' ? localDate(v.start, zone) : localHour(v.start, zone)
    points.set(bucket, [...(points.get(bucket) ?? []), v])
  }
  return new Map(
    [...points].map(([bucket, list]) => {
      const t = oracleTotals(list)
      return [bucket, { visitors: t.visitors, visits: t.visits, pageviews: t.pageviews }]
    }),
  )
}

const VALUE: Record<string, (v: OracleVisit) => string | null> = {
  channel: (v) => v.landing.channel,
  entry_page: (v) => v.landing.path,
  exit_page: (v) => v.pages[v.pages.length - 1]!,
  referrer: (v) => v.landing.referrerHost,
  utm_source: (v) => v.landing.source,
  utm_medium: (v) => v.landing.medium,
  utm_campaign: (v) => v.landing.campaign,
  utm_content: (v) => v.landing.content,
  browser: (v) => v.landing.browser,
  os: (v) => v.landing.os,
  device: (v) => v.landing.deviceType,
}

/** Per value of a dimension: visitors, visits, page views (pages: of that path). */
export const oracleBreakdown = (visits: readonly OracleVisit[], dimension: string) => {
  const rows = new Map<string | null, { people: Set<string>; visits: Set<OracleVisit>; pageviews: number }>()
  const add = (value: string | null, v: OracleVisit, views: number) => {
    const row = rows.get(value) ?? { people: new Set(), visits: new Set(), pageviews: 0 }
    row.people.add(v.person)
    row.visits.add(v)
    row.pageviews += views
    rows.set(value, row)
  }
  for (const v of visits) {
    if (dimension === 'page') for (const p of v.pages) add(p, v, 1)
    else add(VALUE[dimension]!(v), v, v.pages.length)
  }
  return new Map(
    [...rows].map(([value, r]) => [
      value,
      { visitors: r.people.size, visits: r.visits.size, pageviews: r.pageviews },
    ]),
  )
}

export const oracleFilter = (visits: readonly OracleVisit[], dimension: string, value: string) =>
  visits.filter((v) => (dimension === 'page' ? v.pages.includes(value) : VALUE[dimension]!(v) === value))

/** A goal's figures: orders (over `min` revenue) or views of a page, people counted once. */
export const oracleGoal = (
  visits: readonly OracleVisit[],
  goal: { order?: { min: number }; page?: string },
) => {
  const reached = (v: OracleVisit) =>
    goal.page !== undefined
      ? { n: v.pages.filter((p) => p === goal.page).length, revenue: 0 }
      : (() => {
          const orders = v.orders.filter((r) => r > goal.order!.min)
          return { n: orders.length, revenue: orders.reduce((a, b) => a + b, 0) }
        })()
  const people = new Set(visits.map((v) => v.person))
  const converted = new Set(visits.filter((v) => reached(v).n > 0).map((v) => v.person))
  const conversions = visits.reduce((n, v) => n + reached(v).n, 0)
  const revenue = visits.reduce((n, v) => n + reached(v).revenue, 0)
  return {
    conversions,
    visitors: converted.size,
    conversionRate: people.size === 0 ? null : converted.size / people.size,
    revenue,
    averageOrderValue: conversions === 0 ? null : revenue / conversions,
  }
}
