// Users, sessions, API tokens, the setup link and the access log on SQLite (store.ts MIGRATIONS);
// the rules are access/'. Checks that must hold across processes (the first user, a setup link used
// once) run under the write lock: an IMMEDIATE transaction or a single UPDATE.
import type Database from 'better-sqlite3'
import type { AccessEntry, AccessStore, ApiToken, NewUser, Role, Session, User } from '../../access/types.ts'

export const ACCESS_MIGRATION = `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     disabled_at INTEGER
   ) WITHOUT ROWID;
   CREATE TABLE sessions (
     hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX sessions_user ON sessions (user_id);
   CREATE INDEX sessions_expiry ON sessions (expires_at);
   CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     name TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER,
     revoked_at INTEGER
   ) WITHOUT ROWID;
   CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
   CREATE TABLE setup_tokens (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     hash TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER
   );
   CREATE TABLE access_log (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     site TEXT NOT NULL,
     subject TEXT
   );
   CREATE INDEX access_log_site ON access_log (site, at);
   CREATE INDEX access_log_at ON access_log (at);`

const USER = 'id, email, name, role, created_at AS createdAt, disabled_at AS disabledAt'
const TOKEN =
  'id, user_id AS userId, name, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt'
const ENTRY = 'at, actor, action, site, subject'

/** A live session with its (enabled) user's columns. */
interface SessionRow extends Session {
  email: string
  name: string
  role: Role
  userCreatedAt: number
}

interface UserChangeRow {
  id: string
  name: string | null
  role: string | null
  passwordHash: string | null
  setDisabled: number
  disabledAt: number | null
}

