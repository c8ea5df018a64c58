// Journeys on SQLite (journeys/types.ts), on the deliveries' connection (store.ts: no fsync): an
// entry's 'sent' settlement queues its message in `deliveries` in the same transaction. Entering
// reads then writes, so it runs in an immediate transaction: two stores on one file take turns.
import type Database from 'better-sqlite3'
import type { ClaimedEntry, JourneyCounts, JourneyStore, NewEntry, PersonIds } from '../../journeys/types.ts'
import { type EntryRow, entryOf } from '../journey-row.ts'
import { insertNotices } from './deliveries.ts'

// IF NOT EXISTS: the migration tests make databases of earlier releases from today's schema.
// `person` is user_id ?? anonymous_id. Indexes: claims read waiting entries by due time (partial,
// so settled entries cost nothing); a person's entries by either id, with the journey (entering,
// exits, conversions) or across journeys (frequency caps: a person's entries are few, the rest is
// a filter); one waiting entry per person and journey, whatever the concurrency; retention and
// the admin list by entry time.
export const JOURNEYS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS journey_entries (
    site TEXT NOT NULL,
    journey TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    person TEXT NOT NULL,
    anonymous_id TEXT,
    user_id TEXT,
    grp TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting',
    entered_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    reason TEXT,
    message_id TEXT,
    context TEXT NOT NULL,
    converted_at INTEGER,
    revenue REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (site, journey, entry_id)
  );
  CREATE INDEX IF NOT EXISTS journey_entries_due ON journey_entries (due_at) WHERE status = 'waiting';
  CREATE INDEX IF NOT EXISTS journey_entries_anonymous ON journey_entries (site, anonymous_id, journey);
  CREATE INDEX IF NOT EXISTS journey_entries_user ON journey_entries (site, user_id, journey);
  CREATE UNIQUE INDEX IF NOT EXISTS journey_entries_waiting ON journey_entries (site, journey, person)
    WHERE status = 'waiting';
  CREATE INDEX IF NOT EXISTS journey_entries_recent ON journey_entries (site, entered_at);
  CREATE TABLE IF NOT EXISTS unsubscribes (
    site TEXT NOT NULL, subject TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (site, subject)
  ) WITHOUT ROWID;`

/**
 * The person's rows by either id (a null id matches nothing), of @journey or of every journey;
 * parameters @site, @journey, @a and @u. Each id is looked up by its own index: written as an OR,
 * the planner (without statistics) scans the site's or the journey's rows instead.
 */
const theirs = (inJourney: boolean) => {
  const journey = inJourney ? ' AND journey = @journey' : ''
  return `rowid IN (
    SELECT rowid FROM journey_entries WHERE site = @site AND anonymous_id = @a${journey}
    UNION ALL SELECT rowid FROM journey_entries WHERE site = @site AND user_id = @u${journey})`
}
const ids = (p: PersonIds) => ({ a: p.anonymousId, u: p.userId })

export const sqliteJourneys = (db: Database.Database): JourneyStore => {
  const enter = db.transaction((entries: readonly NewEntry[]) => {
    // `once`: any entry of the person blocks; `again`: a waiting one. The partial unique index
    // and the primary key leave the rest to ON CONFLICT.
    const insert = db.prepare(
      `INSERT INTO journey_entries (site, journey, entry_id, person, anonymous_id, user_id, grp, status,
           entered_at, due_at, context)
         SELECT @site, @journey, @entryId, @person, @a, @u, @grp, 'waiting', @enteredAt, @dueAt, @context
         WHERE NOT EXISTS (
           SELECT 1 FROM journey_entries WHERE ${theirs(true)} AND (@once OR status = 'waiting'))
         ON CONFLICT DO NOTHING`,
    )
    let added = 0
    for (const e of entries) {
      const person = e.userId ?? e.anonymousId
      if (person === null) continue
      added += insert.run({
        site: e.site,
        journey: e.journey,
        entryId: e.entryId,
        person,
        ...ids(e),
        grp: e.group,
        enteredAt: e.enteredAt,
        dueAt: e.dueAt,
        context: e.context,
        once: e.reentry === 'once' ? 1 : 0,
      }).changes
    }
    return added
  })

  const settle = db.transaction(
    (
      key: { site: string; journey: string; entryId: string; lease: number },
      set: string,
      params: Record<string, unknown>,
      then?: () => void,
    ) => {
      const written =
        db
          .prepare(
            `UPDATE journey_entries SET ${set}, lease_until = 0
             WHERE site = @site AND journey = @journey AND entry_id = @entryId
               AND status = 'waiting' AND lease_until = @lease`,
          )
          .run({ ...params, site: key.site, journey: key.journey, entryId: key.entryId, lease: key.lease })
          .changes === 1
      if (written) then?.()
      return written
    },
  )

  const people = `rowid IN (
      SELECT rowid FROM journey_entries WHERE site = @site AND anonymous_id IN (SELECT value FROM json_each(@a))
      UNION ALL
      SELECT rowid FROM journey_entries WHERE site = @site AND user_id IN (SELECT value FROM json_each(@u)))`
  const drop = db.transaction((site: string, anonymousIds: string, userIds: string) => {
    const params = { site, a: anonymousIds, u: userIds }
    db.prepare(
      `DELETE FROM deliveries WHERE site = @site AND status = 'pending' AND message_id IN (
         SELECT message_id FROM journey_entries WHERE ${people} AND message_id IS NOT NULL)`,
    ).run(params)
    return db.prepare(`DELETE FROM journey_entries WHERE ${people}`).run(params).changes
  })

  return {
    enterJourneys: async (entries) => enter.immediate(entries),

    exitJourneys: async (site, journey, person, at, reason, now) =>
      db
        .prepare(
          `UPDATE journey_entries SET status = 'exited', done_at = @now, reason = @reason, lease_until = 0
           WHERE ${theirs(true)} AND status = 'waiting' AND entered_at <= @at`,
        )
        .run({ site, journey, ...ids(person), at, reason, now }).changes,

    convertJourneys: async (site, journey, person, at, since, revenue) =>
      db
        .prepare(
          `UPDATE journey_entries SET converted_at = @at, revenue = @revenue
           WHERE ${theirs(true)} AND converted_at IS NULL AND entered_at BETWEEN @since AND @at`,
        )
        .run({ site, journey, ...ids(person), at, since, revenue }).changes,

    claimDueEntries: async (now, limit, leaseMs) => {
      // One statement: its write lock is taken before it reads, so two stores never claim one entry.
      const rows = db
        .prepare<{ now: number; limit: number; lease: number }, EntryRow>(
          `WITH due AS (
             SELECT site, journey, entry_id FROM journey_entries
             WHERE status = 'waiting' AND due_at <= @now AND lease_until <= @now
             ORDER BY due_at, site, journey, entry_id LIMIT @limit)
           UPDATE journey_entries SET lease_until = @now + @lease
           WHERE (site, journey, entry_id) IN (SELECT site, journey, entry_id FROM due)
           RETURNING *`,
        )
        .all({ now, limit, lease: leaseMs })
      return rows.map((r): ClaimedEntry => ({ ...entryOf(r), lease: now + leaseMs })).sort(byDue)
    },

    settleEntry: async (claim, outcome, now) => {
      switch (outcome.kind) {
        case 'sent': {
          const { notice } = outcome
          return settle(
            claim,
            `status = 'sent', done_at = @now, message_id = @messageId`,
            { now, messageId: notice.messageId },
            () => insertNotices(db, [notice], now),
          )
        }
        case 'held':
          return settle(claim, `status = 'held', done_at = @now`, { now })
        case 'skipped':
          return settle(claim, `status = 'skipped', done_at = @now, reason = @reason`, {
            now,
            reason: outcome.reason,
          })
        case 'later':
          return settle(claim, 'due_at = @dueAt, reason = @reason', {
            dueAt: outcome.dueAt,
            reason: outcome.reason,
          })
      }
    },

    messagesSince: async (site, person, since) =>
      db
        .prepare<Record<string, unknown>, { n: number }>(
          `SELECT count(*) AS n FROM journey_entries
           WHERE ${theirs(false)} AND status = 'sent' AND done_at >= @since`,
        )
        .get({ site, ...ids(person), since })?.n ?? 0,

    listEntries: async (site, { journey, status, limit }) =>
      db
        .prepare<Record<string, unknown>, EntryRow>(
          `SELECT * FROM journey_entries
           WHERE site = @site AND (@journey IS NULL OR journey = @journey) AND (@status IS NULL OR status = @status)
           ORDER BY entered_at DESC, journey DESC, entry_id DESC LIMIT @limit`,
        )
        .all({ site, journey: journey ?? null, status: status ?? null, limit })
        .map(entryOf),

    entriesOf: async (site, anonymousIds, userIds) =>
      db
        .prepare<Record<string, unknown>, EntryRow>(
          `SELECT * FROM journey_entries WHERE ${people} ORDER BY entered_at, journey, entry_id`,
        )
        .all({ site, a: JSON.stringify(anonymousIds), u: JSON.stringify(userIds) })
        .map(entryOf),

    journeyCounts: async (site, journey) =>
      db
        .prepare<[string, string], JourneyCounts>(
          `SELECT grp AS "group", count(*) AS entered, sum(status = 'waiting') AS waiting,
             sum(status = 'sent') AS sent, sum(status = 'held') AS held, sum(status = 'exited') AS exited,
             sum(status = 'skipped') AS skipped, count(converted_at) AS converted, total(revenue) AS revenue,
             total(revenue * revenue) AS revenueSquares
           FROM journey_entries WHERE site = ? AND journey = ?
           GROUP BY grp ORDER BY grp = 'holdout'`,
        )
        .all(site, journey),

    dropEntries: async (site, anonymousIds, userIds) =>
      drop(site, JSON.stringify(anonymousIds), JSON.stringify(userIds)),

    deleteEntriesBefore: async (site, before) =>
      db.prepare('DELETE FROM journey_entries WHERE site = ? AND entered_at < ?').run(site, before).changes,

    unsubscribe: async (site, subject, at) =>
      db
        .prepare('INSERT INTO unsubscribes (site, subject, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(site, subject, at).changes === 1,

    unsubscribed: async (site, subject) =>
      db.prepare('SELECT 1 FROM unsubscribes WHERE site = ? AND subject = ?').get(site, subject) !==
      undefined,
  }
}

/** Claims in the order they were due (RETURNING keeps none). */
const byDue = (a: ClaimedEntry, b: ClaimedEntry) =>
  a.dueAt - b.dueAt || cmp(a.site, b.site) || cmp(a.journey, b.journey) || cmp(a.entryId, b.entryId)
const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
