// PostgreSQL's reads behind segments and slot results: the same answers as SQLite's
// (store/sqlite/personalization.ts; both run test/contracts/personalization.contract.ts). Aggregation happens in
// SQL on jsonb; only one profile's history at a time is ever brought into JavaScript.
import type { Identifier } from '../../identity/rules.ts'
import type {
  HistoryRow,
  PersonalizationStore,
  ProfileSubject,
  SituationRow,
  SlotEventCounts,
  SlotLateCounts,
  SlotVisitorCounts,
} from '../../personalization/types.ts'
import type { Migration, Sql } from './schema.ts'

export const PERSONALIZATION_MIGRATIONS: Migration[] = [
  {
    name: 'personalization/1',
    sql: `
      -- Slot results read only their slot's events: SLOT_EVENTS repeats these terms as is. The
      -- slot is kept as jsonb so that only a JSON string equals the slot's name, as in SQLite.
      CREATE INDEX events_slot ON events (site, (precis_jsonb(payload) -> 'properties' -> 'slot'), name)
        WHERE type = 'track' AND name IN ('Slot Viewed', 'Slot Clicked');
      -- Profiles are paged in byte order (SQLite's BINARY), whatever the database's collation.
      CREATE INDEX profiles_site_id_c ON profiles (site, id COLLATE "C");`,
  },
]

/**
 * The site's events of these identifiers (emails are hashed: no column holds them): $1 site,
 * $2 userIds, $3 anonymousIds. PostgreSQL reads both indexes and ORs the bitmaps.
 */
const WHOSE = `site = $1 AND (user_id = ANY($2::text[]) OR anonymous_id = ANY($3::text[]))`

/**
 * The person's tracks and page views since $4, with their payload parsed once as `j`: OFFSET 0
 * keeps the subquery from being flattened, which would repeat precis_jsonb() (a parse) in every
 * term that reads `j`; the column terms stay inside so that only those rows are parsed.
 */
const CANDIDATES = `(
  SELECT seq, type, name, user_id, anonymous_id, timestamp, payload, precis_jsonb(payload) AS j
  FROM events WHERE ${WHOSE} AND timestamp >= $4 AND type IN ('track', 'page') OFFSET 0) e`

/**
 * Of those, the ones segment evaluation may use: made with the personalization purpose granted,
 * or with no consent stamp at all (server sources). As in SQLite, JSON null counts as no stamp and
 * the number 1 as granted; an unreadable payload is left out.
 */
const USABLE = `j IS NOT NULL
  AND (coalesce(j #> '{context,consent}', 'null') = 'null'
    OR j #> '{context,consent,categoryPreferences,personalization}' IN ('true', '1'))`

/** The partial index events_slot serves queries that repeat its WHERE terms as is; $2 is the slot. */
const SLOT_EVENTS = `type = 'track' AND name IN ('Slot Viewed', 'Slot Clicked')
  AND precis_jsonb(payload) -> 'properties' -> 'slot' = to_jsonb($2::text)`

/** A slot's impressions and clicks by their own `variant` ($1 site, $2 slot). */
export const SLOT_COUNTS_SQL = `
  SELECT (variant #>> '{}') COLLATE "C" AS "group",
    count(*) FILTER (WHERE name = 'Slot Viewed')::int AS impressions,
    count(*) FILTER (WHERE name = 'Slot Clicked')::int AS clicks
  FROM (SELECT name, precis_jsonb(payload) -> 'properties' -> 'variant' AS variant
    FROM events WHERE site = $1 AND ${SLOT_EVENTS} OFFSET 0) v
  WHERE jsonb_typeof(variant) = 'string'
  GROUP BY 1
  ORDER BY 1`

/**
 * A slot's late impressions (JSON `late: true` on a `baseline` one) by the variant decided for
 * (`eligible`, null unless a string), nulls first as in SQLite ($1 site, $2 slot).
 */
