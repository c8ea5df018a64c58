// Funnels' and attribution's reads on SQLite (reports/types.ts `reportHits`, `reportVisitsOf`): the
// rows a question names with their visits' summaries, and the visits of chosen people, instead of
// every row of the period. The person is looked up at read time, as everywhere in reports.
import type Database from 'better-sqlite3'
import { pageMatches } from '../../../sdk/rules/goal-schema.ts'
import { hitRowsFrom, withPeople } from '../../reports/report-row.ts'
import type { HitQuery, HitRow, VisitSummary } from '../../reports/types.ts'
import { summaryFrom } from '../../reports/visits.ts'
import { summaryColumns } from './reports.ts'

/** People whose devices and visits are read per statement (a JSON list of them). */
const PEOPLE_CHUNK = 5_000

/** A goal's page pattern as a GLOB: `*` is any characters; `?` and `[` are themselves. */
const globOf = (pattern: string) => pattern.replace(/[[?]/g, (c) => `[${c}]`)

/** What a question asks of the rows, in the shape its statement is made for. */
export interface HitShape {
  exact: boolean
  /** How many page patterns (@p0, @p1, …). */
  patterns: number
  /** Page views without a path count as `/`, which a pattern matches. */
  nullPath: boolean
  events: boolean
  /** The visits' summaries come along. */
  visits: boolean
}

/**
 * The statement for a shape: one branch per index range (exact paths, each pattern less what the
 * ones before took, pages without a path, events), so each reads its rows through its index. A
 * page view makes its session a visit; an event is of one when its session has a summary.
 */
export const hitsSql = ({ exact, patterns, nullPath, events, visits }: HitShape) => {
  const exactPaths = `r.path IN (SELECT value FROM json_each(@exact))`
  const pages = [
    ...(exact ? [exactPaths] : []),
    ...Array.from({ length: patterns }, (_, n) =>
      [
        `r.path GLOB @p${n}`,
        ...(exact ? [`NOT ${exactPaths}`] : []),
        ...Array.from({ length: n }, (_, m) => `NOT r.path GLOB @p${m}`),
      ].join(' AND '),
    ),
    ...(nullPath ? ['r.path IS NULL'] : []),
  ]
  // Only what the covering index holds: a page view's path, an event's name and properties. The
  // device stands for the person until withPeople sets it.
  const visitJoin = (r: string) =>
    `JOIN report_visits v ON v.site = @site AND v.device = ${r}.device AND v.session = ${r}.session`
  const pageBranch = (condition: string) => `
    SELECT r.at, 'page', r.path, NULL, NULL, r.device, r.device, r.session
      ${visits ? `, ${summaryColumns('v.device')}` : ''}
    FROM report_rows r INDEXED BY report_rows_page_hits ${visits ? visitJoin('r') : ''}
    WHERE r.site = @site AND r.kind = 'page' AND ${condition} AND r.at >= @from AND r.at < @to`
  // Events are of a visit when their session has a summary: looked up in device order (sorted
  // first), as the summaries are stored; in time order each look-up lands on another page.
  const eventBranch = `
    SELECT e.at, 'event', NULL, e.name, e.props, e.device, e.device, e.session
      ${visits ? `, ${summaryColumns('v.device')}` : ''}
    FROM named e ${visits ? visitJoin('e') : ''}
    ${
      visits
        ? ''
        : `WHERE EXISTS (SELECT 1 FROM report_visits v
      WHERE v.site = @site AND v.device = e.device AND v.session = e.session)`
    }`
  const named = `WITH named AS MATERIALIZED (
    SELECT r.at, r.name, r.props, r.device, r.session
    FROM report_rows r INDEXED BY report_rows_event_hits
    WHERE r.site = @site AND r.kind = 'event' AND r.name IN (SELECT value FROM json_each(@events))
      AND r.at >= @from AND r.at < @to
    ORDER BY r.device, r.session)`
  const branches = [...pages.map(pageBranch), ...(events ? [eventBranch] : [])]
  // The LIMIT stops the pages early; the events are sorted only when the pages leave room.
  return `${events ? named : ''} SELECT * FROM (${branches.join(' UNION ALL ')}) LIMIT @limit`
}

/**
 * The person of each device in @devices (a JSON list, sorted: the identifiers' own order, in any
 * other each look-up lands on another page), in the list's order, as one text "person\0person…":
 * one row, not one a device (better-sqlite3 takes about a microsecond to hand over a row). Ids
 * never hold a NUL (ingest refuses them).
 */
export const DEVICE_PEOPLE_SQL = `
  WITH d(n, device) AS (SELECT key, value FROM json_each(@devices))
  SELECT group_concat(coalesce(i.profile_id, d.device), char(0) ORDER BY d.n) FROM d
  LEFT JOIN identifiers i ON i.site = @site AND i.kind = 'anonymous' AND i.value = d.device`

/**
 * The people in @people (a JSON list), which may be devices without a profile, and their devices
 * by the profile index. CROSS JOIN fixes the order (SQLite does not reorder it); left to itself
 * the planner scans every identifier.
 */
export const PEOPLE_DEVICES_SQL = `
  WITH people(person) AS MATERIALIZED (SELECT value FROM json_each(@people))
  SELECT person FROM people
  UNION SELECT i.value FROM people
  CROSS JOIN identifiers i INDEXED BY identifiers_profile
    ON i.site = @site AND i.profile_id = people.person AND i.kind = 'anonymous'`

/**
 * The visits starting in [@from, @to) of the devices in @devices (a JSON list), each device's
 * together in the list's order (the device stands for the person until withPeople sets it).
 */
export const DEVICES_VISITS_SQL = `
  SELECT ${summaryColumns('v.device')}
  FROM json_each(@devices) d
  CROSS JOIN report_visits v INDEXED BY report_visits_session ON v.site = @site AND v.device = d.value
  WHERE v.start_at >= @from AND v.start_at < @to`

/** Devices per statement of a list (a JSON list of them). */
const DEVICE_CHUNK = 100_000

export const sqliteReportHits = (db: Database.Database) => {
  const statements = new Map<string, Database.Statement<Record<string, unknown>, unknown[]>>()
  const statementFor = (shape: HitShape) => {
    const key = JSON.stringify(shape)
    let statement = statements.get(key)
    if (!statement) {
      statement = db.prepare<Record<string, unknown>, unknown[]>(hitsSql(shape)).raw(true)
      statements.set(key, statement)
    }
    return statement
  }
  const devicePeople = db.prepare<{ site: string; devices: string }, string>(DEVICE_PEOPLE_SQL).pluck()
  const peopleDevices = db.prepare<{ site: string; people: string }, string>(PEOPLE_DEVICES_SQL).pluck()
  const devicesVisits = db
    .prepare<{ site: string; devices: string; from: number; to: number }, unknown[]>(DEVICES_VISITS_SQL)
    .raw(true)

  /** Each device's person, in the order given. */
  const peopleOf = (site: string, devices: readonly string[]) => {
    const order = Array.from(devices.keys()).sort((a, b) =>
      devices[a]! < devices[b]! ? -1 : devices[a]! > devices[b]! ? 1 : 0,
    )
    const people: string[] = new Array(devices.length)
    for (let i = 0; i < order.length; i += DEVICE_CHUNK) {
      const chunk = order.slice(i, i + DEVICE_CHUNK)
      const found = devicePeople.get({ site, devices: JSON.stringify(chunk.map((d) => devices[d])) })!
      found.split('\0').forEach((person, k) => {
        people[chunk[k]!] = person
      })
    }
    return people
  }

  const reportHits = async (
    site: string,
    { from, to }: { from: number; to: number },
    hits: HitQuery,
    { limit, visits }: { limit: number; visits: boolean },
  ): Promise<HitRow[]> => {
    const exact = hits.pages.filter((p) => !p.includes('*'))
    const patterns = hits.pages.filter((p) => p.includes('*')).map(globOf)
    if (exact.length === 0 && patterns.length === 0 && hits.events.length === 0) return []
    const params: Record<string, unknown> = { site, from, to, limit }
    if (exact.length > 0) params.exact = JSON.stringify(exact)
    patterns.forEach((p, n) => {
      params[`p${n}`] = p
    })
    if (hits.events.length > 0) params.events = JSON.stringify(hits.events)
    const statement = statementFor({
      exact: exact.length > 0,
      patterns: patterns.length,
      nullPath: hits.pages.some((p) => pageMatches(p, '/')),
      events: hits.events.length > 0,
      visits,
    })
    // One read transaction: the people are those of the hits' snapshot (an erasure or a merge
    // between the two statements would otherwise show).
    return db.transaction(() => {
      const rows = hitRowsFrom(statement.iterate(params) as IterableIterator<unknown[]>, visits)
      withPeople(rows, (devices) => peopleOf(site, devices))
      return rows
    })()
  }

  const reportVisitsOf = async (
    site: string,
    people: readonly string[],
    { from, to }: { from: number; to: number },
  ): Promise<VisitSummary[]> => {
    const wanted = new Set(people)
    const list = [...wanted].sort()
    // One read transaction: the devices, their visits and their people of one snapshot.
    return db.transaction(() => {
      const devices = new Set<string>()
      for (let i = 0; i < list.length; i += PEOPLE_CHUNK)
        for (const device of peopleDevices.iterate({
          site,
          people: JSON.stringify(list.slice(i, i + PEOPLE_CHUNK)),
        }))
          devices.add(device)
      // In device order, so the visits' index is read in its own order.
      const sorted = [...devices].sort()
      const summaries: VisitSummary[] = []
      for (let i = 0; i < sorted.length; i += DEVICE_CHUNK)
        for (const v of devicesVisits.iterate({
          site,
          devices: JSON.stringify(sorted.slice(i, i + DEVICE_CHUNK)),
          from,
          to,
        }))
          summaries.push(summaryFrom(v))
      withPeople(summaries, (devices) => peopleOf(site, devices))
      // A device named as a person that has a profile now belongs to that profile's person.
      return summaries.filter((summary) => wanted.has(summary.person))
    })()
  }

  return { reportHits, reportVisitsOf }
}
