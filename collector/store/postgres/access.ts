// Users, sessions, API tokens, the setup link and the access log on PostgreSQL (migration
// access/1); the rules are access/'. Users are added under a transaction-scoped advisory lock, so
// the first user is made once whatever the collectors; the setup link is used in one UPDATE, which
// a second collector waits on and then finds used.
import type { AccessEntry, AccessStore, ApiToken, Role, Session, User } from '../../access/types.ts'
import type { Migration, Sql } from './schema.ts'

export const ACCESS_MIGRATIONS: Migration[] = [
  {
    name: 'access/1',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        disabled_at BIGINT
      );
      CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE INDEX sessions_expiry ON sessions (expires_at);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
      CREATE TABLE setup_tokens (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        hash TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE TABLE access_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        site TEXT NOT NULL,
        subject TEXT
      );
      CREATE INDEX access_log_site ON access_log (site, at, id);
      CREATE INDEX access_log_at ON access_log (at, id);`,
  },
]

/** A live session with its (enabled) user's columns. */
interface SessionRow extends Session {
  email: string
  name: string
  role: Role
  userCreatedAt: number
}

export const postgresAccess = (sql: Sql): AccessStore => {
  // BIGINT columns come back as numbers (schema.ts connect).
  const USER = sql`id, email, name, role, created_at AS "createdAt", disabled_at AS "disabledAt"`
  const TOKEN = sql`id, user_id AS "userId", name, created_at AS "createdAt", last_used_at AS "lastUsedAt",
    revoked_at AS "revokedAt"`
  const ENTRY = sql`at, actor, action, site, subject`
  return {
    countUsers: async () => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`)[0]!.n,
    // Every insert takes the users' lock: two setups at once cannot both find no user.
    createUser: (user, options) =>
      sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.users'))`
        if (options?.onlyIfNone) {
          const [any] = await tx`SELECT 1 FROM users LIMIT 1`
          if (any) return false
        }
        const inserted = await tx`
        INSERT INTO users (id, email, name, role, password_hash, created_at)
        VALUES (${user.id}, ${user.email.toLowerCase()}, ${user.name}, ${user.role}, ${user.passwordHash},
          ${user.createdAt})
        ON CONFLICT (email) DO NOTHING`
        return inserted.count === 1
      }) as Promise<boolean>,
    userById: async (id) => (await sql<User[]>`SELECT ${USER} FROM users WHERE id = ${id}`)[0],
    userByEmail: async (email) =>
      (
        await sql<(User & { passwordHash: string })[]>`
        SELECT ${USER}, password_hash AS "passwordHash" FROM users
        WHERE email = ${email.toLowerCase()}`
      )[0],
    listUsers: async () => [...(await sql<User[]>`SELECT ${USER} FROM users ORDER BY created_at, id`)],
    updateUser: async (id, change) =>
      (
        await sql<User[]>`
        UPDATE users SET name = coalesce(${change.name ?? null}::text, name),
          role = coalesce(${change.role ?? null}::text, role),
          password_hash = coalesce(${change.passwordHash ?? null}::text, password_hash),
          disabled_at = CASE WHEN ${change.disabledAt !== undefined}::boolean
            THEN ${change.disabledAt ?? null}::bigint ELSE disabled_at END
        WHERE id = ${id} RETURNING ${USER}`
      )[0],

    createSession: async (s) => {
      await sql`
      INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at)
      VALUES (${s.hash}, ${s.userId}, ${s.csrf}, ${s.createdAt}, ${s.expiresAt})`
    },
    sessionByHash: async (hash, now) => {
      const [row] = await sql<SessionRow[]>`
      SELECT s.hash, s.user_id AS "userId", s.csrf, s.created_at AS "createdAt", s.expires_at AS "expiresAt",
        u.email, u.name, u.role, u.created_at AS "userCreatedAt"
      FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.hash = ${hash} AND s.expires_at > ${now} AND u.disabled_at IS NULL`
      if (!row) return undefined
      const { email, name, role, userCreatedAt, ...session } = row
      return {
        session,
        user: { id: session.userId, email, name, role, createdAt: userCreatedAt, disabledAt: null },
      }
    },
    deleteSession: async (hash) => {
      await sql`DELETE FROM sessions WHERE hash = ${hash}`
    },
    deleteSessionsOf: async (userId) => {
      await sql`DELETE FROM sessions WHERE user_id = ${userId}`
    },
    deleteExpiredSessions: async (now) => (await sql`DELETE FROM sessions WHERE expires_at <= ${now}`).count,

    createApiToken: async (t, hash) => {
      await sql`
      INSERT INTO api_tokens (id, user_id, name, hash, created_at, last_used_at, revoked_at)
      VALUES (${t.id}, ${t.userId}, ${t.name}, ${hash}, ${t.createdAt}, ${t.lastUsedAt}, ${t.revokedAt})`
    },
    // One statement: the token is used only while it is live and its user enabled.
    useApiToken: async (hash, now) => {
      const [row] = await sql<
        (ApiToken & { email: string; userName: string; role: Role; userCreatedAt: number })[]
      >`
      UPDATE api_tokens t SET last_used_at = ${now}
      FROM users u
      WHERE t.hash = ${hash} AND t.revoked_at IS NULL AND u.id = t.user_id AND u.disabled_at IS NULL
      RETURNING t.id, t.user_id AS "userId", t.name, t.created_at AS "createdAt",
        t.last_used_at AS "lastUsedAt", t.revoked_at AS "revokedAt",
        u.email, u.name AS "userName", u.role, u.created_at AS "userCreatedAt"`
      if (!row) return undefined
      const { email, userName, role, userCreatedAt, ...token } = row
      return {
        token,
        user: { id: token.userId, email, name: userName, role, createdAt: userCreatedAt, disabledAt: null },
      }
    },
    listApiTokens: async (userId) => [
      ...(await sql<ApiToken[]>`
      SELECT ${TOKEN} FROM api_tokens WHERE user_id = ${userId} ORDER BY created_at, id`),
    ],
    // A token revoked earlier keeps the time it was revoked at.
    revokeApiToken: async (userId, id, now) =>
      (
        await sql`
        UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ${now})
        WHERE id = ${id} AND user_id = ${userId}`
      ).count === 1,

    // One row: a new link replaces the one before, used or not.
    createSetupToken: async (hash, expiresAt) => {
      await sql`
      INSERT INTO setup_tokens (id, hash, expires_at, used_at) VALUES (1, ${hash}, ${expiresAt}, NULL)
      ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, used_at = NULL`
    },
    // A second collector's UPDATE waits on the first's row lock, then re-checks used_at and finds it set.
    useSetupToken: async (hash, now) =>
      (
        await sql`
        UPDATE setup_tokens SET used_at = ${now}
        WHERE id = 1 AND hash = ${hash} AND used_at IS NULL AND expires_at > ${now}`
      ).count === 1,

    logAccess: async (e) => {
      await sql`
      INSERT INTO access_log (at, actor, action, site, subject)
      VALUES (${e.at}, ${e.actor}, ${e.action}, ${e.site}, ${e.subject})`
    },
    accessLog: async ({ site, limit }) => [
      ...(site === undefined
        ? await sql<AccessEntry[]>`
          SELECT ${ENTRY} FROM access_log ORDER BY at DESC, id DESC LIMIT ${limit}`
        : await sql<AccessEntry[]>`
          SELECT ${ENTRY} FROM access_log WHERE site = ${site}
          ORDER BY at DESC, id DESC LIMIT ${limit}`),
    ],
  }
}