export const SLOT_LATE_SQL = `
  SELECT (CASE WHEN jsonb_typeof(p -> 'eligible') = 'string' THEN p ->> 'eligible' END) COLLATE "C" AS eligible,
    count(*)::int AS late
  FROM (SELECT precis_jsonb(payload) -> 'properties' AS p
    FROM events WHERE site = $1 AND ${SLOT_EVENTS} AND name = 'Slot Viewed' OFFSET 0) v
  WHERE p -> 'late' = 'true'::jsonb AND p -> 'variant' = '"baseline"'::jsonb
  GROUP BY 1
  ORDER BY 1 NULLS FIRST`

/** Whether the profile `f.profile` has a goal ($3) event after `f.t0`, by any of its ids. */
const CONVERTED = (kind: 'user' | 'anonymous', column: 'user_id' | 'anonymous_id') => `EXISTS (
  SELECT 1 FROM identifiers i JOIN events g ON g.site = i.site AND g.${column} = i.value
  WHERE i.site = $1 AND i.profile_id = f.profile AND i.kind = '${kind}'
    AND g.type = 'track' AND g.name = $3 AND g.timestamp > f.t0)`

/**
 * People by the group of their first impression (by time, then arrival), with how many of them
 * have a goal event after it ($1 site, $2 slot, $3 goal or null). Events whose ids link to no
 * profile (placeholder ids only) are left out. Rows come in SQLite's order (no eligible first).
 */
export const SLOT_PEOPLE_SQL = `
  WITH views AS MATERIALIZED (
    SELECT seq, timestamp, user_id, anonymous_id, precis_jsonb(payload) -> 'properties' AS p
    FROM events
    WHERE site = $1 AND ${SLOT_EVENTS} AND name = 'Slot Viewed'
  ),
  firsts AS (
    SELECT DISTINCT ON (profile) coalesce(u.profile_id, a.profile_id) AS profile,
      v.p ->> 'variant' AS grp,
      CASE WHEN jsonb_typeof(v.p -> 'eligible') = 'string' THEN v.p ->> 'eligible' END AS eligible,
      v.timestamp AS t0
    FROM views v
      -- The profile of the view: its userId's, else its anonymousId's (the default priority).
      LEFT JOIN identifiers u ON u.site = $1 AND u.kind = 'user' AND u.value = v.user_id
      LEFT JOIN identifiers a ON a.site = $1 AND a.kind = 'anonymous' AND a.value = v.anonymous_id
    WHERE jsonb_typeof(v.p -> 'variant') = 'string' AND coalesce(u.profile_id, a.profile_id) IS NOT NULL
    ORDER BY profile, v.timestamp, v.seq
  )
  SELECT grp COLLATE "C" AS "group", eligible COLLATE "C" AS eligible, count(*)::int AS visitors,
    count(*) FILTER (WHERE $3::text IS NOT NULL AND (${CONVERTED('user', 'user_id')}
      OR ${CONVERTED('anonymous', 'anonymous_id')}))::int AS conversions
  FROM firsts f
  GROUP BY 1, 2
  ORDER BY 1, 2 NULLS FIRST`

/**
 * What browsers reported: distinct anonymousIds per segment key in context.segments ($1 site,
 * $2 since). The window is by arrival (received_at, indexed); the same text test as SQLite's
 * skips the parse of events without segments. Strict jsonpath yields nothing unless
 * context.segments is an array; silent (the last argument) makes a missing path no error.
 */
export const SEGMENT_VISITORS_SQL = `
  SELECT (s #>> '{}') COLLATE "C" AS segment, count(DISTINCT e.anonymous_id)::int AS n
  FROM events e,
    jsonb_path_query(precis_jsonb(e.payload), 'strict $.context.segments[*] ? (@.type() == "string")',
      '{}', true) s
  WHERE e.site = $1 AND e.received_at >= $2 AND e.anonymous_id IS NOT NULL
    AND strpos(e.payload, '"segments":[') > 0
  GROUP BY 1
  ORDER BY 1`

/**
 * `properties` and `context` are read as json (not jsonb) so that they keep the stored text's key
 * order; this turns them back into text as SQLite's json_extract gives it: a string as itself, JSON
 * null as null. (Payloads are JSON.stringify's output, so re-stringifying gives the stored text.)
 */
const jsonText = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value)

