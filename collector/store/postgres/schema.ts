// PostgreSQL: the connection and the versioned migrations every collector runs at start-up.
import postgres from 'postgres'

/**
 * A connection pool. Epoch milliseconds live in BIGINT columns and come back as numbers (exact up
 * to 2^53, which ms timestamps never reach); count(*) comes back as a number too.
 */
export const connect = (url: string, options: { schema?: string; max?: number } = {}) =>
  postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: options.schema ? { search_path: options.schema } : {},
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (raw: string) => Number(raw),
      },
    },
  })

export type Sql = ReturnType<typeof connect>

/** Why no PostgreSQL answers at `url`, or undefined when one does (tests, drills, the bench). */
export const probePostgres = async (url: string): Promise<string | undefined> => {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return undefined
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

export interface Migration {
  /** `<area>/<n>`: recorded once run; areas keep their own order, new changes are new entries. */
  name: string
  sql: string
}

/**
 * Events are partitioned by month of their (corrected) time: retention drops whole months.
 * Partitions are made on demand by precis_event_partition() (partitions: store/postgres/events.ts).
 * Uniqueness of (site, message_id) cannot live on a partitioned table whose partition key is not
 * in it, so event_ids holds it for every partition, and an insert stores only the ids it claimed.
 */
const EVENTS = `
  CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    site TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    anonymous_id TEXT,
    timestamp BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload TEXT NOT NULL
  ) PARTITION BY RANGE (timestamp);
  CREATE INDEX events_site_received ON events (site, received_at, seq);
  CREATE INDEX events_site_anonymous ON events (site, anonymous_id);
  CREATE INDEX events_site_user ON events (site, user_id);
  CREATE INDEX events_seq ON events (seq);
  CREATE TABLE event_ids (
    site TEXT NOT NULL,
    message_id TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (site, message_id)
  );
  CREATE INDEX event_ids_site_time ON event_ids (site, timestamp);
  CREATE TABLE event_partitions (
    name TEXT PRIMARY KEY,
    from_ts BIGINT NOT NULL,
    to_ts BIGINT NOT NULL
  );
  CREATE FUNCTION precis_event_partition(ts BIGINT) RETURNS TEXT LANGUAGE plpgsql AS $$
  DECLARE
    month TIMESTAMPTZ := date_trunc('month', to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    from_ts BIGINT := (extract(epoch FROM month) * 1000)::BIGINT;
    to_ts BIGINT := (extract(epoch FROM month + interval '1 month') * 1000)::BIGINT;
    part TEXT := 'events_' || to_char(month AT TIME ZONE 'UTC', 'YYYY"m"MM');
  BEGIN
    -- Several collectors may meet a new month at once: one makes it, the others find it made.
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.event_partitions'));
    IF NOT EXISTS (SELECT 1 FROM event_partitions p WHERE p.name = part) THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
        current_schema(), part, from_ts, to_ts);
      INSERT INTO event_partitions (name, from_ts, to_ts) VALUES (part, from_ts, to_ts);
    END IF;
    RETURN part;
  END $$;
  -- Stored events identity resolution has not yet folded in: a queue, not a watermark, because
  -- with several writers a smaller seq can commit after a larger one has been read.
  CREATE TABLE identity_queue (seq BIGINT PRIMARY KEY);
  CREATE TABLE consent_records (
    site TEXT NOT NULL,
    seq INTEGER NOT NULL,
    consent_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    purposes TEXT NOT NULL,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    gpc BOOLEAN NOT NULL,
    text_hash TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    client_time TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (site, seq)
  );
  CREATE INDEX consent_records_id ON consent_records (site, consent_id, seq);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- JSON text as jsonb, or NULL when it is not JSON (a hand-edited cell must not fail a whole read).
  CREATE FUNCTION precis_jsonb(t TEXT) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
  BEGIN RETURN t::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END $$;
  INSERT INTO meta (key, value) VALUES ('secret', encode(sha256(gen_random_uuid()::text::bytea || clock_timestamp()::text::bytea), 'hex'));`

/** Identity: the same tables as SQLite's (store/sqlite/store.ts migration 3), PostgreSQL types. */
const IDENTITY = `
  CREATE TABLE profiles (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    created_seq BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (site, id)
  );
  CREATE TABLE identifiers (
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (site, kind, value)
  );
  CREATE INDEX identifiers_profile ON identifiers (site, profile_id);
  CREATE TABLE profile_redirects (
    site TEXT NOT NULL,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    PRIMARY KEY (site, from_id)
  );
  CREATE INDEX profile_redirects_to ON profile_redirects (site, to_id);
  CREATE TABLE identity_audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site TEXT NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    other_id TEXT,
    identifiers TEXT NOT NULL,
    message_id TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX identity_audit_profile ON identity_audit (site, profile_id);
  CREATE INDEX identity_audit_other ON identity_audit (site, other_id);
  CREATE TABLE suppressions (site TEXT NOT NULL, hash TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (site, hash));
  CREATE TABLE identity_tokens (site TEXT NOT NULL, hash TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (site, hash));`

export const BASE_MIGRATIONS: Migration[] = [
  { name: 'events/1', sql: EVENTS },
  { name: 'identity/1', sql: IDENTITY },
]

/**
 * Runs the migrations not yet recorded, in one transaction (PostgreSQL's DDL is transactional: all
 * or nothing) under an advisory lock: of several collectors starting at once, one migrates and the
 * others wait, then find nothing to do.
 */
export const migrate = async (sql: Sql, migrations: readonly Migration[]) => {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.precis_migrations'))`
    await tx`CREATE TABLE IF NOT EXISTS precis_migrations (
      name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`
    const done = new Set(
      (await tx<{ name: string }[]>`SELECT name FROM precis_migrations`).map((r) => r.name),
    )
    for (const migration of migrations) {
      if (done.has(migration.name)) continue
      await tx.unsafe(migration.sql)
      await tx`INSERT INTO precis_migrations (name) VALUES (${migration.name})`
    }
  })
}