export const sqliteAccess = (db: Database.Database): AccessStore => {
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users')
  const insertUser = db.prepare<NewUser>(
    `INSERT INTO users (id, email, name, role, password_hash, created_at)
     VALUES (@id, @email, @name, @role, @passwordHash, @createdAt) ON CONFLICT (email) DO NOTHING`,
  )
  // IMMEDIATE: the write lock is taken before the users are counted, so another process cannot
  // add the first user between the check and the insert.
  const create = db.transaction((user: NewUser, onlyIfNone: boolean) => {
    if (onlyIfNone && count.get()!.n > 0) return false
    return insertUser.run(user).changes === 1
  })
  const byId = db.prepare<[string], User>(`SELECT ${USER} FROM users WHERE id = ?`)
  const byEmail = db.prepare<[string], User & { passwordHash: string }>(
    `SELECT ${USER}, password_hash AS passwordHash FROM users WHERE email = ?`,
  )
  const list = db.prepare<[], User>(`SELECT ${USER} FROM users ORDER BY created_at, id`)
  const update = db.prepare<UserChangeRow, User>(
    `UPDATE users SET name = coalesce(@name, name), role = coalesce(@role, role),
       password_hash = coalesce(@passwordHash, password_hash),
       disabled_at = CASE WHEN @setDisabled THEN @disabledAt ELSE disabled_at END
     WHERE id = @id RETURNING ${USER}`,
  )

  const insertSession = db.prepare<Session>(
    `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at)
     VALUES (@hash, @userId, @csrf, @createdAt, @expiresAt)`,
  )
  const session = db.prepare<[string, number], SessionRow>(
    `SELECT s.hash, s.user_id AS userId, s.csrf, s.created_at AS createdAt, s.expires_at AS expiresAt,
       u.email, u.name, u.role, u.created_at AS userCreatedAt
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`,
  )
  const deleteSession = db.prepare<[string]>('DELETE FROM sessions WHERE hash = ?')
  const deleteSessionsOf = db.prepare<[string]>('DELETE FROM sessions WHERE user_id = ?')
  const deleteExpired = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?')

  const insertToken = db.prepare<ApiToken & { hash: string }>(
    `INSERT INTO api_tokens (id, user_id, name, hash, created_at, last_used_at, revoked_at)
     VALUES (@id, @userId, @name, @hash, @createdAt, @lastUsedAt, @revokedAt)`,
  )
  const touchToken = db.prepare<[number, string], ApiToken>(
    `UPDATE api_tokens SET last_used_at = ?
     WHERE hash = ? AND revoked_at IS NULL
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = api_tokens.user_id AND u.disabled_at IS NULL)
     RETURNING ${TOKEN}`,
  )
  const useToken = db.transaction((hash: string, now: number) => {
    const token = touchToken.get(now, hash)
    return token && { token, user: byId.get(token.userId)! }
  })
  const listTokens = db.prepare<[string], ApiToken>(
    `SELECT ${TOKEN} FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`,
  )
  // A token revoked earlier keeps the time it was revoked at.
  const revokeToken = db.prepare<[number, string, string]>(
    'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?',
  )

  // One row: a new link replaces the one before, used or not.
  const putSetup = db.prepare<[string, number]>(
    `INSERT INTO setup_tokens (id, hash, expires_at, used_at) VALUES (1, ?, ?, NULL)
     ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at, used_at = NULL`,
  )
  // One statement under the write lock: of two collectors, the second finds it used.
  const useSetup = db.prepare<[number, string, number]>(
    `UPDATE setup_tokens SET used_at = ? WHERE id = 1 AND hash = ? AND used_at IS NULL AND expires_at > ?`,
  )

  const insertEntry = db.prepare<AccessEntry>(
    `INSERT INTO access_log (at, actor, action, site, subject) VALUES (@at, @actor, @action, @site, @subject)`,
  )
  const entriesOf = db.prepare<[string, number], AccessEntry>(
    `SELECT ${ENTRY} FROM access_log WHERE site = ? ORDER BY at DESC, id DESC LIMIT ?`,
  )
  const entries = db.prepare<[number], AccessEntry>(
    `SELECT ${ENTRY} FROM access_log ORDER BY at DESC, id DESC LIMIT ?`,
  )

  return {
    countUsers: async () => count.get()!.n,
    createUser: async (user, options) =>
      create.immediate({ ...user, email: user.email.toLowerCase() }, options?.onlyIfNone ?? false),
    userById: async (id) => byId.get(id),
    userByEmail: async (email) => byEmail.get(email.toLowerCase()),
    listUsers: async () => list.all(),
    updateUser: async (id, change) =>
      update.get({
        id,
        name: change.name ?? null,
        role: change.role ?? null,
        passwordHash: change.passwordHash ?? null,
        setDisabled: change.disabledAt === undefined ? 0 : 1,
        disabledAt: change.disabledAt ?? null,
      }),

    createSession: async (s) => {
      insertSession.run(s)
    },
    sessionByHash: async (hash, now) => {
      const row = session.get(hash, now)
      if (!row) return undefined
      const { email, name, role, userCreatedAt, ...found } = row
      return {
        session: found,
        user: { id: found.userId, email, name, role, createdAt: userCreatedAt, disabledAt: null },
      }
    },
    deleteSession: async (hash) => {
      deleteSession.run(hash)
    },
    deleteSessionsOf: async (userId) => {
      deleteSessionsOf.run(userId)
    },
    deleteExpiredSessions: async (now) => deleteExpired.run(now).changes,

    createApiToken: async (token, hash) => {
      insertToken.run({ ...token, hash })
    },
    useApiToken: async (hash, now) => useToken.immediate(hash, now),
    listApiTokens: async (userId) => listTokens.all(userId),
    revokeApiToken: async (userId, id, now) => revokeToken.run(now, id, userId).changes === 1,

    createSetupToken: async (hash, expiresAt) => {
      putSetup.run(hash, expiresAt)
    },
    useSetupToken: async (hash, now) => useSetup.run(now, hash, now).changes === 1,

    logAccess: async (entry) => {
      insertEntry.run(entry)
    },
    accessLog: async ({ site, limit }) =>
      site === undefined ? entries.all(limit) : entriesOf.all(site, limit),
  }
}
