// Journeys on PostgreSQL (journeys/types.ts), shared by any number of collectors: entering takes
// transaction-scoped advisory locks on the people's ids, so two collectors entering one person
// take turns (and a partial unique index keeps one waiting entry per person and journey whatever
// happens); workers claim due entries with FOR UPDATE SKIP LOCKED and a lease; a 'sent'
// settlement queues its message in `deliveries` in the same transaction.
import { createHash } from 'node:crypto'
import type { ClaimedEntry, JourneyCounts, JourneyStore, NewEntry, PersonIds } from '../../journeys/types.ts'
import { type EntryRow, entryOf } from '../journey-row.ts'
import { insertNotices } from './deliveries.ts'
import type { Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'

// `person` is user_id ?? anonymous_id. Indexes as SQLite's (sqlite/journeys.ts): due claims;
// a person's entries by either id; one waiting entry per person and journey; entry time.
export const JOURNEYS_MIGRATIONS: Migration[] = [
  {
    name: 'journeys/1',
    sql: `
      CREATE TABLE journey_entries (
        site TEXT NOT NULL,
        journey TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        person TEXT NOT NULL,
        anonymous_id TEXT,
        user_id TEXT,
        grp TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'waiting',
        entered_at BIGINT NOT NULL,
        due_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        done_at BIGINT,
        reason TEXT,
        message_id TEXT,
        context TEXT NOT NULL,
        converted_at BIGINT,
        revenue DOUBLE PRECISION NOT NULL DEFAULT 0,
        PRIMARY KEY (site, journey, entry_id)
      );
      CREATE INDEX journey_entries_due ON journey_entries (due_at) WHERE status = 'waiting';
      CREATE INDEX journey_entries_anonymous ON journey_entries (site, anonymous_id, journey);
      CREATE INDEX journey_entries_user ON journey_entries (site, user_id, journey);
      CREATE UNIQUE INDEX journey_entries_waiting ON journey_entries (site, journey, person)
        WHERE status = 'waiting';
      CREATE INDEX journey_entries_recent ON journey_entries (site, entered_at);
      CREATE TABLE unsubscribes (
        site TEXT NOT NULL, subject TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (site, subject));`,
  },
]

type Fragment = ReturnType<Sql>

/**
 * The advisory locks an entry takes: one per id it carries, within its journey (the second key of
 * pg_advisory_xact_lock(int, int); the first names this schema's journeys). A collision only makes
 * two people take turns.
 */
const lockKeys = (e: NewEntry) =>
  (
    [
      ['a', e.anonymousId],
      ['u', e.userId],
    ] as const
  )
    .filter(([, id]) => id !== null)
    .map(([kind, id]) =>
      createHash('sha256').update(`${e.site}\0${e.journey}\0${kind}\0${id}`).digest().readInt32BE(0),
    )

export const postgresJourneys = (sql: Sql): JourneyStore => {
  /** The person's rows by either id (a null id matches nothing). */
  const eitherId = (p: PersonIds) =>
    sql`(anonymous_id = ${p.anonymousId}::text OR user_id = ${p.userId}::text)`

  return {
    enterJourneys: async (entries) => {
      const people = entries.filter((e) => (e.userId ?? e.anonymousId) !== null)
      if (people.length === 0) return 0
      return sql.begin(async (tx) => {
        // Every lock of the batch at once, in one order (no two batches wait for each other in a
        // circle), before the reads: an entry another collector made for these ids is committed
        // and seen by the statements below.
        const keys = [...new Set(people.flatMap(lockKeys))].sort((a, b) => a - b)
        await tx`
          SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.journeys'), k)
          FROM unnest(${keys}::int[]) AS k`
        // In order, pipelined: each statement sees the entries the ones before it made.
        const made = await Promise.all(
          people.map(
            (e) => tx`
              INSERT INTO journey_entries (site, journey, entry_id, person, anonymous_id, user_id, grp,
                entered_at, due_at, context)
              SELECT ${e.site}::text, ${e.journey}::text, ${e.entryId}::text, ${e.userId ?? e.anonymousId}::text,
                ${e.anonymousId}::text, ${e.userId}::text, ${e.group}::text, ${e.enteredAt}::bigint,
                ${e.dueAt}::bigint, ${e.context}::text
              WHERE NOT EXISTS (
                SELECT 1 FROM journey_entries
                WHERE site = ${e.site} AND journey = ${e.journey} AND ${eitherId(e)}
                  AND (${e.reentry === 'once'}::boolean OR status = 'waiting'))
              ON CONFLICT DO NOTHING`,
          ),
        )
        return made.reduce((n, r) => n + r.count, 0)
      })
    },

    exitJourneys: async (site, journey, person, at, reason, now) =>
      (
        await sql`
          UPDATE journey_entries SET status = 'exited', done_at = ${now}, reason = ${reason}, lease_until = 0
          WHERE site = ${site} AND journey = ${journey} AND ${eitherId(person)} AND status = 'waiting'
            AND entered_at <= ${at}`
      ).count,

    convertJourneys: async (site, journey, person, at, since, revenue) =>
      (
        await sql`
          UPDATE journey_entries SET converted_at = ${at}, revenue = ${revenue}
          WHERE site = ${site} AND journey = ${journey} AND ${eitherId(person)} AND converted_at IS NULL
            AND entered_at BETWEEN ${since} AND ${at}`
      ).count,

    claimDueEntries: async (now, limit, leaseMs) => {
      // Materialized: a LIMIT under FOR UPDATE in a join may be run again and take more rows.
      const rows = await sql<EntryRow[]>`
        WITH due AS MATERIALIZED (
          SELECT site, journey, entry_id FROM journey_entries
          WHERE status = 'waiting' AND due_at <= ${now} AND lease_until <= ${now}
          ORDER BY due_at, site, journey, entry_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        UPDATE journey_entries j SET lease_until = ${now + leaseMs}
        FROM due WHERE j.site = due.site AND j.journey = due.journey AND j.entry_id = due.entry_id
        RETURNING j.*`
      return rows
        .map((r): ClaimedEntry => ({ ...entryOf(r), lease: now + leaseMs }))
        .sort(
          (a, b) =>
            a.dueAt - b.dueAt ||
            cmp(a.site, b.site) ||
            cmp(a.journey, b.journey) ||
            cmp(a.entryId, b.entryId),
        )
    },

    settleEntry: async ({ site, journey, entryId, lease }, outcome, now) => {
      // Fenced: only while the claim named by `lease` holds the entry, and it still waits.
      const settle = async (q: Sql | Tx, set: Fragment) =>
        (
          await q`
            UPDATE journey_entries SET ${set}, lease_until = 0
            WHERE site = ${site} AND journey = ${journey} AND entry_id = ${entryId}
              AND status = 'waiting' AND lease_until = ${lease}`
        ).count === 1
      switch (outcome.kind) {
        case 'sent':
          return sql.begin(async (tx) => {
            const { notice } = outcome
            const written = await settle(
              tx,
              tx`status = 'sent', done_at = ${now}, message_id = ${notice.messageId}`,
            )
            if (written) await insertNotices(tx, [notice], now)
            return written
          })
        case 'held':
          return settle(sql, sql`status = 'held', done_at = ${now}`)
        case 'skipped':
          return settle(sql, sql`status = 'skipped', done_at = ${now}, reason = ${outcome.reason}`)
        case 'later':
          return settle(sql, sql`due_at = ${outcome.dueAt}, reason = ${outcome.reason}`)
      }
    },

    messagesSince: async (site, person, since) => {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM journey_entries
        WHERE site = ${site} AND ${eitherId(person)} AND status = 'sent' AND done_at >= ${since}`
      return row?.n ?? 0
    },

    listEntries: async (site, { journey, status, limit }) =>
      (
        await sql<EntryRow[]>`
          SELECT * FROM journey_entries
          WHERE site = ${site}
            AND (${journey ?? null}::text IS NULL OR journey = ${journey ?? null})
            AND (${status ?? null}::text IS NULL OR status = ${status ?? null})
          ORDER BY entered_at DESC, journey DESC, entry_id DESC LIMIT ${limit}`
      ).map(entryOf),

    entriesOf: async (site, anonymousIds, userIds) =>
      (
        await sql<EntryRow[]>`
          SELECT * FROM journey_entries
          WHERE site = ${site}
            AND (anonymous_id = ANY(${[...anonymousIds]}::text[]) OR user_id = ANY(${[...userIds]}::text[]))
          ORDER BY entered_at, journey, entry_id`
      ).map(entryOf),

    journeyCounts: async (site, journey) =>
      (
        await sql<JourneyCounts[]>`
          SELECT grp AS "group", count(*)::int AS entered,
            count(*) FILTER (WHERE status = 'waiting')::int AS waiting,
            count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(*) FILTER (WHERE status = 'held')::int AS held,
            count(*) FILTER (WHERE status = 'exited')::int AS exited,
            count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
            count(converted_at)::int AS converted, sum(revenue)::float8 AS revenue,
            sum(revenue * revenue)::float8 AS "revenueSquares"
          FROM journey_entries WHERE site = ${site} AND journey = ${journey}
          GROUP BY grp ORDER BY grp = 'holdout'`
      ).map((r) => ({ ...r })),

    dropEntries: async (site, anonymousIds, userIds) => {
      // One statement: the entries and the pending deliveries of their messages go together.
      const [row] = await sql<{ n: number }[]>`
        WITH gone AS (
          DELETE FROM journey_entries
          WHERE site = ${site}
            AND (anonymous_id = ANY(${[...anonymousIds]}::text[]) OR user_id = ANY(${[...userIds]}::text[]))
          RETURNING message_id),
        unsent AS (
          DELETE FROM deliveries
          WHERE site = ${site} AND status = 'pending'
            AND message_id IN (SELECT message_id FROM gone WHERE message_id IS NOT NULL)
          RETURNING 1)
        SELECT (SELECT count(*) FROM gone)::int AS n`
      return row?.n ?? 0
    },

    deleteEntriesBefore: async (site, before) =>
      (await sql`DELETE FROM journey_entries WHERE site = ${site} AND entered_at < ${before}`).count,

    unsubscribe: async (site, subject, at) =>
      (
        await sql`
          INSERT INTO unsubscribes (site, subject, at) VALUES (${site}, ${subject}, ${at})
          ON CONFLICT DO NOTHING`
      ).count === 1,

    unsubscribed: async (site, subject) =>
      (await sql`SELECT 1 FROM unsubscribes WHERE site = ${site} AND subject = ${subject}`).length > 0,
  }
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
