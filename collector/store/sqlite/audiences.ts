// Audiences on SQLite (audiences/types.ts), on the deliveries' connection (store.ts: no fsync): a
// membership's change and its notices' deliveries commit in one transaction, written only while
// the version the change was computed from is still the stored one.
//
// The queue's re-queue rule: a row is queued (`lease_until` 0) or claimed (`lease_until` > 0, the
// newest claim's lease, live or run out). Queuing a queued row keeps the earlier due time;
// queuing a claimed one keeps the earlier of its re-queues in `next_due`, so the claim under way
// is not disturbed. The claim's `done` deletes the row when nothing came meanwhile, else makes it
// queued again, due at `next_due`; a `done` whose lease is no longer the row's changes nothing. A
// claim whose lease ran out is claimed again at its old due time (its work was never finished).
import type Database from 'better-sqlite3'
import type { AudienceStore, ClaimedPerson, Membership } from '../../audiences/types.ts'
import { insertNotices } from './deliveries.ts'

// IF NOT EXISTS: the migration tests make databases of earlier releases from today's schema.
// Indexes: claims read the queue by due time; a profile's memberships (and erasure) by
// (site, profile); an audience's members in profile order are the primary key's.
export const AUDIENCES_MIGRATION = `
  CREATE TABLE IF NOT EXISTS audience_queue (
    site TEXT NOT NULL,
    person TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    next_due INTEGER,
    PRIMARY KEY (site, person)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS audience_queue_due ON audience_queue (due_at);
  CREATE TABLE IF NOT EXISTS audience_members (
    site TEXT NOT NULL,
    audience TEXT NOT NULL,
    profile TEXT NOT NULL,
    member INTEGER NOT NULL,
    version INTEGER NOT NULL,
    announced TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (site, audience, profile)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS audience_members_profile ON audience_members (site, profile);`

interface MemberRow {
  audience: string
  member: number
  version: number
  announced: string
  changed_at: number
}

const membershipOf = (r: MemberRow): Membership => ({
  audience: r.audience,
  member: r.member === 1,
  version: r.version,
  announced: JSON.parse(r.announced) as string[],
  changedAt: r.changed_at,
})

export const sqliteAudiences = (db: Database.Database): AudienceStore => {
  const queue = db.prepare(
    `INSERT INTO audience_queue (site, person, due_at) VALUES (@site, @person, @dueAt)
     ON CONFLICT (site, person) DO UPDATE SET
       due_at = CASE WHEN lease_until = 0 THEN min(due_at, excluded.due_at) ELSE due_at END,
       next_due = CASE WHEN lease_until = 0 THEN next_due
         ELSE min(coalesce(next_due, excluded.due_at), excluded.due_at) END`,
  )
  const queueAll = db.transaction((people: readonly { site: string; person: string }[], dueAt: number) => {
    for (const { site, person } of people) queue.run({ site, person, dueAt })
  })

  // A missing row is version 0: only an insert writes from it (a stored row is at version 1 or more).
  const enter = db.prepare(
    `INSERT INTO audience_members (site, audience, profile, member, version, announced, changed_at)
     VALUES (@site, @audience, @profile, @member, 1, @announced, @now)
     ON CONFLICT (site, audience, profile) DO NOTHING`,
  )
  const change = db.prepare(
    `UPDATE audience_members SET member = @member, version = @from + 1, announced = @announced, changed_at = @now
     WHERE site = @site AND audience = @audience AND profile = @profile AND version = @from`,
  )
  const finish = db.prepare(
    `DELETE FROM audience_queue WHERE site = @site AND person = @person AND lease_until = @lease AND next_due IS NULL`,
  )
  const requeue = db.prepare(
    `UPDATE audience_queue SET due_at = next_due, next_due = NULL, lease_until = 0
     WHERE site = @site AND person = @person AND lease_until = @lease AND next_due IS NOT NULL`,
  )
  const apply = db.transaction(
    (
      site: string,
      profile: string,
      changes: Parameters<AudienceStore['applyAudienceChanges']>[2],
      done: ClaimedPerson | undefined,
      now: number,
    ) => {
      let written = 0
      for (const c of changes) {
        const params = {
          site,
          profile,
          audience: c.audience,
          member: c.member ? 1 : 0,
          announced: JSON.stringify(c.announced),
          from: c.fromVersion,
          now,
        }
        const { from, ...row } = params
        const wrote = from === 0 ? enter.run(row).changes : change.run(params).changes
        if (wrote !== 1) continue
        written++
        insertNotices(db, c.notices, now)
      }
      if (done) {
        const claim = { site: done.site, person: done.person, lease: done.lease }
        if (finish.run(claim).changes === 0) requeue.run(claim)
      }
      return written
    },
  )

  const membersAfter = db.prepare<
    { site: string; audience: string; after: string; limit: number },
    { profile: string }
  >(
    `SELECT profile FROM audience_members
     WHERE site = @site AND audience = @audience AND member AND profile > @after
     ORDER BY profile LIMIT @limit`,
  )
  const membersFirst = db.prepare<{ site: string; audience: string; limit: number }, { profile: string }>(
    `SELECT profile FROM audience_members
     WHERE site = @site AND audience = @audience AND member
     ORDER BY profile LIMIT @limit`,
  )

  return {
    queueAudiencePeople: async (people, dueAt) => {
      if (people.length > 0) queueAll(people, dueAt)
    },

    claimAudiencePeople: async (now, limit, leaseMs) => {
      // One statement: its write lock is taken before it reads, so two stores never claim one person.
      const rows = db
        .prepare<
          { now: number; limit: number; lease: number },
          { site: string; person: string; due_at: number }
        >(
          `WITH due AS (
             SELECT site, person FROM audience_queue
             WHERE due_at <= @now AND lease_until <= @now
             ORDER BY due_at, site, person LIMIT @limit)
           UPDATE audience_queue SET lease_until = @now + @lease
           WHERE (site, person) IN (SELECT site, person FROM due)
           RETURNING site, person, due_at`,
        )
        .all({ now, limit, lease: leaseMs })
      // RETURNING keeps no order: the earliest due first.
      return rows
        .sort((a, b) => a.due_at - b.due_at || cmp(a.site, b.site) || cmp(a.person, b.person))
        .map((r): ClaimedPerson => ({ site: r.site, person: r.person, lease: now + leaseMs }))
    },

    memberships: async (site, profile) =>
      db
        .prepare<[string, string], MemberRow>(
          `SELECT audience, member, version, announced, changed_at FROM audience_members
           WHERE site = ? AND profile = ? ORDER BY audience`,
        )
        .all(site, profile)
        .map(membershipOf),

    applyAudienceChanges: async (site, profile, changes, done, now) =>
      apply.immediate(site, profile, changes, done, now),

    audienceMembers: async (site, audience, after, limit) =>
      (after === undefined
        ? membersFirst.all({ site, audience, limit })
        : membersAfter.all({ site, audience, after, limit })
      ).map((r) => r.profile),

    audienceCounts: async (site) =>
      Object.fromEntries(
        db
          .prepare<[string], { audience: string; n: number }>(
            `SELECT audience, count(*) AS n FROM audience_members WHERE site = ? AND member
             GROUP BY audience ORDER BY audience`,
          )
          .all(site)
          .map((r) => [r.audience, r.n]),
      ),

    dropMemberships: async (site, profiles) =>
      profiles.length === 0
        ? 0
        : db
            .prepare(
              `DELETE FROM audience_members WHERE site = ? AND profile IN (SELECT value FROM json_each(?))`,
            )
            .run(site, JSON.stringify(profiles)).changes,
  }
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
