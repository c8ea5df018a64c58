// Deliveries on SQLite (destinations/types.ts): the outbox is filled by a trigger on the event
// insert, so an event and its delivery job commit together in the writer's transaction; a
// delivery's primary key is its idempotency key.
import type Database from 'better-sqlite3'
import { noticeEvent } from '../../destinations/notices.ts'
import type {
  ClaimedDelivery,
  DeliveryKey,
  DeliveryRecord,
  DeliveryStore,
  NewDelivery,
  NewNotice,
  OutboxEntry,
} from '../../destinations/types.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'

// IF NOT EXISTS: the migration tests make databases of earlier releases from today's schema.
export const DELIVERIES_MIGRATION = `
  CREATE TABLE IF NOT EXISTS delivery_sites (
    site TEXT PRIMARY KEY, version INTEGER NOT NULL, active INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS delivery_outbox (
    seq INTEGER PRIMARY KEY, site TEXT NOT NULL, lease_until INTEGER NOT NULL DEFAULT 0);
  CREATE TRIGGER IF NOT EXISTS events_delivery_outbox AFTER INSERT ON events
    WHEN EXISTS (SELECT 1 FROM delivery_sites WHERE site = NEW.site AND active)
    BEGIN INSERT INTO delivery_outbox (seq, site) VALUES (NEW.id, NEW.site); END;
  CREATE TABLE IF NOT EXISTS deliveries (
    site TEXT NOT NULL,
    destination TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    first_at INTEGER,
    next_at INTEGER,
    lease_until INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    last_error TEXT,
    notice TEXT,
    PRIMARY KEY (site, destination, message_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (site, destination, next_at) WHERE status = 'pending';
  CREATE INDEX IF NOT EXISTS deliveries_recent ON deliveries (site, created_at);`

interface DeliveryRow {
  site: string
  destination: string
  message_id: string
  status: DeliveryRecord['status']
  attempts: number
  created_at: number
  first_at: number | null
  next_at: number | null
  done_at: number | null
  last_error: string | null
}

type Claimed = DeliveryRow & { seq: number; notice: string | null }

const keyOf = (r: DeliveryRow): DeliveryKey => ({
  site: r.site,
  destination: r.destination,
  messageId: r.message_id,
})

export const recordOf = (r: DeliveryRow): DeliveryRecord => ({
  ...keyOf(r),
  status: r.status,
  attempts: r.attempts,
  createdAt: r.created_at,
  nextAt: r.next_at,
  doneAt: r.done_at,
  lastError: r.last_error,
})

/**
 * Queues notices (a key already there is left as it is), in the caller's transaction: also how a
 * journey's message is queued with its entry's settlement (sqlite/journeys.ts). Returns how many
 * were new.
 */
export const insertNotices = (db: Database.Database, notices: readonly NewNotice[], now: number) => {
  const insert = db.prepare(
    `INSERT INTO deliveries (site, destination, message_id, seq, created_at, next_at, notice)
     VALUES (?, ?, ?, 0, ?, ?, ?) ON CONFLICT DO NOTHING`,
  )
  let added = 0
  for (const n of notices)
    added += insert.run(n.site, n.destination, n.messageId, now, now, JSON.stringify(n.event)).changes
  return added
}

