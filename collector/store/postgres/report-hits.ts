// Funnels' and attribution's reads on PostgreSQL (reports/types.ts `reportHits`, `reportVisitsOf`):
// the rows a question names with their visits' summaries, and the visits of chosen people, instead
// of every row of the period. SQLite's twin is store/sqlite/report-hits.ts.
import { pageMatches } from '../../../sdk/rules/goal-schema.ts'
import { hitRowsFrom } from '../../reports/report-row.ts'
import type { ReportStore } from '../../reports/types.ts'
import { summaryFrom } from '../../reports/visits.ts'
import { SUMMARY_COLUMNS } from './reports.ts'
import type { Sql } from './schema.ts'

/** People whose visits are read per statement. */
const PEOPLE_CHUNK = 5_000

/** A goal's page pattern as a LIKE pattern: `*` is any characters; `%`, `_` and `\` are themselves. */
const likeOf = (pattern: string) => pattern.replace(/[\\%_]/g, '\\$&').replaceAll('*', '%')

/**
 * Site $1's page views with a path in $4, matching a pattern of $5 (less those), without a path
 * when $6, and events named in $7, in [$2, $3), of visits, $8 at most, with (`visits`) their
 * summaries: one branch per index range, as SQLite's.
 */
const hitsSql = (visits: boolean) => {
  // Only what the covering index holds: a page view's path, an event's name and properties. A
  // pattern is a filter, not an index range: without the cardinality test the planner read every
  // row of the period to find none when there was no pattern (10,000,000 events: 0.5 s a funnel).
  const branch = (kind: 'page' | 'event', condition: string) => `
    SELECT r.at::float8, '${kind}', ${kind === 'page' ? 'r.path, NULL, NULL' : 'NULL, r.name, r.props'},
      r.device, coalesce(i.profile_id, r.device), r.session ${visits ? `, ${SUMMARY_COLUMNS}` : ''}
    FROM report_rows r
    ${visits ? 'JOIN report_visits v ON v.site = r.site AND v.device = r.device AND v.session = r.session' : ''}
    LEFT JOIN identifiers i ON i.site = r.site AND i.kind = 'anonymous' AND i.value = r.device
    WHERE r.site = $1 AND r.kind = '${kind}' AND ${condition} AND r.at >= $2 AND r.at < $3`
  const ofVisit = `EXISTS (SELECT 1 FROM report_visits v
    WHERE v.site = r.site AND v.device = r.device AND v.session = r.session)`
  return `SELECT * FROM (
    ${branch('page', 'r.path = ANY($4::text[])')}
    UNION ALL ${branch('page', 'cardinality($5::text[]) > 0 AND r.path LIKE ANY($5::text[]) AND NOT r.path = ANY($4::text[])')}
    UNION ALL ${branch('page', 'r.path IS NULL AND $6::boolean')}
    UNION ALL ${branch('event', `r.name = ANY($7::text[])${visits ? '' : ` AND ${ofVisit}`}`)}
  ) hits LIMIT $8`
}

const HITS_SQL = hitsSql(false)
const HITS_WITH_VISITS_SQL = hitsSql(true)

/** The visits of site $1 starting in [$3, $4) of the devices of the people in $2. */
const PEOPLE_VISITS_SQL = `
  WITH people(person) AS (SELECT unnest($2::text[])),
  devices(device) AS (
    SELECT person FROM people
    UNION SELECT i.value FROM people
    JOIN identifiers i ON i.site = $1 AND i.profile_id = people.person AND i.kind = 'anonymous'
  )
  SELECT ${SUMMARY_COLUMNS}
  FROM devices d
  JOIN report_visits v ON v.site = $1 AND v.device = d.device
  LEFT JOIN identifiers i ON i.site = $1 AND i.kind = 'anonymous' AND i.value = v.device
  WHERE v.start_at >= $3 AND v.start_at < $4`

export const postgresReportHits = (sql: Sql): Pick<ReportStore, 'reportHits' | 'reportVisitsOf'> => ({
  reportHits: async (site, { from, to }, hits, { limit, visits }) => {
    if (hits.pages.length === 0 && hits.events.length === 0) return []
    const found = await sql
      .unsafe(
        visits ? HITS_WITH_VISITS_SQL : HITS_SQL,
        [
          site,
          from,
          to,
          hits.pages.filter((p) => !p.includes('*')),
          hits.pages.filter((p) => p.includes('*')).map(likeOf),
          hits.pages.some((p) => pageMatches(p, '/')),
          [...hits.events],
          limit,
        ],
        { prepare: true },
      )
      .values()
    return hitRowsFrom(found, visits)
  },
  reportVisitsOf: async (site, people, { from, to }) => {
    const wanted = new Set(people)
    // Two chunks at a time: each waits mostly on the database's random reads of wide summaries,
    // which a second connection overlaps (10,000,000 events: 3.0 s to 1.8 s for 125,000 people).
    return readInChunks([...wanted].sort(), PEOPLE_CHUNK, 2, async (chunk) =>
      (await sql.unsafe(PEOPLE_VISITS_SQL, [site, chunk, from, to], { prepare: true }).values())
        .map(summaryFrom)
        // A device named as a person that has a profile now belongs to that profile's person.
        .filter((summary) => wanted.has(summary.person)),
    )
  },
})

/** What `read` finds for each chunk of `size` of `items`, `concurrency` chunks at a time, in order. */
export const readInChunks = async <I, T>(
  items: readonly I[],
  size: number,
  concurrency: number,
  read: (chunk: I[]) => Promise<T[]>,
): Promise<T[]> => {
  const found: T[][] = []
  let next = 0
  const worker = async () => {
    for (let n = next++; n * size < items.length; n = next++)
      found[n] = await read(items.slice(n * size, (n + 1) * size))
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return found.flat()
}
