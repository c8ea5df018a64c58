// Consent statistics on PostgreSQL: each consent id's latest record in the window, summed per UTC
// day and source (as store/sqlite/consent-stats.ts does on SQLite; ledger/stats.ts shapes them).
import type { ConsentStatsRow } from '../types.ts'
import type { Sql } from './schema.ts'

/** The purposes cell when it holds the four booleans (else NULL: nothing granted), as jsonb. */
const PURPOSES_CELL = `CASE WHEN
    jsonb_typeof(precis_jsonb(purposes) -> 'necessary') = 'boolean' AND
    jsonb_typeof(precis_jsonb(purposes) -> 'analytics') = 'boolean' AND
    jsonb_typeof(precis_jsonb(purposes) -> 'personalization') = 'boolean' AND
    jsonb_typeof(precis_jsonb(purposes) -> 'marketing') = 'boolean'
  THEN precis_jsonb(purposes) END`

const granted = (purpose: string) => `coalesce((p -> '${purpose}')::boolean, false)`

/** Same meaning as CONSENT_STATS_SQL in ../sqlite-consent-stats.ts. */
const CONSENT_STATS_SQL = `
  WITH ranked AS (
    SELECT received_at, source, gpc, purposes,
      row_number() OVER (PARTITION BY consent_id ORDER BY seq DESC) AS n
    FROM consent_records
    WHERE site = $1 AND received_at < $3
  ),
  latest AS (
    SELECT to_char(to_timestamp(received_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, source, gpc,
      ${granted('analytics')} AS a, ${granted('personalization')} AS pe, ${granted('marketing')} AS m
    FROM (SELECT received_at, source, gpc, ${PURPOSES_CELL} AS p FROM ranked
      WHERE n = 1 AND received_at >= $2) AS l
  )
  SELECT day, source, count(*)::int AS visitors,
    count(*) FILTER (WHERE a)::int AS analytics, count(*) FILTER (WHERE pe)::int AS personalization,
    count(*) FILTER (WHERE m)::int AS marketing,
    count(*) FILTER (WHERE a AND pe AND m)::int AS "acceptAll",
    count(*) FILTER (WHERE NOT a AND NOT pe AND NOT m)::int AS "rejectAll",
    count(*) FILTER (WHERE gpc)::int AS gpc
  FROM latest
  GROUP BY day, source
  ORDER BY day, source`

export const postgresConsentStats = (sql: Sql) => ({
  consentStats: async (site: string, window: { since: number; until: number }) => [
    ...(await sql.unsafe<ConsentStatsRow[]>(CONSENT_STATS_SQL, [site, window.since, window.until])),
  ],
})
