// Audiences on PostgreSQL (audiences/types.ts), shared by any number of collectors: workers claim
// queued people with FOR UPDATE SKIP LOCKED and a lease; a membership's change is written only
// while its version is still the stored one (a conditional UPDATE, or an INSERT … ON CONFLICT DO
// NOTHING from version 0: the row lock or the key lets exactly one of two collectors write it),
// with its notices' deliveries in the same transaction. The queue's re-queue rule is SQLite's
// (sqlite/audiences.ts): a person queued while claimed waits in `next_due` for the claim's `done`.
import type { AudienceStore, ClaimedPerson, Membership } from '../../audiences/types.ts'
import { insertNotices } from './deliveries.ts'
import type { Migration, Sql } from './schema.ts'

// Indexes as SQLite's (sqlite/audiences.ts): due claims; a profile's memberships by (site, profile);
// an audience's members are the primary key's. COLLATE "C": members page in byte order, as on SQLite.
export const AUDIENCES_MIGRATIONS: Migration[] = [
  {
    name: 'audiences/1',
    sql: `
      CREATE TABLE audience_queue (
        site TEXT NOT NULL,
        person TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        next_due BIGINT,
        PRIMARY KEY (site, person)
      );
      CREATE INDEX audience_queue_due ON audience_queue (due_at);
      CREATE TABLE audience_members (
        site TEXT NOT NULL,
        audience TEXT NOT NULL,
        profile TEXT COLLATE "C" NOT NULL,
        member BOOLEAN NOT NULL,
        version INTEGER NOT NULL,
        announced TEXT NOT NULL,
        changed_at BIGINT NOT NULL,
        PRIMARY KEY (site, audience, profile)
      );
      CREATE INDEX audience_members_profile ON audience_members (site, profile);`,
  },
]

interface MemberRow {
  audience: string
  member: boolean
  version: number
  announced: string
  changed_at: number
}

const membershipOf = (r: MemberRow): Membership => ({
  audience: r.audience,
  member: r.member,
  version: r.version,
  announced: JSON.parse(r.announced) as string[],
  changedAt: Number(r.changed_at),
})

export const postgresAudiences = (sql: Sql): AudienceStore => ({
  queueAudiencePeople: async (people, dueAt) => {
    // Once each (ON CONFLICT DO UPDATE may not touch a row twice), in key order (no two batches
    // wait for each other in a circle).
    const unique = [...new Map(people.map((p) => [`${p.site}\0${p.person}`, p])).values()]
    if (unique.length === 0) return
    await sql`
      INSERT INTO audience_queue (site, person, due_at)
      SELECT q.site, q.person, ${dueAt}::bigint
      FROM unnest(${unique.map((p) => p.site)}::text[], ${unique.map((p) => p.person)}::text[]) AS q(site, person)
      ORDER BY q.site COLLATE "C", q.person COLLATE "C"
      ON CONFLICT (site, person) DO UPDATE SET
        due_at = CASE WHEN audience_queue.lease_until = 0
          THEN LEAST(audience_queue.due_at, excluded.due_at) ELSE audience_queue.due_at END,
        next_due = CASE WHEN audience_queue.lease_until = 0 THEN audience_queue.next_due
          ELSE LEAST(audience_queue.next_due, excluded.due_at) END`
  },

  claimAudiencePeople: async (now, limit, leaseMs) => {
    // Materialized: a LIMIT under FOR UPDATE in a join may be run again and take more rows.
    const rows = await sql<{ site: string; person: string; due_at: number }[]>`
      WITH due AS MATERIALIZED (
        SELECT site, person FROM audience_queue
        WHERE due_at <= ${now} AND lease_until <= ${now}
        ORDER BY due_at, site, person LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      UPDATE audience_queue q SET lease_until = ${now + leaseMs}
      FROM due WHERE q.site = due.site AND q.person = due.person
      RETURNING q.site, q.person, q.due_at`
    return rows
      .map((r) => ({ ...r, due_at: Number(r.due_at) }))
      .sort((a, b) => a.due_at - b.due_at || cmp(a.site, b.site) || cmp(a.person, b.person))
      .map((r): ClaimedPerson => ({ site: r.site, person: r.person, lease: now + leaseMs }))
  },

  memberships: async (site, profile) =>
    (
      await sql<MemberRow[]>`
        SELECT audience, member, version, announced, changed_at FROM audience_members
        WHERE site = ${site} AND profile = ${profile} ORDER BY audience COLLATE "C"`
    ).map(membershipOf),

  applyAudienceChanges: async (site, profile, changes, done, now) =>
    sql.begin(async (tx) => {
      // By audience (stable: one audience's changes keep their order), so two collectors lock a
      // profile's rows in one order.
      const ordered = [...changes].sort((a, b) => cmp(a.audience, b.audience))
      let written = 0
      for (const c of ordered) {
        const announced = JSON.stringify(c.announced)
        // From version 0 the row must be missing: the key lets one insert win, the other waits
        // for it and then does nothing. Otherwise the row lock serializes the updates, and the
        // second re-reads the version the first wrote.
        const result =
          c.fromVersion === 0
            ? await tx`
                INSERT INTO audience_members (site, audience, profile, member, version, announced, changed_at)
                VALUES (${site}, ${c.audience}, ${profile}, ${c.member}, 1, ${announced}, ${now})
                ON CONFLICT (site, audience, profile) DO NOTHING`
            : await tx`
                UPDATE audience_members
                SET member = ${c.member}, version = ${c.fromVersion + 1}, announced = ${announced},
                  changed_at = ${now}
                WHERE site = ${site} AND audience = ${c.audience} AND profile = ${profile}
                  AND version = ${c.fromVersion}`
        if (result.count !== 1) continue
        written++
        if (c.notices.length > 0) await insertNotices(tx, c.notices, now)
      }
      if (done) {
        // Delete first, then make a re-queue claimable: each statement reads what is committed
        // when it runs, so a re-queue committed before the delete is kept by the update, and one
        // after it finds no row and inserts one.
        const gone = await tx`
          DELETE FROM audience_queue
          WHERE site = ${done.site} AND person = ${done.person} AND lease_until = ${done.lease}
            AND next_due IS NULL`
        if (gone.count === 0)
          await tx`
            UPDATE audience_queue SET due_at = next_due, next_due = NULL, lease_until = 0
            WHERE site = ${done.site} AND person = ${done.person} AND lease_until = ${done.lease}
              AND next_due IS NOT NULL`
      }
      return written
    }),

  audienceMembers: async (site, audience, after, limit) =>
    (
      await sql<{ profile: string }[]>`
        SELECT profile FROM audience_members
        WHERE site = ${site} AND audience = ${audience} AND member
          ${after === undefined ? sql`` : sql`AND profile > ${after}`}
        ORDER BY profile LIMIT ${limit}`
    ).map((r) => r.profile),

  audienceCounts: async (site) =>
    Object.fromEntries(
      (
        await sql<{ audience: string; n: number }[]>`
          SELECT audience, count(*)::int AS n FROM audience_members WHERE site = ${site} AND member
          GROUP BY audience ORDER BY audience COLLATE "C"`
      ).map((r) => [r.audience, r.n]),
    ),

  dropMemberships: async (site, profiles) =>
    profiles.length === 0
      ? 0
      : (
          await sql`
            DELETE FROM audience_members WHERE site = ${site} AND profile = ANY(${[...profiles]}::text[])`
        ).count,
})

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
