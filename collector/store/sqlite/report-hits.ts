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
  const ofVisit = `EXISTS (SELECT 1 FROM report_visits v
    WHERE v.site = r.site AND v.device = r.device AND v.session = r.session)`
  // Only what the covering index holds: a page view's path, an event's name and properties. The
  // device stands for the person until withPeople sets it.
  const branch = (index: string, kind: 'page' | 'event', condition: string) => `
    SELECT r.at, '${kind}', ${kind === 'page' ? 'r.path, NULL, NULL' : 'NULL, r.name, r.props'}, r.device,
      r.device, r.session ${visits ? `, ${summaryColumns('v.device')}` : ''}
    FROM report_rows r INDEXED BY ${index}
    ${visits ? 'JOIN report_visits v ON v.site = r.site AND v.device = r.device AND v.session = r.session' : ''}
    WHERE r.site = @site AND r.kind = '${kind}' AND ${condition} AND r.at >= @from AND r.at < @to`
  const branches = [
    ...pages.map((condition) => branch('report_rows_page_hits', 'page', condition)),
    ...(events
      ? [
          branch(
            'report_rows_event_hits',
            'event',
            `r.name IN (SELECT value FROM json_each(@events))${visits ? '' : ` AND ${ofVisit}`}`,
          ),
        ]
      : []),
  ]
  return `SELECT * FROM (${branches.join(' UNION ALL ')}) LIMIT @limit`
}

/**
 * Each device in @devices (a JSON list) as its position in the list and its person, looked up in
 * device order (the identifiers' own: in any other order each look-up lands on another page).
 */
export const DEVICE_PEOPLE_SQL = `
  WITH d(n, device) AS MATERIALIZED (SELECT key, value FROM json_each(@devices) ORDER BY value)
  SELECT d.n, coalesce(i.profile_id, d.device) FROM d
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
  const devicePeople = db
    .prepare<{ site: string; devices: string }, [number, string]>(DEVICE_PEOPLE_SQL)
    .raw(true)
  const peopleDevices = db.prepare<{ site: string; people: string }, string>(PEOPLE_DEVICES_SQL).pluck()
  const devicesVisits = db
    .prepare<{ site: string; devices: string; from: number; to: number }, unknown[]>(DEVICES_VISITS_SQL)
    .raw(true)

  /** Each device's person, in the order given. */
  const peopleOf = (site: string, devices: readonly string[]) => {
    const people: string[] = new Array(devices.length)
    for (let i = 0; i < devices.length; i += DEVICE_CHUNK)
      for (const [n, person] of devicePeople.iterate({
        site,
        devices: JSON.stringify(devices.slice(i, i + DEVICE_CHUNK)),
      }))
        people[i + n] = person
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
    return db.transaction(() => visitsOfPeople(site, wanted, list, from, to))()
  }

  /** reportVisitsOf's reads, in one read transaction (a snapshot). */
  const visitsOfPeople = (
    site: string,
    wanted: ReadonlySet<string>,
    list: readonly string[],
    from: number,
    to: number,
  ) => {
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
  }

  return { reportHits, reportVisitsOf }
}
