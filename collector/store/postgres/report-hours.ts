// PostgreSQL's hour aggregates (reports/hours.ts), as SQLite's (sqlite/report-hours.ts): statement
// triggers queue the hour of every visit summary added or deleted, and every hour with a visit of a
// device whose identifier identity resolution inserted, moved or deleted. A report reading hours
// claims the queued ones of its window under the reports lock and makes each again from its
// summaries, with the person now; the sync does so only for hours flagged by a deletion (a report
// row's, which drops its visit's summary, or an identifier's), so erasure leaves nothing in the
// sketches. A merge committing while an hour is claimed queues it again (its insert waits for the
// claim's commit), so the next read counts the new person.
import { HOUR, hourAggregateOf, hourFromStored, type StoredHour } from '../../reports/hours.ts'
import { encodeSketch, type Sketch } from '../../reports/sketch.ts'
import type { HourAggregate } from '../../reports/types.ts'
import { summaryFrom } from '../../reports/visits.ts'
import type { Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'

/** Queues the hours of the visits `v` in `from`; `erased` flags them for the next sync. */
const queueHours = (from: string, where = '', erased = false) => `
  INSERT INTO report_hour_queue (site, hour, erased)
  SELECT DISTINCT v.site, v.start_at - v.start_at % ${HOUR}, ${erased} FROM ${from} ${where}
  ON CONFLICT (site, hour) DO ${erased ? 'UPDATE SET erased = true' : 'NOTHING'};`

const devicesHours = (erased: boolean) =>
  queueHours(
    'changed c JOIN report_visits v ON v.site = c.site AND v.device = c.value',
    "WHERE c.kind = 'anonymous'",
    erased,
  )

/** One trigger per event: a trigger with transition tables takes one kind of change. */
const REPORTS_4 = `
  CREATE TABLE report_hours (
    site TEXT NOT NULL,
    hour BIGINT NOT NULL,
    visits INTEGER NOT NULL,
    pageviews INTEGER NOT NULL,
    bounces INTEGER NOT NULL,
    duration FLOAT8 NOT NULL,
    engaged FLOAT8 NOT NULL,
    scroll_sum FLOAT8 NOT NULL,
    scroll_count INTEGER NOT NULL,
    devices BYTEA NOT NULL,
    people BYTEA NOT NULL,
    PRIMARY KEY (site, hour)
  );
  CREATE TABLE report_hour_queue (
    site TEXT NOT NULL,
    hour BIGINT NOT NULL,
    erased BOOLEAN NOT NULL,
    PRIMARY KEY (site, hour)
  );
  CREATE INDEX report_hour_queue_erased ON report_hour_queue (site, hour) WHERE erased;
  CREATE FUNCTION precis_report_visits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${queueHours('changed v')}
    RETURN NULL;
  END $$;
  CREATE TRIGGER report_visits_added AFTER INSERT ON report_visits
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION precis_report_visits_changed();
  CREATE TRIGGER report_visits_deleted AFTER DELETE ON report_visits
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION precis_report_visits_changed();
  CREATE FUNCTION precis_report_persons_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${devicesHours(false)}
    RETURN NULL;
  END $$;
  CREATE FUNCTION precis_report_persons_removed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${devicesHours(true)}
    RETURN NULL;
  END $$;
  CREATE TRIGGER report_persons_added AFTER INSERT ON identifiers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION precis_report_persons_changed();
  CREATE TRIGGER report_persons_moved AFTER UPDATE ON identifiers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION precis_report_persons_changed();
  CREATE TRIGGER report_persons_removed AFTER DELETE ON identifiers
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION precis_report_persons_removed();
  -- A report row deleted (erasure, retention) drops its visit's summary: that hour is flagged.
  CREATE OR REPLACE FUNCTION precis_report_row_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${queueHours(
      'report_visits v',
      'WHERE v.site = OLD.site AND v.device = OLD.device AND v.session = OLD.session',
      true,
    )}
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
  ${queueHours('report_visits v')}`

export const REPORT_HOURS_MIGRATION: Migration = { name: 'reports/4', sql: REPORTS_4 }

/**
 * The summaries of the visits starting in the hours (site and start, in pairs): each row the
 * hour's site and start, then the summary's values in SUMMARY_FIELDS order. reports.ts reads them.
 */
export type HourVisits = (tx: Tx, sites: string[], starts: string[]) => Promise<unknown[][]>

const HOUR_RECORD = `site text, hour bigint, visits integer, pageviews integer, bounces integer,
  duration float8, engaged float8, "scrollSum" float8, "scrollCount" integer, devices text, people text`

/** Queued hours made again per transaction. */
const HOUR_CHUNK = 50

/** Which queued hours a chunk claims: those a deletion flagged, or those of one site's window. */
type Claim = { erased: true } | { site: string; from: number; to: number }

/** Up to HOUR_CHUNK queued hours made again, under the reports lock; resolves to how many it took. */
const hourChunk = async (tx: Tx, lock: string, read: HourVisits, claim: Claim) => {
  const which =
    'erased' in claim ? tx`erased` : tx`site = ${claim.site} AND hour >= ${claim.from} AND hour < ${claim.to}`
  const [, , keys] = await Promise.all([
    tx`SELECT pg_advisory_xact_lock(${tx.unsafe(lock)})`,
    tx`SET LOCAL synchronous_commit = off`,
    tx<{ site: string; hour: string }[]>`
      DELETE FROM report_hour_queue WHERE (site, hour) IN (
        SELECT site, hour FROM report_hour_queue WHERE ${which} LIMIT ${HOUR_CHUNK})
      RETURNING site, hour::text`,
  ])
  if (keys.length === 0) return 0
  const sites = keys.map((k) => k.site)
  const starts = keys.map((k) => k.hour)
  const rows = await read(tx, sites, starts)
  const byHour = new Map<string, ReturnType<typeof summaryFrom>[]>()
  for (const r of rows) {
    const key = `${r[0]}\u0000${r[1]}`
    const visit = summaryFrom(r.slice(2))
    const list = byHour.get(key)
    if (list) list.push(visit)
    else byHour.set(key, [visit])
  }
  const made = keys.flatMap(({ site, hour }) => {
    const visits = byHour.get(`${site}\u0000${hour}`)
    if (!visits) return [] // no visit left: no hour
    const h = hourAggregateOf(Number(hour), visits)
    const base64 = (s: Sketch) => Buffer.from(encodeSketch(s)).toString('base64')
    return [{ ...h, site, devices: base64(h.devices), people: base64(h.people) }]
  })
  await tx`
    DELETE FROM report_hours WHERE (site, hour) IN (
      SELECT * FROM unnest(${sites}::text[], ${starts}::bigint[]))`
  if (made.length > 0)
    await tx`
      INSERT INTO report_hours (site, hour, visits, pageviews, bounces, duration, engaged, scroll_sum,
        scroll_count, devices, people)
      SELECT site, hour, visits, pageviews, bounces, duration, engaged, "scrollSum", "scrollCount",
        decode(devices, 'base64'), decode(people, 'base64')
      FROM json_to_recordset(${JSON.stringify(made)}::text::json) AS t(${tx.unsafe(HOUR_RECORD)})`
  return keys.length
}

const makeAll = async (sql: Sql, lock: string, read: HourVisits, claim: Claim) => {
  while ((await sql.begin((tx) => hourChunk(tx, lock, read, claim))) === HOUR_CHUNK);
}

/** The hours flagged by a deletion made again (after the summaries: they are what it reads). */
export const syncHours = (sql: Sql, lock: string, read: HourVisits) =>
  makeAll(sql, lock, read, { erased: true })

/** The window's hours, those queued made again first. */
export const reportHours = async (
  sql: Sql,
  lock: string,
  read: HourVisits,
  site: string,
  { from, to }: { from: number; to: number },
): Promise<HourAggregate[]> => {
  await makeAll(sql, lock, read, { site, from, to })
  const hours = await sql<StoredHour[]>`
    SELECT hour::text, visits, pageviews, bounces, duration, engaged, scroll_sum, scroll_count, devices, people
    FROM report_hours WHERE site = ${site} AND hour >= ${from} AND hour < ${to}`
  return hours.map(hourFromStored)
}
