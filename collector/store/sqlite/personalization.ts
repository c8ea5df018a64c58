// SQLite's reads behind segments and slot results. Aggregation happens in SQL (json_extract on the
// payload); only one profile's history at a time is ever brought into JavaScript.
import type Database from 'better-sqlite3'
import type { Identifier } from '../../identity/rules.ts'
import type {
  HistoryRow,
  PersonalizationStore,
  SituationRow,
  SlotEventCounts,
  SlotLateCounts,
  SlotVisitorCounts,
} from '../../personalization/types.ts'

/** A list as `(?, ?, ...)` for an IN clause. */
const marks = (n: number) => `(${Array(n).fill('?').join(', ')})`

/**
 * Events segment evaluation may use: tracks and page views made with the personalization purpose
 * granted, or with no consent stamp at all (server sources). JSON `true` reads as 1.
 */
const USABLE = `type IN ('track', 'page') AND (json_extract(payload, '$.context.consent') IS NULL
  OR json_extract(payload, '$.context.consent.categoryPreferences.personalization') IS 1)`

/** The partial index events_slot (migration 4) serves queries that repeat its WHERE terms as is. */
const SLOT_EVENTS = `type = 'track' AND name IN ('Slot Viewed', 'Slot Clicked')
  AND json_extract(payload, '$.properties.slot') = @slot`

/** The profile an event belongs to: its userId's, else its anonymousId's (the default priority). */
const PROFILE_OF = `coalesce(
  (SELECT profile_id FROM identifiers WHERE site = e.site AND kind = 'user' AND value = e.user_id),
  (SELECT profile_id FROM identifiers WHERE site = e.site AND kind = 'anonymous' AND value = e.anonymous_id))`

/** Whether the profile `f.profile` has a goal event after `f.t0`, by any of its ids. */
const CONVERTED = (kind: 'user' | 'anonymous', column: 'user_id' | 'anonymous_id') => `EXISTS (
  SELECT 1 FROM identifiers i JOIN events g ON g.site = i.site AND g.${column} = i.value
  WHERE i.site = @site AND i.profile_id = f.profile AND i.kind = '${kind}'
    AND g.type = 'track' AND g.name = @goal AND g.timestamp > f.t0)`

/** A slot's impressions and clicks by their own `variant`. */
export const SLOT_COUNTS_SQL = `
  SELECT json_extract(payload, '$.properties.variant') AS "group",
    sum(name = 'Slot Viewed') AS impressions, sum(name = 'Slot Clicked') AS clicks
  FROM events
  WHERE site = @site AND ${SLOT_EVENTS}
    AND typeof(json_extract(payload, '$.properties.variant')) = 'text'
  GROUP BY 1`

/**
 * A slot's late impressions (JSON `late: true` on a `baseline` one) by the variant decided for
 * (`eligible`, null unless a string), nulls first.
 */
export const SLOT_LATE_SQL = `
  SELECT CASE WHEN json_type(payload, '$.properties.eligible') = 'text'
      THEN json_extract(payload, '$.properties.eligible') END AS eligible,
    count(*) AS late
  FROM events
  WHERE site = @site AND ${SLOT_EVENTS} AND name = 'Slot Viewed'
    AND json_type(payload, '$.properties.late') = 'true'
    AND json_type(payload, '$.properties.variant') = 'text'
    AND json_extract(payload, '$.properties.variant') = 'baseline'
  GROUP BY 1
  ORDER BY 1`

/**
 * People by the group of their first impression (by time, then arrival), with how many of them
 * have a goal event after it. Events whose ids link to no profile (placeholder ids only) are left out.
 */
export const SLOT_PEOPLE_SQL = `
  WITH views AS MATERIALIZED (
    SELECT e.id, e.timestamp, ${PROFILE_OF} AS profile,
      json_extract(e.payload, '$.properties.variant') AS grp,
      json_extract(e.payload, '$.properties.eligible') AS eligible
    FROM events e
    WHERE e.site = @site AND ${SLOT_EVENTS} AND e.name = 'Slot Viewed'
  ),
  firsts AS (
    SELECT profile, grp, eligible, timestamp AS t0,
      row_number() OVER (PARTITION BY profile ORDER BY timestamp, id) AS n
    FROM views WHERE profile IS NOT NULL AND typeof(grp) = 'text'
  )
  SELECT grp AS "group", CASE WHEN typeof(eligible) = 'text' THEN eligible END AS eligible,
    count(*) AS visitors,
    coalesce(sum(@goal IS NOT NULL AND (${CONVERTED('user', 'user_id')}
      OR ${CONVERTED('anonymous', 'anonymous_id')})), 0) AS conversions
  FROM firsts f WHERE n = 1
  GROUP BY 1, 2`

/**
 * What browsers reported: distinct anonymousIds per segment key in context.segments. The window
 * is by arrival (received_at, indexed); instr() skips the JSON parse of events without segments.
 */
