// SQLite's report rows (reports/types.ts): one narrow row per page view and per engagement figure,
// derived once in TypeScript (reports/report-row.ts) by a sync that follows the events table behind
// a watermark, as the experiment sync does. Nothing runs on the ingest path; a trigger deletes a
// row with its event (erasure, retention, suppression), and the person is looked up at read time,
// so merges made after a row was derived need no rewrite.
import type Database from 'better-sqlite3'
import { derivedRowOf, reportRowFrom } from '../../reports/report-row.ts'
import type { DerivedRow, ReportRow, ReportStore } from '../../reports/types.ts'
import { summaryFrom, summaryOf, type VisitSummary, visitsOf } from '../../reports/visits.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import { sqliteReportHours } from './report-hours.ts'

/**
 * `event_id` is the event's id (the rowid): the delete trigger finds a row without an index.
 * (site, at) covers the window's sessions; (site, device, session) finds the rest of each.
 */
export const REPORTS_MIGRATION = `
  CREATE TABLE report_rows (
    event_id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    path TEXT,
    referrer TEXT,
    source TEXT,
    medium TEXT,
    campaign TEXT,
    term TEXT,
    content TEXT,
    click_id INTEGER NOT NULL,
    browser TEXT,
    os TEXT,
    device_type TEXT,
    country TEXT,
    region TEXT,
    engaged REAL,
    scroll REAL
  );
  CREATE INDEX report_rows_at ON report_rows (site, at, device, session);
  CREATE INDEX report_rows_session ON report_rows (site, device, session);
  CREATE TRIGGER report_event_deleted AFTER DELETE ON events
  WHEN old.type = 'page' OR (old.type = 'track' AND old.name = 'Page Engagement') BEGIN
    DELETE FROM report_rows WHERE event_id = old.id;
  END;
  INSERT INTO meta (key, value) VALUES ('reports_watermark', '0');`

/**
 * Other track events join the rows (goals, funnels), with their name and properties: every row is
 * derived again from the start, so the events stored before have theirs too.
 */
export const REPORT_EVENTS_MIGRATION = `
  ALTER TABLE report_rows ADD COLUMN name TEXT;
  ALTER TABLE report_rows ADD COLUMN props TEXT;
  DROP TRIGGER report_event_deleted;
  CREATE TRIGGER report_event_deleted AFTER DELETE ON events
  WHEN old.type IN ('page', 'track') BEGIN
    DELETE FROM report_rows WHERE event_id = old.id;
  END;
  DELETE FROM report_rows;
  UPDATE meta SET value = '0' WHERE key = 'reports_watermark';`

/**
 * A summary per visit (reports/visits.ts), so the overview reads a row per visit: a trigger queues
 * the session of every report row added or deleted (and drops a deleted row's summary at once, so
 * an erased visit never shows), and the sync makes each queued session's summary again from its
 * rows. A session whose last row went leaves the queue too: an erased device's id stays nowhere. The rows already derived are queued here. Stored in start order (the key), so a period's
 * visits are one range of the table, not a page read per visit.
 */
export const REPORT_VISITS_MIGRATION = `
  CREATE TABLE report_visits (
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
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
    engaged REAL NOT NULL,
    pageviews INTEGER NOT NULL,
    scroll_sum REAL NOT NULL,
    scroll_count INTEGER NOT NULL,
    PRIMARY KEY (site, start_at, device, session)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX report_visits_session ON report_visits (site, device, session);
  CREATE TABLE report_visit_queue (
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    PRIMARY KEY (site, device, session)
  ) WITHOUT ROWID;
  CREATE TRIGGER report_row_added AFTER INSERT ON report_rows BEGIN
    INSERT OR IGNORE INTO report_visit_queue VALUES (new.site, new.device, new.session);
  END;
  CREATE TRIGGER report_row_deleted AFTER DELETE ON report_rows BEGIN
    DELETE FROM report_visits WHERE site = old.site AND device = old.device AND session = old.session;
    INSERT OR IGNORE INTO report_visit_queue SELECT old.site, old.device, old.session
    WHERE EXISTS (SELECT 1 FROM report_rows
      WHERE site = old.site AND device = old.device AND session = old.session);
    DELETE FROM report_visit_queue WHERE site = old.site AND device = old.device
      AND session = old.session AND NOT EXISTS (SELECT 1 FROM report_rows
        WHERE site = old.site AND device = old.device AND session = old.session);
  END;
  INSERT OR IGNORE INTO report_visit_queue SELECT site, device, session FROM report_rows;`

/**
 * A visit's paid click (its landing's ad click id), which attribution counts from the summaries:
 * the sessions with a click id are summed again by the next sync; the others had none.
 */
