// Report rows on PostgreSQL (reports/types.ts): the same narrow rows as SQLite's, derived in
// TypeScript (reports/report-row.ts) from a queue rather than behind a watermark: with several
// writers a smaller seq can commit after a larger one was read. The insert statement queues the
// candidates (store/postgres/events.ts); a sync claims them in chunks under the reports lock,
// derives, inserts and empties the queue in one transaction per chunk, so each event is derived
// once whatever the number of collectors, and a reader whose sync waited for another's chunk reads
// it whole. The person is looked up at read time: merges need no rewrite.
//
// Deletion: a row trigger deletes an event's row. It takes the reports lock shared first: a sync
// may have read the event before the delete committed, and must commit its row before the trigger
// looks for it (the trigger's statement then sees it), or else read after the delete. Retention
// drops whole months, which fires no trigger: it takes the same lock and deletes the site's rows
// before its cutoff (deleteEventsBefore, store/postgres/events.ts).
import { HOUR } from '../../reports/hours.ts'
import { derivedRowOf, reportRowFrom } from '../../reports/report-row.ts'
import type { ReportRow, ReportStore } from '../../reports/types.ts'
import { sessionKey, summaryFrom, summaryOf, visitsOf } from '../../reports/visits.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import { type HourVisits, REPORT_HOURS_MIGRATION, reportHours, syncHours } from './report-hours.ts'
import type { Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'

/** The candidates derivedRowOf may make a row of, as SQL over an events row (it decides). */
export const REPORT_CANDIDATE = `type IN ('page', 'track') AND anonymous_id IS NOT NULL`

/** The reports lock: exclusive for a sync's chunk, shared for whatever deletes rows meanwhile. */
export const REPORTS_LOCK = `hashtext(current_schema() || '.reports')`

/** (site, at) with the session covers the window's sessions; (site, device, session) the rest. */
const REPORTS_1 = `
  CREATE TABLE report_rows (
    seq BIGINT PRIMARY KEY,
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT,
    referrer TEXT,
    source TEXT,
    medium TEXT,
    campaign TEXT,
    term TEXT,
    content TEXT,
    click_id BOOLEAN NOT NULL,
    browser TEXT,
    os TEXT,
    device_type TEXT,
    country TEXT,
    region TEXT,
    engaged FLOAT8,
    scroll FLOAT8
  );
  CREATE INDEX report_rows_at ON report_rows (site, at) INCLUDE (device, session);
  CREATE INDEX report_rows_session ON report_rows (site, device, session);
  CREATE TABLE report_queue (seq BIGINT PRIMARY KEY);
  CREATE FUNCTION precis_report_event_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock_shared(${REPORTS_LOCK});
    DELETE FROM report_rows WHERE seq = OLD.seq;
    RETURN NULL;
  END $$;
  CREATE TRIGGER report_event_deleted AFTER DELETE ON events FOR EACH ROW
    WHEN (OLD.type = 'page' OR (OLD.type = 'track' AND OLD.name = 'Page Engagement'))
    EXECUTE FUNCTION precis_report_event_deleted();
  -- Events stored before this migration (the candidates of that time: shipped text is never edited).
  INSERT INTO report_queue (seq) SELECT seq FROM events
  WHERE (type = 'page' OR (type = 'track' AND name = 'Page Engagement')) AND anonymous_id IS NOT NULL;`

/**
 * Other track events join the rows (goals, funnels), with their name and properties: every row is
 * derived again from the queue, so the events stored before have theirs too.
 */
const REPORTS_2 = `
  ALTER TABLE report_rows ADD COLUMN name TEXT, ADD COLUMN props TEXT;
  DROP TRIGGER report_event_deleted ON events;
  CREATE TRIGGER report_event_deleted AFTER DELETE ON events FOR EACH ROW
    WHEN (OLD.type IN ('page', 'track'))
    EXECUTE FUNCTION precis_report_event_deleted();
  DELETE FROM report_rows;
  INSERT INTO report_queue (seq) SELECT seq FROM events WHERE ${REPORT_CANDIDATE}
    ON CONFLICT DO NOTHING;`

/**
 * A summary per visit (reports/visits.ts), so the overview reads a row per visit: the sync queues
 * the sessions of the rows it adds, a trigger those of rows deleted (and drops a deleted row's
 * summary at once, so an erased visit never shows), and the sync makes each queued session's
 * summary again from its rows, under the reports lock. The rows already derived are queued here.
 */
const REPORTS_3 = `
  CREATE TABLE report_visits (
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    entry TEXT,
    exit TEXT,
    channel TEXT NOT NULL,
    referrer TEXT,
    source TEXT,
    medium TEXT,
    campaign TEXT,
    term TEXT,
    content TEXT,
    browser TEXT,
    os TEXT,
    device_type TEXT,
    country TEXT,
    region TEXT,
    engaged FLOAT8 NOT NULL,
    pageviews INTEGER NOT NULL,
    scroll_sum FLOAT8 NOT NULL,
    scroll_count INTEGER NOT NULL,
    PRIMARY KEY (site, device, session)
  );
  CREATE INDEX report_visits_start ON report_visits (site, start_at);
  CREATE TABLE report_visit_queue (
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    PRIMARY KEY (site, device, session)
  );
  CREATE FUNCTION precis_report_row_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM report_visits WHERE site = OLD.site AND device = OLD.device AND session = OLD.session;
    IF EXISTS (SELECT 1 FROM report_rows
        WHERE site = OLD.site AND device = OLD.device AND session = OLD.session) THEN
      INSERT INTO report_visit_queue VALUES (OLD.site, OLD.device, OLD.session) ON CONFLICT DO NOTHING;
    ELSE
      -- The session's last row: an erased device's id stays nowhere.
      DELETE FROM report_visit_queue
      WHERE site = OLD.site AND device = OLD.device AND session = OLD.session;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER report_row_deleted AFTER DELETE ON report_rows FOR EACH ROW
    EXECUTE FUNCTION precis_report_row_deleted();
  INSERT INTO report_visit_queue SELECT DISTINCT site, device, session FROM report_rows;`

/**
 * A visit's paid click (its landing's ad click id), which attribution counts from the summaries:
 * the sessions with a click id are summed again by the next sync; the others had none.
 */
const REPORTS_5 = `
  ALTER TABLE report_visits ADD COLUMN click_id BOOLEAN NOT NULL DEFAULT false;
  INSERT INTO report_visit_queue SELECT DISTINCT site, device, session FROM report_rows WHERE click_id
    ON CONFLICT DO NOTHING;`

/**
 * Page views by path and events by name, in time order, so funnels and attribution read their own
 * rows (report-hits.ts), not the period's: partial, so each row costs ingest one index at most.
 */
const REPORTS_6 = `
  CREATE INDEX IF NOT EXISTS report_rows_pages ON report_rows (site, path, at) WHERE kind = 'page';
  CREATE INDEX IF NOT EXISTS report_rows_events ON report_rows (site, name, at) WHERE kind = 'event';`

/**
 * The same indexes covering what funnels and attribution read of a hit (its device and session;
 * an event's properties): an index-only scan instead of a look-up of each hit's row. Only events
 * have a name: without statistics of the two together the planner multiplies their selectivities
 * and expects a few thousand hits of a month where there are 100,000s.
 */
const REPORTS_7 = `
  DROP INDEX IF EXISTS report_rows_pages;
  DROP INDEX IF EXISTS report_rows_events;
  CREATE INDEX report_rows_page_hits ON report_rows (site, path, at) INCLUDE (device, session)
    WHERE kind = 'page';
  CREATE INDEX report_rows_event_hits ON report_rows (site, name, at) INCLUDE (device, session, props)
    WHERE kind = 'event';
  CREATE STATISTICS IF NOT EXISTS report_rows_kind_name (mcv) ON kind, name FROM report_rows;`

export const REPORTS_MIGRATIONS: Migration[] = [
  { name: 'reports/1', sql: REPORTS_1 },
  { name: 'reports/2', sql: REPORTS_2 },
  { name: 'reports/3', sql: REPORTS_3 },
  REPORT_HOURS_MIGRATION,
  { name: 'reports/5', sql: REPORTS_5 },
  { name: 'reports/6', sql: REPORTS_6 },
  { name: 'reports/7', sql: REPORTS_7 },
]

/** Queued events per transaction. */
const CHUNK = 2_000

const COLUMNS = `seq, site, device, session, at, kind, path, referrer, source, medium, campaign, term,
  content, click_id, browser, os, device_type, country, region, engaged, scroll, name, props`

/** The JSON rows' fields as json_to_recordset reads them, in COLUMNS' order. */
const RECORD = `seq bigint, site text, device text, session text, at bigint, kind text, path text,
  referrer text, source text, medium text, campaign text, term text, content text, "clickId" boolean,
  browser text, os text, "deviceType" text, country text, region text, engaged float8, scroll float8,
  name text, props text`

/** Every row of the sessions of site $1 with a row in [$2, $3), with its person (SQLite's read). */
export const REPORT_SESSIONS_SQL = `
  WITH sessions AS (
    SELECT DISTINCT device, session FROM report_rows WHERE site = $1 AND at >= $2 AND at < $3
  )
  SELECT r.device, coalesce(i.profile_id, r.device) AS person, r.session, r.at, r.kind, r.path,
    r.referrer, r.source, r.medium, r.campaign, r.term, r.content, r.click_id AS "clickId", r.browser,
    r.os, r.device_type AS "deviceType", r.country, r.region, r.engaged, r.scroll, r.name, r.props
  FROM sessions s
  JOIN report_rows r ON r.site = $1 AND r.device = s.device AND r.session = s.session
  LEFT JOIN identifiers i ON i.site = $1 AND i.kind = 'anonymous' AND i.value = r.device`

/** One session's rows as ReportRows (the device stands for the person: summaries keep none). */
const SESSION_ROWS_SQL = `
  SELECT r.device, r.device AS person, r.session, r.at, r.kind, r.path, r.referrer, r.source, r.medium,
    r.campaign, r.term, r.content, r.click_id AS "clickId", r.browser, r.os, r.device_type AS "deviceType",
    r.country, r.region, r.engaged, r.scroll, r.name, r.props, r.site
  FROM unnest($1::text[], $2::text[], $3::text[]) AS k(site, device, session)
  JOIN report_rows r ON r.site = k.site AND r.device = k.device AND r.session = k.session`

/** A summary `v` with its person (`i`, the device's identifier) in SUMMARY_FIELDS order. */
export const SUMMARY_COLUMNS = `v.device, coalesce(i.profile_id, v.device), v.start_at, v.end_at,
  v.entry, v.exit, v.channel, v.referrer, v.source, v.medium, v.campaign, v.term, v.content, v.browser,
  v.os, v.device_type, v.country, v.region, v.engaged, v.pageviews, v.scroll_sum, v.scroll_count,
  v.click_id`

/** The summaries of the visits starting in the hours ($1 sites, $2 starts), after their hour's site and start. */
const HOUR_VISITS_SQL = `
  SELECT q.site, q.hour, ${SUMMARY_COLUMNS}
  FROM unnest($1::text[], $2::bigint[]) AS q(site, hour)
  JOIN report_visits v ON v.site = q.site AND v.start_at >= q.hour AND v.start_at < q.hour + ${HOUR}
  LEFT JOIN identifiers i ON i.site = q.site AND i.kind = 'anonymous' AND i.value = v.device`

const hourVisits: HourVisits = (tx, sites, starts) => tx.unsafe(HOUR_VISITS_SQL, [sites, starts]).values()

/** The person and start of the same visits as REPORT_VISITS_SQL, for a hash join on the devices. */
const VISIT_STARTS_SQL = `
  SELECT coalesce(i.profile_id, v.device), v.start_at::float8
  FROM report_visits v
  LEFT JOIN identifiers i ON i.site = $1 AND i.kind = 'anonymous' AND i.value = v.device
  WHERE v.site = $1 AND v.start_at >= $2 AND v.start_at < $3`

/** The summaries of the visits of site $1 starting in [$2, $3), in SUMMARY_FIELDS order. */
const REPORT_VISITS_SQL = `
  SELECT ${SUMMARY_COLUMNS}
  FROM report_visits v
  LEFT JOIN identifiers i ON i.site = $1 AND i.kind = 'anonymous' AND i.value = v.device
  WHERE v.site = $1 AND v.start_at >= $2 AND v.start_at < $3`

/** The JSON summaries' fields as json_to_recordset reads them. */
const SUMMARY_RECORD = `site text, device text, session text, start bigint, "end" bigint, entry text,
  exit text, channel text, referrer text, source text, medium text, campaign text, term text,
  content text, browser text, os text, "deviceType" text, country text, region text, engaged float8,
  pageviews integer, "scrollSum" float8, "scrollCount" integer, "clickId" boolean`

/** Queued sessions whose summary is made again per transaction. */
const VISIT_CHUNK = 2_000

/** Up to `chunk` queued sessions' summaries made again; resolves to how many it took. */
const visitChunk = async (tx: Tx, chunk: number) => {
  const [, , keys] = await Promise.all([
    tx`SELECT pg_advisory_xact_lock(${tx.unsafe(REPORTS_LOCK)})`,
    tx`SET LOCAL synchronous_commit = off`,
    tx<{ site: string; device: string; session: string }[]>`
      DELETE FROM report_visit_queue WHERE (site, device, session) IN (
        SELECT site, device, session FROM report_visit_queue LIMIT ${chunk})
      RETURNING site, device, session`,
  ])
  if (keys.length === 0) return 0
  const rows = await tx.unsafe<(ReportRow & { site: string })[]>(SESSION_ROWS_SQL, [
    keys.map((k) => k.site),
    keys.map((k) => k.device),
    keys.map((k) => k.session),
  ])
  const sessions = new Map<string, ReportRow[]>()
  for (const row of rows) {
    const key = `${row.site}\u0000${sessionKey(row)}`
    const list = sessions.get(key)
    if (list) list.push(row)
    else sessions.set(key, [row])
  }
  const summaries = keys.flatMap((k) => {
    const [visit] = visitsOf(sessions.get(`${k.site}\u0000${sessionKey(k)}`) ?? [])
    return visit ? [{ ...summaryOf(visit), site: k.site, session: k.session }] : []
  })
  // A session without a page view left has no visit.
  await tx`
    DELETE FROM report_visits WHERE (site, device, session) IN (
      SELECT * FROM unnest(${keys.map((k) => k.site)}::text[], ${keys.map((k) => k.device)}::text[],
        ${keys.map((k) => k.session)}::text[]))`
  if (summaries.length > 0)
    await tx`
      INSERT INTO report_visits (site, device, session, start_at, end_at, entry, exit, channel, referrer,
        source, medium, campaign, term, content, browser, os, device_type, country, region, engaged,
        pageviews, scroll_sum, scroll_count, click_id)
      SELECT * FROM json_to_recordset(${JSON.stringify(summaries)}::text::json) AS t(${tx.unsafe(SUMMARY_RECORD)})`
  return keys.length
}

/** One chunk: claim, read, derive, insert; resolves to how many it claimed and read. */
const syncChunk = async (tx: Tx, chunk: number) => {
  // Pipelined: the DELETE runs (and takes its snapshot) only once the lock is held. No wait for
  // the disk at commit: a commit lost in a crash loses its queue deletions with its rows.
  const [, , taken] = await Promise.all([
    tx`SELECT pg_advisory_xact_lock(${tx.unsafe(REPORTS_LOCK)})`,
    tx`SET LOCAL synchronous_commit = off`,
    tx<{ seq: number }[]>`
      DELETE FROM report_queue WHERE seq IN (SELECT seq FROM report_queue ORDER BY seq LIMIT ${chunk})
      RETURNING seq`,
  ])
  if (taken.length === 0) return { taken: 0, read: 0 }
  // Queued events that are gone (erased, past retention) just leave the queue.
  const events = await tx<(EventRow & { seq: number })[]>`
    SELECT seq, site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
    FROM events WHERE seq = ANY(${taken.map((r) => String(r.seq))}::bigint[])`
  const rows = events.flatMap((e) => {
    const derived = derivedRowOf(fromEventRow(e))
    return derived ? [{ seq: e.seq, site: e.site, ...derived }] : []
  })
  if (rows.length > 0) {
    await tx`
      INSERT INTO report_rows (${tx.unsafe(COLUMNS)})
      SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS t(${tx.unsafe(RECORD)})`
    // Their sessions' summaries are made again (visitChunk).
    await tx`
      INSERT INTO report_visit_queue (site, device, session)
      SELECT DISTINCT * FROM unnest(${rows.map((r) => r.site)}::text[], ${rows.map((r) => r.device)}::text[],
        ${rows.map((r) => r.session)}::text[])
      ON CONFLICT DO NOTHING`
  }
  return { taken: taken.length, read: events.length }
}

export const postgresReports = (
  sql: Sql,
  chunk = CHUNK,
): Omit<ReportStore, 'reportHits' | 'reportVisitsOf'> => ({
  syncReports: async () => {
    let read = 0
    for (;;) {
      const done = await sql.begin((tx) => syncChunk(tx, chunk))
      read += done.read
      // Fewer than a chunk: the queue was drained (what arrives meanwhile waits for the next call).
      if (done.taken < chunk) break
    }
    while ((await sql.begin((tx) => visitChunk(tx, VISIT_CHUNK))) === VISIT_CHUNK);
    await syncHours(sql, REPORTS_LOCK, hourVisits)
    return read
  },
  reportSessions: async (site, { from, to }) =>
    (await sql.unsafe(REPORT_SESSIONS_SQL, [site, from, to], { prepare: true }).values()).map(reportRowFrom),
  reportRowsUpTo: async (site, { from, to }, limit) => {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM report_rows WHERE site = ${site} AND at >= ${from} AND at < ${to} LIMIT ${limit}) r`
    return row!.n
  },
  // Every visit of a long period (retention reads the site's whole retention): a hash join of the
  // site's devices, not a probe per visit, which PostgreSQL picks when its statistics lag behind a
  // bulk of new summaries (1,000,000 events: 1.3 s the probes, 0.3 s the hash join).
  // Rows handed on as they arrive, none kept (forEach).
  reportVisitStarts: async (site, { from, to }, each) => {
    await sql.begin(async (tx) => {
      await tx.unsafe('SET LOCAL enable_nestloop = off')
      await tx
        .unsafe(VISIT_STARTS_SQL, [site, from, to], { prepare: true })
        .values()
        .forEach((row) => {
          each(row[0] as string, row[1] as number)
        })
    })
  },
  reportVisits: async (site, { from, to }) =>
    (await sql.unsafe(REPORT_VISITS_SQL, [site, from, to], { prepare: true }).values()).map(summaryFrom),
  reportHours: (site, window) => reportHours(sql, REPORTS_LOCK, hourVisits, site, window),
})
