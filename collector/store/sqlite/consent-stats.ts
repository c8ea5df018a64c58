// The consent ledger summed up for the dashboard, in SQL: each consent id counts once, with its
// latest record (a visitor who changes their mind counts with their current choice).
import type Database from 'better-sqlite3'
import type { ConsentStatsRow } from '../types.ts'

/**
 * A purposes cell as the ledger reads it (ledger/record-row.ts readPurposes): the four booleans, or
 * NULL when it is not (a hand-edited cell reads as all off there, and as nothing granted here).
 */
const PURPOSES_CELL = `CASE WHEN json_valid(purposes)
    AND json_type(purposes, '$.necessary') IN ('true', 'false')
    AND json_type(purposes, '$.analytics') IN ('true', 'false')
    AND json_type(purposes, '$.personalization') IN ('true', 'false')
    AND json_type(purposes, '$.marketing') IN ('true', 'false')
  THEN purposes END`

const granted = (purpose: string) => `coalesce(json_type(p, '$.${purpose}') = 'true', 0)`

/**
 * Latest record per consent id among those received before @until (seq is the append order),
 * kept when it was received from @since on; then summed per UTC day of that record and source.
 * Accept all: every optional purpose granted; reject all: none of them.
 */
export const CONSENT_STATS_SQL = `
  WITH ranked AS (
    SELECT received_at, source, gpc, ${PURPOSES_CELL} AS p,
      row_number() OVER (PARTITION BY consent_id ORDER BY seq DESC) AS n
    FROM consent_records
    WHERE site = @site AND received_at < @until
  ),
  latest AS (
    SELECT date(received_at / 1000, 'unixepoch') AS day, source, gpc,
      ${granted('analytics')} AS a, ${granted('personalization')} AS pe, ${granted('marketing')} AS m
    FROM ranked
    WHERE n = 1 AND received_at >= @since
  )
  SELECT day, source, count(*) AS visitors,
    sum(a) AS analytics, sum(pe) AS personalization, sum(m) AS marketing,
    sum(a AND pe AND m) AS acceptAll, sum(NOT a AND NOT pe AND NOT m) AS rejectAll,
    sum(gpc) AS gpc
  FROM latest
  GROUP BY day, source
  ORDER BY day, source`

export const sqliteConsentStats = (db: Database.Database) => {
  const stats = db.prepare<{ site: string; since: number; until: number }, ConsentStatsRow>(CONSENT_STATS_SQL)
  return {
    consentStats: async (site: string, window: { since: number; until: number }) =>
      stats.all({ site, ...window }),
  }
}