export const sqliteDeliveries = (db: Database.Database): DeliveryStore => {
  const claimOutbox = db.transaction((now: number, limit: number, leaseMs: number, versions: string) => {
    const rows = db
      .prepare<{ now: number; limit: number; lease: number; versions: string }, { seq: number }>(
        `UPDATE delivery_outbox SET lease_until = @now + @lease
         WHERE seq IN (
           SELECT o.seq FROM delivery_outbox o
           JOIN delivery_sites d ON d.site = o.site
           JOIN json_each(@versions) v ON v.key = o.site AND d.version <= v.value
           WHERE o.lease_until <= @now ORDER BY o.seq LIMIT @limit)
         RETURNING seq`,
      )
      .all({ now, limit, lease: leaseMs, versions })
    if (rows.length === 0) return []
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b)
    const found = db
      .prepare<[string], EventRow & { seq: number }>(
        `SELECT o.value AS seq, e.* FROM json_each(?) o JOIN events e ON e.id = o.value ORDER BY o.value`,
      )
      .all(JSON.stringify(seqs))
    const present = new Set(found.map((r) => r.seq))
    const gone = seqs.filter((s) => !present.has(s))
    if (gone.length > 0)
      db.prepare('DELETE FROM delivery_outbox WHERE seq IN (SELECT value FROM json_each(?))').run(
        JSON.stringify(gone),
      )
    return found.map((r): OutboxEntry => ({ seq: r.seq, event: fromEventRow(r) }))
  })

  const enqueue = db.transaction(
    (seqs: readonly number[], deliveries: readonly NewDelivery[], now: number) => {
      const insert = db.prepare(
        `INSERT INTO deliveries (site, destination, message_id, seq, created_at, next_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      let added = 0
      for (const d of deliveries)
        added += insert.run(d.site, d.destination, d.messageId, d.seq, now, now).changes
      db.prepare('DELETE FROM delivery_outbox WHERE seq IN (SELECT value FROM json_each(?))').run(
        JSON.stringify(seqs),
      )
      return added
    },
  )

  const claim = db.transaction(
    (site: string, destination: string, now: number, limit: number, leaseMs: number) => {
      const rows = db
        .prepare<{ site: string; destination: string; now: number; limit: number; lease: number }, Claimed>(
          `WITH due AS (
             SELECT message_id FROM deliveries
             WHERE site = @site AND destination = @destination AND status = 'pending'
               AND next_at <= @now AND lease_until <= @now
             ORDER BY next_at, message_id LIMIT @limit)
           UPDATE deliveries SET lease_until = @now + @lease
           WHERE site = @site AND destination = @destination AND message_id IN (SELECT message_id FROM due)
           RETURNING *`,
        )
        .all({ site, destination, now, limit, lease: leaseMs })
      if (rows.length === 0) return []
      const events = db
        .prepare<[string], EventRow & { seq: number }>(
          'SELECT o.value AS seq, e.* FROM json_each(?) o JOIN events e ON e.id = o.value',
        )
        .all(JSON.stringify(rows.map((r) => r.seq)))
      const bySeq = new Map(events.map((e) => [e.seq, fromEventRow(e)]))
      const eventOf = (r: Claimed) => (r.notice === null ? bySeq.get(r.seq) : noticeEvent(r.site, r.notice))
      const gone = rows.filter((r) => !eventOf(r))
      const drop = db.prepare('DELETE FROM deliveries WHERE site = ? AND destination = ? AND message_id = ?')
      for (const r of gone) drop.run(r.site, r.destination, r.message_id)
      return rows
        .filter((r) => eventOf(r))
        .sort((a, b) => (a.next_at ?? 0) - (b.next_at ?? 0) || a.message_id.localeCompare(b.message_id))
        .map(
          (r): ClaimedDelivery => ({
            ...keyOf(r),
            attempts: r.attempts,
            firstAt: r.first_at,
            createdAt: r.created_at,
            lease: now + leaseMs,
            event: eventOf(r)!,
            notice: r.notice !== null,
          }),
        )
    },
  )

  const settle = db.transaction(
    (keys: readonly (DeliveryKey & { lease: number })[], sql: string, params: unknown[]) => {
      const update = db.prepare(
        `${sql} WHERE site = ? AND destination = ? AND message_id = ? AND lease_until = ?`,
      )
      for (const k of keys) update.run(...params, k.site, k.destination, k.messageId, k.lease)
    },
  )

  return {
    setDeliverySites: async (sites) => {
      db.transaction(() => {
        const set = db.prepare(
          `INSERT INTO delivery_sites (site, version, active) VALUES (?, ?, ?)
           ON CONFLICT (site) DO UPDATE SET version = excluded.version, active = excluded.active
           WHERE excluded.version >= delivery_sites.version`,
        )
        for (const s of sites) set.run(s.site, s.version, s.active ? 1 : 0)
      })()
    },
    claimOutbox: async (now, limit, leaseMs, versions) =>
      claimOutbox(now, limit, leaseMs, JSON.stringify(versions)),
    enqueueDeliveries: async (seqs, deliveries, now) => enqueue(seqs, deliveries, now),
    claimDeliveries: async (site, destination, now, limit, leaseMs) =>
      claim(site, destination, now, limit, leaseMs),
    settleDeliveries: async (keys, s, now) => {
      if (s.kind === 'delivered')
        settle(
          keys,
          `UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, first_at = coalesce(first_at, ?),
             done_at = ?, next_at = NULL, lease_until = 0, last_error = NULL`,
          [now, now],
        )
      else if (s.kind === 'retry')
        settle(
          keys,
          `UPDATE deliveries SET attempts = attempts + 1, first_at = coalesce(first_at, ?), next_at = ?,
             lease_until = 0, last_error = ?`,
          [now, s.at, s.reason],
        )
      else
        settle(
          keys,
          `UPDATE deliveries SET status = 'dead', attempts = attempts + 1, first_at = coalesce(first_at, ?),
             done_at = ?, next_at = NULL, lease_until = 0, last_error = ?`,
          [now, now, s.reason],
        )
    },
    listDeliveries: async (site, { destination, status, limit }) =>
      db
        .prepare<
          { site: string; destination: string | null; status: string | null; limit: number },
          DeliveryRow
        >(
          `SELECT * FROM deliveries WHERE site = @site AND (@destination IS NULL OR destination = @destination)
             AND (@status IS NULL OR status = @status)
           ORDER BY created_at DESC, message_id DESC LIMIT @limit`,
        )
        .all({ site, destination: destination ?? null, status: status ?? null, limit })
        .map(recordOf),
    enqueueNotices: async (notices, now) => db.transaction(() => insertNotices(db, notices, now))(),
    dropPendingDeliveries: async (site, messageIds) =>
      db
        .prepare(
          `DELETE FROM deliveries WHERE site = @site AND status = 'pending' AND notice IS NULL
             AND message_id IN (SELECT value FROM json_each(@ids))`,
        )
        .run({ site, ids: JSON.stringify(messageIds) }).changes,
    dropDestination: async (site, destination) =>
      db
        .prepare(`DELETE FROM deliveries WHERE site = ? AND destination = ? AND status = 'pending'`)
        .run(site, destination).changes,
    deleteDeliveriesBefore: async (site, before) =>
      db.prepare('DELETE FROM deliveries WHERE site = ? AND created_at < ?').run(site, before).changes,
    deliveriesOf: async (site, messageIds) =>
      db
        .prepare<{ site: string; ids: string }, DeliveryRow>(
          `SELECT d.* FROM json_each(@ids) i
           JOIN deliveries d ON d.site = @site AND d.message_id = i.value
           ORDER BY d.created_at, d.destination, d.message_id`,
        )
        .all({ site, ids: JSON.stringify(messageIds) })
        .map(recordOf),
    deliveryCounts: async (site) =>
      db
        .prepare<[string], { destination: string; pending: number; delivered: number; dead: number }>(
          `SELECT destination, sum(status = 'pending') AS pending, sum(status = 'delivered') AS delivered,
             sum(status = 'dead') AS dead
           FROM deliveries WHERE site = ? GROUP BY destination ORDER BY destination`,
        )
        .all(site),
    replayDeliveries: async (site, destination, now, messageIds) =>
      db
        .prepare(
          `UPDATE deliveries SET status = 'pending', attempts = 0, first_at = NULL, next_at = @now,
             done_at = NULL, lease_until = 0
           WHERE site = @site AND destination = @destination AND status = 'dead'
             AND (@ids IS NULL OR message_id IN (SELECT value FROM json_each(@ids)))`,
        )
        .run({ now, site, destination, ids: messageIds ? JSON.stringify(messageIds) : null }).changes,
  }
}