export const REPORT_VISIT_CLICKS_MIGRATION = `
  ALTER TABLE report_visits ADD COLUMN click_id INTEGER NOT NULL DEFAULT 0;
  INSERT OR IGNORE INTO report_visit_queue SELECT site, device, session FROM report_rows WHERE click_id = 1;`

/**
 * Indexes of the page views by path and of the events by name, each in time order, so funnels
 * and attribution read their own rows (report-hits.ts), not the period's: partial, so each row
 * costs ingest one index at most.
 */
export const REPORT_HITS_MIGRATION = `
  CREATE INDEX IF NOT EXISTS report_rows_pages ON report_rows (site, path, at) WHERE kind = 'page';
  CREATE INDEX IF NOT EXISTS report_rows_events ON report_rows (site, name, at) WHERE kind = 'event';`

/**
 * The same indexes covering what funnels and attribution read of a hit (its device and session;
 * an event's properties), so a hit costs no look-up of its row: at 10,000,000 events the rows of a
 * month lie spread over gigabytes, and those look-ups took most of a funnel's time.
 */
export const REPORT_HITS_COVERING_MIGRATION = `
  DROP INDEX IF EXISTS report_rows_pages;
  DROP INDEX IF EXISTS report_rows_events;
  CREATE INDEX IF NOT EXISTS report_rows_page_hits ON report_rows (site, path, at, device, session)
    WHERE kind = 'page';
  CREATE INDEX IF NOT EXISTS report_rows_event_hits ON report_rows (site, name, at, device, session, props)
    WHERE kind = 'event';`

/** Event ids scanned per transaction: each candidate's JSON is parsed in JS under the write lock. */
const CHUNK = 2_000

/** Between transactions: lets the ingest writer (another thread) take the lock, and requests run. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

/** The events derivedRowOf may make a row of (it decides; this only spares it the others). */
const CANDIDATES = `type IN ('page', 'track') AND anonymous_id IS NOT NULL`

const INSERT = `INSERT INTO report_rows (event_id, site, device, session, at, kind, path, referrer, source,
    medium, campaign, term, content, click_id, browser, os, device_type, country, region, engaged, scroll,
    name, props)
  VALUES (@eventId, @site, @device, @session, @at, @kind, @path, @referrer, @source, @medium, @campaign,
    @term, @content, @clickId, @browser, @os, @deviceType, @country, @region, @engaged, @scroll, @name, @props)`

/** Every row of the sessions (site, device, session) with a row in [@from, @to), with its person. */
export const REPORT_SESSIONS_SQL = `
  WITH sessions AS (
    SELECT DISTINCT device, session FROM report_rows WHERE site = @site AND at >= @from AND at < @to
  )
  SELECT r.device, coalesce(i.profile_id, r.device) AS person, r.session, r.at, r.kind, r.path,
    r.referrer, r.source, r.medium, r.campaign, r.term, r.content, r.click_id AS clickId, r.browser,
    r.os, r.device_type AS deviceType, r.country, r.region, r.engaged, r.scroll, r.name, r.props
  FROM sessions s
  JOIN report_rows r ON r.site = @site AND r.device = s.device AND r.session = s.session
  LEFT JOIN identifiers i ON i.site = @site AND i.kind = 'anonymous' AND i.value = r.device`

/** One session's rows in REPORT_FIELDS order (the device stands for the person: summaries keep none). */
const SESSION_ROWS_SQL = `
  SELECT device, device, session, at, kind, path, referrer, source, medium, campaign, term, content,
    click_id, browser, os, device_type, country, region, engaged, scroll, name, props
  FROM report_rows WHERE site = ? AND device = ? AND session = ?`

/** A summary `v` with `person` (an expression) in SUMMARY_FIELDS order. */
export const summaryColumns = (person: string) => `v.device, ${person}, v.start_at, v.end_at, v.entry,
  v.exit, v.channel, v.referrer, v.source, v.medium, v.campaign, v.term, v.content, v.browser, v.os,
  v.device_type, v.country, v.region, v.engaged, v.pageviews, v.scroll_sum, v.scroll_count, v.click_id`

/** A summary `v` with its person (`i`, the device's identifier) in SUMMARY_FIELDS order. */
export const SUMMARY_COLUMNS = summaryColumns('coalesce(i.profile_id, v.device)')

/** The summaries of the visits starting in [@from, @to), in SUMMARY_FIELDS order, with the person. */
const REPORT_VISITS_SQL = `
  SELECT ${SUMMARY_COLUMNS}
  FROM report_visits v
  LEFT JOIN identifiers i ON i.site = @site AND i.kind = 'anonymous' AND i.value = v.device
  WHERE v.site = @site AND v.start_at >= @from AND v.start_at < @to`

