// SQLite's hour aggregates (reports/hours.ts): triggers queue the hour of every visit summary added,
// changed or deleted, and every hour with a visit of a device whose person changed (identity
// resolution inserts, moves or deletes its identifier). A queued hour is made again from its
// summaries, with the person now, when a report reads it: the current hour of a busy site changes
// with every sync, and making it again each time would cost ingest. An hour that lost a visit or
// an identifier (erasure, retention) is flagged and made again by the next sync, read or not, so
// nothing of an erased person stays in its sketches. Queue inserts say ON CONFLICT, not OR IGNORE:
// in a trigger, the conflict clause of the statement that fired it (an upsert) would replace it.
import type Database from 'better-sqlite3'
import { HOUR, hourAggregateOf, hourFromStored, type StoredHour } from '../../reports/hours.ts'
import { encodeSketch } from '../../reports/sketch.ts'
import type { HourAggregate, VisitSummary } from '../../reports/types.ts'

const hourOf = (column: string) => `${column} - ${column} % ${HOUR}`

/** Queues the hours of `select`; `erased` flags them for the next sync. */
const queue = (select: string, erased = false) => `
    INSERT INTO report_hour_queue (site, hour, erased) ${select}
    ON CONFLICT DO ${erased ? 'UPDATE SET erased = 1' : 'NOTHING'};`

/** The hours of the device's visits, for a trigger on identifiers (`row` is new or old). */
const devicesHours = (row: 'new' | 'old', erased = false) =>
  queue(
    `SELECT site, ${hourOf('start_at')}, ${erased ? 1 : 0} FROM report_visits
     WHERE site = ${row}.site AND device = ${row}.value`,
    erased,
  )

export const REPORT_HOURS_MIGRATION = `
  CREATE TABLE report_hours (
    site TEXT NOT NULL,
    hour INTEGER NOT NULL,
    visits INTEGER NOT NULL,
    pageviews INTEGER NOT NULL,
    bounces INTEGER NOT NULL,
    duration REAL NOT NULL,
    engaged REAL NOT NULL,
    scroll_sum REAL NOT NULL,
    scroll_count INTEGER NOT NULL,
    devices BLOB NOT NULL,
    people BLOB NOT NULL,
    PRIMARY KEY (site, hour)
  ) WITHOUT ROWID;
  CREATE TABLE report_hour_queue (
    site TEXT NOT NULL,
    hour INTEGER NOT NULL,
    erased INTEGER NOT NULL,
    PRIMARY KEY (site, hour)
  ) WITHOUT ROWID;
  CREATE INDEX report_hour_queue_erased ON report_hour_queue (erased) WHERE erased = 1;
  CREATE TRIGGER report_visit_added AFTER INSERT ON report_visits BEGIN
    ${queue(`VALUES (new.site, ${hourOf('new.start_at')}, 0)`)}
  END;
  CREATE TRIGGER report_visit_changed AFTER UPDATE ON report_visits BEGIN
    ${queue(`VALUES (old.site, ${hourOf('old.start_at')}, 0), (new.site, ${hourOf('new.start_at')}, 0)`)}
  END;
  CREATE TRIGGER report_visit_deleted AFTER DELETE ON report_visits BEGIN
    ${queue(`VALUES (old.site, ${hourOf('old.start_at')}, 1)`, true)}
  END;
  CREATE TRIGGER report_person_added AFTER INSERT ON identifiers WHEN new.kind = 'anonymous' BEGIN
    ${devicesHours('new')}
  END;
  CREATE TRIGGER report_person_moved AFTER UPDATE OF profile_id ON identifiers
  WHEN new.kind = 'anonymous' AND new.profile_id IS NOT old.profile_id BEGIN
    ${devicesHours('new')}
  END;
  CREATE TRIGGER report_person_removed AFTER DELETE ON identifiers WHEN old.kind = 'anonymous' BEGIN
    ${devicesHours('old', true)}
  END;
  ${queue(`SELECT site, ${hourOf('start_at')}, 0 FROM report_visits WHERE true`)}`

/** Queued hours made again per transaction: a busy hour is thousands of visits read. */
const HOUR_CHUNK = 10

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * `db` reads; `write` (which may be `db`) writes, as in sqliteReports; `visitsIn` reads the
 * summaries of the visits starting in [from, to) with their person, through `write`.
 */
export const sqliteReportHours = (
  db: Database.Database,
  write: Database.Database,
  visitsIn: (site: string, from: number, to: number) => VisitSummary[],
) => {
  type Key = { site: string; hour: number }
  const erasedHours = write.prepare<[number], Key>(
    'SELECT site, hour FROM report_hour_queue WHERE erased = 1 LIMIT ?',
  )
  const hoursIn = write.prepare<[string, number, number, number], Key>(
    'SELECT site, hour FROM report_hour_queue WHERE site = ? AND hour >= ? AND hour < ? LIMIT ?',
  )
  const upsert = write.prepare(`
    INSERT OR REPLACE INTO report_hours (site, hour, visits, pageviews, bounces, duration, engaged,
      scroll_sum, scroll_count, devices, people)
    VALUES (@site, @hour, @visits, @pageviews, @bounces, @duration, @engaged, @scrollSum, @scrollCount,
      @devices, @people)`)
  const drop = write.prepare('DELETE FROM report_hours WHERE site = ? AND hour = ?')
  const dequeue = write.prepare('DELETE FROM report_hour_queue WHERE site = ? AND hour = ?')
  const read = db.prepare<[string, number, number], StoredHour>(
    `SELECT hour, visits, pageviews, bounces, duration, engaged, scroll_sum, scroll_count, devices, people
     FROM report_hours WHERE site = ? AND hour >= ? AND hour < ?`,
  )

  /** Up to HOUR_CHUNK queued hours made again; resolves to how many it took. */
  const step = write.transaction((take: () => Key[]) => {
    const keys = take()
    for (const { site, hour } of keys) {
      const visits = visitsIn(site, hour, hour + HOUR)
      if (visits.length === 0) drop.run(site, hour)
      else {
        const h = hourAggregateOf(hour, visits)
        upsert.run({ ...h, site, devices: encodeSketch(h.devices), people: encodeSketch(h.people) })
      }
      dequeue.run(site, hour)
    }
    return keys.length
  })

  const makeAll = async (take: () => Key[]) => {
    while (step.immediate(take) === HOUR_CHUNK) await breathe()
  }

  return {
    /** The hours flagged by a deletion made again (after the summaries: they are what it reads). */
    syncHours: () => makeAll(() => erasedHours.all(HOUR_CHUNK)),
    /** The window's hours, those queued made again first. */
    reportHours: async (
      site: string,
      { from, to }: { from: number; to: number },
    ): Promise<HourAggregate[]> => {
      await makeAll(() => hoursIn.all(site, from, to, HOUR_CHUNK))
      return read.all(site, from, to).map(hourFromStored)
    },
  }
}
