// The retention oracle: cohorts counted the plain way from what the stream meant
// (report-stream.ts), with none of the collector's code. A visit is a device's session with a page
// view; a person's cohort is the local day or week (Monday first) of their first visit of all; a
// period counts when one of their returns falls in it and it ended by the report's end.
import type { Seen } from './report-stream.ts'

const localDate = (at: number, zone: string) => new Date(at).toLocaleDateString('sv-SE', { timeZone: zone })
const utc = (date: string) => Date.parse(`${date}T00:00:00Z`)
const plusDays = (date: string, days: number) =>
  new Date(utc(date) + days * 86_400_000).toISOString().slice(0, 10)
const monday = (date: string) => plusDays(date, -((new Date(utc(date)).getUTCDay() + 6) % 7))
const dayDiff = (a: string, b: string) => Math.round((utc(b) - utc(a)) / 86_400_000)

export interface OracleAsk {
  zone: string
  from: string
  to: string
  /** The report's end: the end of `to` or now, whichever is first. */
  end: number
  by: 'day' | 'week'
  periods: number
  /** Returns: any visit, orders, or views of a page. */
  goal?: { order: true } | { page: string }
  /** Only people whose first visit came from this channel. */
  channel?: string
}

interface OracleVisit {
  device: string
  start: number
  rows: Seen[]
}

/** Each person's visits, the erased person and what was not stored left out. */
export const peopleOf = (seen: readonly Seen[], erased: string) => {
  const sessions = new Map<string, Seen[]>()
  for (const s of seen) {
    if (!s.counts || s.kind === 'other' || s.person === erased) continue
    const key = `${s.device}/${s.session}`
    sessions.set(key, [...(sessions.get(key) ?? []), s])
  }
  const people = new Map<string, OracleVisit[]>()
  for (const rows of sessions.values()) {
    const pages = rows.filter((r) => r.kind === 'page')
    if (pages.length === 0) continue
    const person = pages[0]!.person
    const visit = { device: pages[0]!.device, start: Math.min(...rows.map((r) => r.at)), rows }
    people.set(person, [...(people.get(person) ?? []), visit])
  }
  for (const visits of people.values()) visits.sort((a, b) => a.start - b.start)
  return people
}

export const oracleRetention = (seen: readonly Seen[], erased: string, ask: OracleAsk) => {
  const { zone, by } = ask
  const label = (date: string) => (by === 'day' ? date : monday(date))
  const step = by === 'day' ? 1 : 7
  const endDate = localDate(ask.end, zone)
  const lastDate = [localDate(ask.end - 1, zone), ask.to].sort()[0]!
  const cohorts = new Map<string, { people: number; back: number[] }>()
  for (let c = label(ask.from); c <= label(lastDate); c = plusDays(c, step))
    cohorts.set(c, { people: 0, back: new Array(ask.periods + 1).fill(0) })
  for (const visits of peopleOf(seen, erased).values()) {
    const first = visits[0]!
    const firstDate = localDate(first.start, zone)
    if (firstDate < ask.from || firstDate > ask.to || first.start >= ask.end) continue
    const firstPage = first.rows.filter((r) => r.kind === 'page').sort((a, b) => a.at - b.at)[0]!
    if (ask.channel !== undefined && firstPage.channel !== ask.channel) continue
    const cohort = cohorts.get(label(firstDate))!
    cohort.people++
    const goal = ask.goal
    const returns = !goal
      ? visits.map((v) => v.start)
      : visits.flatMap((v) =>
          v.rows
            .filter((r) => ('order' in goal ? r.kind === 'event' : r.kind === 'page' && r.path === goal.page))
            .map((r) => r.at),
        )
    const periods = new Set(
      returns
        .filter((at) => at >= first.start && at < ask.end)
        .map((at) => dayDiff(label(firstDate), label(localDate(at, zone))) / step),
    )
    for (const k of periods) if (k <= ask.periods) cohort.back[k]!++
  }
  return [...cohorts].map(([cohort, { people, back }]) => ({
    cohort,
    people,
    // Complete periods only: the next one starts by the report's end.
    periods: back
      .map((n, k) => ({ period: k, people: n }))
      .filter((p) => plusDays(cohort, (p.period + 1) * step) <= endDate),
  }))
}

/** People whose visits after the first cohort's period include one on another device. */
export const crossDeviceReturners = (seen: readonly Seen[], erased: string, zone: string) =>
  [...peopleOf(seen, erased).values()].filter((visits) => {
    const first = visits[0]!
    return visits.some(
      (v) => v.device !== first.device && localDate(v.start, zone) !== localDate(first.start, zone),
    )
  }).length