/**
 * The visits starting in [@from, @to) of up to @limit devices from @after on (inclusive), in
 * device order through the session index (it holds the start): the last device, how many, and one
 * text "person\0starts\0person\0starts…" (starts: "start,start,…"). A device's person is looked
 * up once, in the identifiers' own order; one row a chunk, because better-sqlite3 takes about a
 * microsecond to hand over a row, as long as the database takes to read a device's visits. Ids
 * never hold a NUL (ingest refuses them).
 */
export const VISIT_STARTS_SQL = `
  WITH d AS (
    SELECT device, group_concat(start_at) AS starts
    FROM report_visits INDEXED BY report_visits_session
    WHERE site = @site AND device >= @after AND start_at >= @from AND start_at < @to
    GROUP BY device ORDER BY device LIMIT @limit)
  SELECT max(d.device), count(*), group_concat(coalesce(i.profile_id, d.device) || char(0) || d.starts, char(0))
  FROM d LEFT JOIN identifiers i ON i.site = @site AND i.kind = 'anonymous' AND i.value = d.device`

/** Each person and start of a VISIT_STARTS_SQL text (whole milliseconds), without a string a start. */
export const eachVisitStart = (text: string, each: (person: string, start: number) => void) => {
  for (let i = 0; i < text.length; ) {
    const end = text.indexOf('\0', i)
    const person = text.slice(i, end)
    let start = 0
    let sign = 1
    for (i = end + 1; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 0
      if (c === 44 || c === 0) {
        each(person, sign * start)
        start = 0
        sign = 1
        if (c === 0) break
      } else if (c === 45) sign = -1
      else start = start * 10 + c - 48
    }
    i++
  }
}

/** Devices per VISIT_STARTS_SQL chunk (a text of about 4 MB). */
const VISIT_STARTS_CHUNK = 100_000

/** Each person and start of every VISIT_STARTS_SQL chunk in turn (`chunk` runs it). */
export const eachVisitStartOf = (
  chunk: (after: string, limit: number) => [last: string | null, devices: number, text: string | null],
  each: (person: string, start: number) => void,
  limit = VISIT_STARTS_CHUNK,
) => {
  for (let after = ''; ; ) {
    const [last, devices, text] = chunk(after, limit)
    if (text !== null) eachVisitStart(text, each)
    if (devices < limit || last === null) return
    // The least text after `last`: no id holds a NUL.
    after = `${last}\0`
  }
}

const UPSERT_VISIT = `
  INSERT INTO report_visits (site, device, session, start_at, end_at, entry, exit, channel, referrer,
    source, medium, campaign, term, content, browser, os, device_type, country, region, engaged,
    pageviews, scroll_sum, scroll_count, click_id)
  VALUES (@site, @device, @session, @start, @end, @entry, @exit, @channel, @referrer, @source, @medium,
    @campaign, @term, @content, @browser, @os, @deviceType, @country, @region, @engaged, @pageviews,
    @scrollSum, @scrollCount, @clickId)
  ON CONFLICT (site, device, session) DO UPDATE SET start_at = excluded.start_at,
    end_at = excluded.end_at, entry = excluded.entry, exit = excluded.exit, channel = excluded.channel,
    referrer = excluded.referrer, source = excluded.source, medium = excluded.medium,
    campaign = excluded.campaign, term = excluded.term, content = excluded.content,
    browser = excluded.browser, os = excluded.os, device_type = excluded.device_type,
    country = excluded.country, region = excluded.region, engaged = excluded.engaged,
    pageviews = excluded.pageviews, scroll_sum = excluded.scroll_sum, scroll_count = excluded.scroll_count,
    click_id = excluded.click_id`

/** Queued sessions whose summary is made again per transaction. */
const VISIT_CHUNK = 500

/**
 * `db` reads; `write` (which may be `db`) writes: derived rows, replayable from the events, so a
 * connection without fsync does (the watermark commits with them). Funnels' and attribution's
 * reads are report-hits.ts.
 */