export const SEGMENT_VISITORS_SQL = `
  SELECT s.value AS segment, count(DISTINCT e.anonymous_id) AS n
  FROM events e, json_each(e.payload, '$.context.segments') s
  WHERE e.site = ? AND e.received_at >= ? AND e.anonymous_id IS NOT NULL
    AND instr(e.payload, '"segments":[') > 0
    AND json_type(e.payload, '$.context.segments') = 'array' AND s.type = 'text'
  GROUP BY s.value`

export const sqlitePersonalization = (db: Database.Database): PersonalizationStore => {
  /**
   * The site's events of these identifiers (emails are hashed: no column holds them). The site is
   * repeated in each branch so that SQLite reads both indexes (MULTI-INDEX OR) instead of
   * scanning all the site's events.
   */
  const whose = (site: string, ids: readonly Identifier[]) => {
    const users = ids.filter((i) => i.kind === 'user').map((i) => i.value)
    const anonymous = ids.filter((i) => i.kind === 'anonymous').map((i) => i.value)
    return {
      empty: users.length + anonymous.length === 0,
      sql: `((site = ? AND user_id IN ${marks(users.length)})
        OR (site = ? AND anonymous_id IN ${marks(anonymous.length)}))`,
      params: [site, ...users, site, ...anonymous],
    }
  }

  const profiles = db.prepare<[string, string, number], { id: string; traits: string | null }>(
    `SELECT id, json_extract(data, '$.traits') AS traits FROM profiles
     WHERE site = ? AND id > ? ORDER BY id LIMIT ?`,
  )
  const held = db.prepare<[string, string], Identifier>(
    'SELECT kind, value FROM identifiers WHERE site = ? AND profile_id = ? ORDER BY kind, value',
  )
  const visitors = db.prepare<[string, number], { segment: string; n: number }>(SEGMENT_VISITORS_SQL)
  const slotEvents = db.prepare<{ site: string; slot: string }, SlotEventCounts>(SLOT_COUNTS_SQL)
  const slotLate = db.prepare<{ site: string; slot: string }, SlotLateCounts>(SLOT_LATE_SQL)
  const slotPeople = db.prepare<{ site: string; slot: string; goal: string | null }, SlotVisitorCounts>(
    SLOT_PEOPLE_SQL,
  )

  return {
    personalizationHistory: async (site, ids, { since, limit }) => {
      const w = whose(site, ids)
      if (w.empty) return []
      return db
        .prepare<unknown[], HistoryRow>(
          `SELECT type, CASE WHEN type = 'track' THEN name END AS name, timestamp,
             json_extract(payload, '$.properties') AS properties
           FROM events WHERE ${w.sql} AND timestamp >= ? AND ${USABLE}
           ORDER BY timestamp DESC, id DESC LIMIT ?`,
        )
        .all(...w.params, since, limit)
    },
    personalizationRefused: async (site, ids) => {
      const w = whose(site, ids)
      if (w.empty) return false
      const row = db
        .prepare<unknown[], { granted: number }>(
          `SELECT json_extract(payload, '$.context.consent.categoryPreferences.personalization') AS granted
           FROM events WHERE ${w.sql}
             AND json_type(payload, '$.context.consent.categoryPreferences.personalization') IN ('true', 'false')
           ORDER BY timestamp DESC, id DESC LIMIT 1`,
        )
        .get(...w.params)
      return row?.granted === 0
    },
    latestSituation: async (site, ids, since) => {
      const w = whose(site, ids)
      if (w.empty) return undefined
      return db
        .prepare<unknown[], SituationRow>(
          `SELECT type, user_id AS userId, anonymous_id AS anonymousId, timestamp,
             json_extract(payload, '$.properties') AS properties,
             json_extract(payload, '$.context') AS context
           FROM events WHERE ${w.sql} AND timestamp >= ? AND ${USABLE}
           ORDER BY (type = 'page' OR json_type(payload, '$.context.page') = 'object') DESC,
             timestamp DESC, id DESC
           LIMIT 1`,
        )
        .get(...w.params, since)
    },
    profilePage: async (site, after, limit) =>
      profiles.all(site, after ?? '', limit).map((row) => ({
        id: row.id,
        traits: row.traits ? (JSON.parse(row.traits) as Record<string, unknown>) : {},
        identifiers: held.all(site, row.id),
      })),
    segmentVisitors: async (site, since) =>
      Object.fromEntries(visitors.all(site, since).map((r) => [r.segment, r.n])),
    slotEventCounts: async (site, slot) => slotEvents.all({ site, slot }),
    slotLateCounts: async (site, slot) => slotLate.all({ site, slot }),
    slotVisitors: async (site, slot, goal) => slotPeople.all({ site, slot, goal: goal ?? null }),
  }
}