export const postgresPersonalization = (sql: Sql): PersonalizationStore => {
  const whose = (site: string, ids: readonly Identifier[]) => {
    const users = ids.filter((i) => i.kind === 'user').map((i) => i.value)
    const anonymous = ids.filter((i) => i.kind === 'anonymous').map((i) => i.value)
    return { empty: users.length + anonymous.length === 0, params: [site, users, anonymous] }
  }
  const query = <T>(text: string, params: unknown[]) =>
    sql.unsafe<T[]>(text, params as never[], { prepare: true })

  return {
    personalizationHistory: async (site, ids, { since, limit }) => {
      const w = whose(site, ids)
      if (w.empty) return []
      const rows = await query<HistoryRow & { properties: unknown }>(
        `SELECT type, CASE WHEN type = 'track' THEN name END AS name, timestamp,
           payload::json -> 'properties' AS properties
         FROM ${CANDIDATES}
         WHERE ${USABLE}
         ORDER BY timestamp DESC, seq DESC
         LIMIT $5`,
        [...w.params, since, limit],
      )
      return rows.map((r) => ({ ...r, properties: jsonText(r.properties) }))
    },
    personalizationRefused: async (site, ids) => {
      const w = whose(site, ids)
      if (w.empty) return false
      const [row] = await query<{ refused: boolean }>(
        `SELECT granted = 'false' AS refused
         FROM (SELECT seq, timestamp,
             precis_jsonb(payload) #> '{context,consent,categoryPreferences,personalization}' AS granted
           FROM events WHERE ${WHOSE} OFFSET 0) e
         WHERE jsonb_typeof(granted) = 'boolean'
         ORDER BY timestamp DESC, seq DESC
         LIMIT 1`,
        w.params,
      )
      return row?.refused === true
    },
    latestSituation: async (site, ids, since) => {
      const w = whose(site, ids)
      if (w.empty) return undefined
      // A page view or an event with context.page first. NULLS LAST: as in SQLite, an event
      // without context.page at all (NULL) comes after one whose context.page is not an object.
      const [row] = await query<SituationRow & { properties: unknown; context: unknown }>(
        `SELECT type, user_id AS "userId", anonymous_id AS "anonymousId", timestamp,
           payload::json -> 'properties' AS properties, payload::json -> 'context' AS context
         FROM ${CANDIDATES}
         WHERE ${USABLE}
         ORDER BY (type = 'page' OR jsonb_typeof(j #> '{context,page}') = 'object') DESC NULLS LAST,
           timestamp DESC, seq DESC
         LIMIT 1`,
        [...w.params, since],
      )
      return row && { ...row, properties: jsonText(row.properties), context: jsonText(row.context) }
    },
    profilePage: async (site, after, limit) => {
      const rows = await query<{ id: string; traits: unknown; identifiers: Identifier[] }>(
        `SELECT p.id,
           CASE WHEN precis_jsonb(p.data) IS NOT NULL THEN p.data::json -> 'traits' END AS traits,
           (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value)
               ORDER BY i.kind COLLATE "C", i.value COLLATE "C"), '[]')
             FROM identifiers i WHERE i.site = p.site AND i.profile_id = p.id) AS identifiers
         FROM profiles p
         WHERE p.site = $1 AND p.id COLLATE "C" > $2
         ORDER BY p.id COLLATE "C"
         LIMIT $3`,
        [site, after ?? '', limit],
      )
      return rows.map(
        (r): ProfileSubject => ({
          id: r.id,
          traits: (r.traits ?? {}) as Record<string, unknown>,
          identifiers: r.identifiers,
        }),
      )
    },
    segmentVisitors: async (site, since) =>
      Object.fromEntries(
        (await query<{ segment: string; n: number }>(SEGMENT_VISITORS_SQL, [site, since])).map((r) => [
          r.segment,
          r.n,
        ]),
      ),
    slotEventCounts: async (site, slot) => [...(await query<SlotEventCounts>(SLOT_COUNTS_SQL, [site, slot]))],
    slotLateCounts: async (site, slot) => [...(await query<SlotLateCounts>(SLOT_LATE_SQL, [site, slot]))],
    slotVisitors: async (site, slot, goal) => [
      ...(await query<SlotVisitorCounts>(SLOT_PEOPLE_SQL, [site, slot, goal ?? null])),
    ],
  }
}