export const sqliteReports = (
  db: Database.Database,
  write: Database.Database = db,
): Omit<ReportStore, 'reportHits' | 'reportVisitsOf'> => {
  const watermark = write.prepare<[], { value: string }>(
    "SELECT value FROM meta WHERE key = 'reports_watermark'",
  )
  const setWatermark = write.prepare("UPDATE meta SET value = ? WHERE key = 'reports_watermark'")
  const newest = write.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM events')
  const candidates = write.prepare<[number, number], EventRow & { id: number }>(
    `SELECT id, site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
     FROM events WHERE id > ? AND id <= ? AND ${CANDIDATES}`,
  )
  /** SQLite has no booleans: the click id is 0 or 1 in the table. */
  type Stored<R> = Omit<R, 'clickId'> & { clickId: number }
  const insert = write.prepare<Stored<DerivedRow> & { eventId: number; site: string }>(INSERT)
  // Arrays, made into rows here: better-sqlite3 builds each row object key by key, which costs
  // about 2.5× the time of the array and a literal of one shape (npm run bench, reports rows).
  const sessions = db
    .prepare<{ site: string; from: number; to: number }, unknown[]>(REPORT_SESSIONS_SQL)
    .raw(true)

  const queued = write.prepare<[number], { site: string; device: string; session: string }>(
    'SELECT site, device, session FROM report_visit_queue LIMIT ?',
  )
  // One statement a session: a join of the queue with the rows measured slower (2-3×) in the bench.
  const sessionRows = write.prepare<[string, string, string], unknown[]>(SESSION_ROWS_SQL).raw(true)
  const upsertVisit = write.prepare(UPSERT_VISIT)
  const dropVisit = write.prepare('DELETE FROM report_visits WHERE site = ? AND device = ? AND session = ?')
  const dequeue = write.prepare(
    'DELETE FROM report_visit_queue WHERE site = ? AND device = ? AND session = ?',
  )
  // Through the (site, at) index; the LIMIT stops the count of a busy period early.
  const rowsUpTo = db
    .prepare<{ site: string; from: number; to: number; limit: number }, unknown[]>(
      `SELECT count(*) FROM (SELECT 1 FROM report_rows WHERE site = @site AND at >= @from AND at < @to LIMIT @limit)`,
    )
    .pluck()
  const visits = db
    .prepare<{ site: string; from: number; to: number }, unknown[]>(REPORT_VISITS_SQL)
    .raw(true)
  const visitStarts = db
    .prepare<
      { site: string; from: number; to: number; after: string; limit: number },
      [string | null, number, string | null]
    >(VISIT_STARTS_SQL)
    .raw(true)
  // Through the write connection: an hour's summaries are read inside the transaction that makes it.
  const hourVisits = write
    .prepare<{ site: string; from: number; to: number }, unknown[]>(REPORT_VISITS_SQL)
    .raw(true)
  const hours = sqliteReportHours(db, write, (site, from, to) =>
    hourVisits.all({ site, from, to }).map(summaryFrom),
  )

  /** Summaries of up to VISIT_CHUNK queued sessions made again; resolves to how many it took. */
  const visitStep = write.transaction(() => {
    const keys = queued.all(VISIT_CHUNK)
    for (const { site, device, session } of keys) {
      const [visit] = visitsOf(sessionRows.all(site, device, session).map(reportRowFrom))
      if (visit) upsertVisit.run({ ...summaryOf(visit), site, session, clickId: visit.clickId ? 1 : 0 })
      else dropVisit.run(site, device, session) // no page view left: no visit
      dequeue.run(site, device, session)
    }
    return keys.length
  })

  /** Events (watermark, watermark + CHUNK]; resolves to how many candidates it read, or -1 at the end. */
  const step = write.transaction(() => {
    const from = Number(watermark.get()?.value ?? 0)
    const to = Math.min(newest.get()?.id ?? 0, from + CHUNK)
    if (to <= from) return -1
    const rows = candidates.all(from, to)
    for (const row of rows) {
      const derived = derivedRowOf(fromEventRow(row))
      if (derived)
        insert.run({ ...derived, eventId: row.id, site: row.site, clickId: derived.clickId ? 1 : 0 })
    }
    setWatermark.run(String(to))
    return rows.length
  })

  return {
    syncReports: async () => {
      let read = 0
      // IMMEDIATE: the write lock before the watermark is read, so two syncs never overlap.
      for (let n = step.immediate(); n >= 0; n = step.immediate()) {
        read += n
        await breathe()
      }
      while (visitStep.immediate() === VISIT_CHUNK) await breathe()
      await hours.syncHours()
      return read
    },
    reportSessions: async (site, { from, to }) => {
      const rows: ReportRow[] = []
      for (const r of sessions.iterate({ site, from, to })) rows.push(reportRowFrom(r))
      return rows
    },
    reportRowsUpTo: async (site, { from, to }, limit) => Number(rowsUpTo.get({ site, from, to, limit })),
    reportVisitStarts: async (site, { from, to }, each) => {
      // One read transaction: the chunks are of one snapshot.
      db.transaction(() =>
        eachVisitStartOf((after, limit) => visitStarts.get({ site, from, to, after, limit })!, each),
      )()
    },
    reportVisits: async (site, { from, to }) => {
      const summaries: VisitSummary[] = []
      for (const v of visits.iterate({ site, from, to })) summaries.push(summaryFrom(v))
      return summaries
    },
    reportHours: hours.reportHours,
  }
}
