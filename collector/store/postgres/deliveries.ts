// Deliveries on PostgreSQL (destinations/types.ts): the event insert statement fills the outbox
// (store/postgres/events.ts), so an event and its delivery job commit together; workers of any
// number of collectors claim with FOR UPDATE SKIP LOCKED and a lease, and a delivery's primary key
// is its idempotency key.

import { noticeEvent } from '../../destinations/notices.ts'
import type {
  ClaimedDelivery,
  DeliveryCounts,
  DeliveryKey,
  DeliveryRecord,
  DeliveryStore,
  NewNotice,
  OutboxEntry,
} from '../../destinations/types.ts'
import { type EventRow, fromEventRow } from '../event-row.ts'
import type { Tx } from './resolver.ts'
import type { Migration, Sql } from './schema.ts'

export const DELIVERIES_MIGRATIONS: Migration[] = [
  {
    name: 'deliveries/1',
    sql: `
      CREATE TABLE delivery_sites (site TEXT PRIMARY KEY, version INT NOT NULL, active BOOLEAN NOT NULL);
      CREATE TABLE delivery_outbox (
        seq BIGINT PRIMARY KEY, site TEXT NOT NULL, lease_until BIGINT NOT NULL DEFAULT 0);
      CREATE TABLE deliveries (
        site TEXT NOT NULL,
        destination TEXT NOT NULL,
        message_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        first_at BIGINT,
        next_at BIGINT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        done_at BIGINT,
        last_error TEXT,
        notice TEXT,
        PRIMARY KEY (site, destination, message_id)
      );
      CREATE INDEX deliveries_due ON deliveries (site, destination, next_at) WHERE status = 'pending';
      CREATE INDEX deliveries_recent ON deliveries (site, created_at);`,
  },
]

interface DeliveryRow {
  site: string
  destination: string
  message_id: string
  status: DeliveryRecord['status']
  attempts: number
  created_at: string
  first_at: string | null
  next_at: string | null
  done_at: string | null
  last_error: string | null
}

const num = (v: string | null) => (v === null ? null : Number(v))

const keyOf = (r: DeliveryRow): DeliveryKey => ({
  site: r.site,
  destination: r.destination,
  messageId: r.message_id,
})

const recordOf = (r: DeliveryRow): DeliveryRecord => ({
  ...keyOf(r),
  status: r.status,
  attempts: r.attempts,
  createdAt: Number(r.created_at),
  nextAt: num(r.next_at),
  doneAt: num(r.done_at),
  lastError: r.last_error,
})

type EventAt = Omit<EventRow, 'timestamp' | 'received_at'> & { timestamp: string; received_at: string }
const eventOf = (e: EventAt) =>
  fromEventRow({ ...e, timestamp: Number(e.timestamp), received_at: Number(e.received_at) })

/**
 * Queues notices (a key already there is left as it is), on the pool or in the caller's
 * transaction: also how a journey's message is queued with its entry's settlement
 * (postgres/journeys.ts). Resolves to how many were new.
 */
export const insertNotices = async (sql: Sql | Tx, notices: readonly NewNotice[], now: number) =>
  (
    await sql`
      INSERT INTO deliveries (site, destination, message_id, seq, created_at, next_at, notice)
      SELECT n.site, n.destination, n."messageId", 0, ${now}, ${now}, n.event::text
      FROM json_to_recordset(${JSON.stringify(notices)}::text::json)
        AS n(site text, destination text, "messageId" text, event json)
      ORDER BY 1, 2, 3
      ON CONFLICT DO NOTHING`
  ).count

export const postgresDeliveries = (sql: Sql): DeliveryStore => ({
  setDeliverySites: async (sites) => {
    if (sites.length === 0) return
    await sql`
      INSERT INTO delivery_sites (site, version, active)
      SELECT s.site, s.version, s.active
      FROM json_to_recordset(${JSON.stringify(sites)}::text::json) AS s(site text, version int, active boolean)
      ORDER BY s.site
      ON CONFLICT (site) DO UPDATE SET version = excluded.version, active = excluded.active
      WHERE excluded.version >= delivery_sites.version`
  },

  claimOutbox: async (now, limit, leaseMs, versions) =>
    sql.begin(async (tx) => {
      const claimed = await tx<{ seq: string }[]>`
        WITH due AS MATERIALIZED (
          SELECT o.seq FROM delivery_outbox o
          JOIN delivery_sites d ON d.site = o.site
          JOIN json_each_text(${JSON.stringify(versions)}::text::json) v
            ON v.key = o.site AND d.version <= v.value::int
          WHERE o.lease_until <= ${now}
          ORDER BY o.seq LIMIT ${limit} FOR UPDATE OF o SKIP LOCKED)
        UPDATE delivery_outbox SET lease_until = ${now + leaseMs}
        WHERE seq IN (SELECT seq FROM due)
        RETURNING seq`
      if (claimed.length === 0) return []
      const seqs = claimed.map((r) => r.seq)
      const found = await tx<(EventAt & { seq: string })[]>`
        SELECT seq, site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
        FROM events WHERE seq = ANY(${seqs}::bigint[]) ORDER BY seq`
      const present = new Set(found.map((r) => r.seq))
      const gone = seqs.filter((s) => !present.has(s))
      if (gone.length > 0) await tx`DELETE FROM delivery_outbox WHERE seq = ANY(${gone}::bigint[])`
      return found.map((r): OutboxEntry => ({ seq: Number(r.seq), event: eventOf(r) }))
    }),

  enqueueDeliveries: async (seqs, deliveries, now) =>
    sql.begin(async (tx) => {
      const added = await tx`
        INSERT INTO deliveries (site, destination, message_id, seq, created_at, next_at)
        SELECT d.site, d.destination, d."messageId", d.seq, ${now}, ${now}
        FROM json_to_recordset(${JSON.stringify(deliveries)}::text::json)
          AS d(site text, destination text, "messageId" text, seq bigint)
        ORDER BY 1, 2, 3
        ON CONFLICT DO NOTHING`
      await tx`DELETE FROM delivery_outbox WHERE seq = ANY(${seqs as number[]}::bigint[])`
      return added.count
    }),

  claimDeliveries: async (site, destination, now, limit, leaseMs) =>
    sql.begin(async (tx) => {
      // Materialized: a LIMIT under FOR UPDATE in a join may be run again and take more rows.
      const rows = await tx<(DeliveryRow & { seq: string; notice: string | null })[]>`
        WITH due AS MATERIALIZED (
          SELECT message_id FROM deliveries
          WHERE site = ${site} AND destination = ${destination} AND status = 'pending'
            AND next_at <= ${now} AND lease_until <= ${now}
          ORDER BY next_at, message_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        UPDATE deliveries d SET lease_until = ${now + leaseMs}
        WHERE d.site = ${site} AND d.destination = ${destination}
          AND d.message_id IN (SELECT message_id FROM due)
        RETURNING d.*`
      if (rows.length === 0) return []
      const events = await tx<(EventAt & { seq: string })[]>`
        SELECT seq, site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload
        FROM events WHERE seq = ANY(${rows.map((r) => r.seq)}::bigint[])`
      const bySeq = new Map(events.map((e) => [e.seq, eventOf(e)]))
      const toSend = (r: (typeof rows)[number]) =>
        r.notice === null ? bySeq.get(r.seq) : noticeEvent(r.site, r.notice)
      const gone = rows.filter((r) => !toSend(r)).map((r) => r.message_id)
      if (gone.length > 0)
        await tx`
          DELETE FROM deliveries
          WHERE site = ${site} AND destination = ${destination} AND message_id = ANY(${gone}::text[])`
      return rows
        .filter((r) => toSend(r))
        .sort((a, b) => Number(a.next_at) - Number(b.next_at) || a.message_id.localeCompare(b.message_id))
        .map(
          (r): ClaimedDelivery => ({
            ...keyOf(r),
            attempts: r.attempts,
            firstAt: num(r.first_at),
            createdAt: Number(r.created_at),
            lease: now + leaseMs,
            event: toSend(r)!,
            notice: r.notice !== null,
          }),
        )
    }),

  settleDeliveries: async (keys, s, now) => {
    if (keys.length === 0) return
    // Only the key and the lease: a claimed delivery also carries its event.
    const claims = keys.map(({ site, destination, messageId, lease }) => ({
      site,
      destination,
      messageId,
      lease,
    }))
    const list = sql`
      (SELECT * FROM json_to_recordset(${JSON.stringify(claims)}::text::json)
        AS k(site text, destination text, "messageId" text, lease bigint))`
    const match = sql`d.site = k.site AND d.destination = k.destination AND d.message_id = k."messageId"
      AND d.lease_until = k.lease`
    if (s.kind === 'delivered')
      await sql`
        UPDATE deliveries d SET status = 'delivered', attempts = attempts + 1,
          first_at = coalesce(first_at, ${now}), done_at = ${now}, next_at = NULL, lease_until = 0,
          last_error = NULL
        FROM ${list} k WHERE ${match}`
    else if (s.kind === 'retry')
      await sql`
        UPDATE deliveries d SET attempts = attempts + 1, first_at = coalesce(first_at, ${now}),
          next_at = ${s.at}, lease_until = 0, last_error = ${s.reason}
        FROM ${list} k WHERE ${match}`
    else
      await sql`
        UPDATE deliveries d SET status = 'dead', attempts = attempts + 1,
          first_at = coalesce(first_at, ${now}), done_at = ${now}, next_at = NULL, lease_until = 0,
          last_error = ${s.reason}
        FROM ${list} k WHERE ${match}`
  },

  listDeliveries: async (site, { destination, status, limit }) =>
    (
      await sql<DeliveryRow[]>`
        SELECT * FROM deliveries
        WHERE site = ${site}
          AND (${destination ?? null}::text IS NULL OR destination = ${destination ?? null})
          AND (${status ?? null}::text IS NULL OR status = ${status ?? null})
        ORDER BY created_at DESC, message_id DESC LIMIT ${limit}`
    ).map(recordOf),

  enqueueNotices: (notices, now) => insertNotices(sql, notices, now),

  dropPendingDeliveries: async (site, messageIds) =>
    (
      await sql`
        DELETE FROM deliveries
        WHERE site = ${site} AND status = 'pending' AND notice IS NULL
          AND message_id = ANY(${[...messageIds]}::text[])`
    ).count,

  dropDestination: async (site, destination) =>
    (
      await sql`
        DELETE FROM deliveries WHERE site = ${site} AND destination = ${destination} AND status = 'pending'`
    ).count,

  deleteDeliveriesBefore: async (site, before) =>
    (await sql`DELETE FROM deliveries WHERE site = ${site} AND created_at < ${before}`).count,

  deliveriesOf: async (site, messageIds) =>
    (
      await sql<DeliveryRow[]>`
        SELECT * FROM deliveries
        WHERE site = ${site} AND message_id = ANY(${[...messageIds]}::text[])
        ORDER BY created_at, destination, message_id`
    ).map(recordOf),

  deliveryCounts: async (site) =>
    sql<DeliveryCounts[]>`
      SELECT destination, count(*) FILTER (WHERE status = 'pending')::int AS pending,
        count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
        count(*) FILTER (WHERE status = 'dead')::int AS dead
      FROM deliveries WHERE site = ${site} GROUP BY destination ORDER BY destination`.then((rows) => [
      ...rows,
    ]),

  replayDeliveries: async (site, destination, now, messageIds) =>
    (
      await sql`
        UPDATE deliveries SET status = 'pending', attempts = 0, first_at = NULL, next_at = ${now},
          done_at = NULL, lease_until = 0
        WHERE site = ${site} AND destination = ${destination} AND status = 'dead'
          AND (${messageIds ? [...messageIds] : null}::text[] IS NULL OR message_id = ANY(${messageIds ? [...messageIds] : null}::text[]))`
    ).count,
})
