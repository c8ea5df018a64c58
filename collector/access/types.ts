// People who use the admin side, their sessions and API tokens, the one-time setup link, and the
// log of admin reads of personal data. Secrets (session ids, API tokens, setup tokens) are stored
// only as SHA-256 hashes; passwords only as scrypt hashes (passwords.ts). The rules (who may do
// what) are roles.ts'; this is what every store adapter keeps (contract: test/contracts/access.contract.ts).

export const ROLES = ['owner', 'editor', 'analyst', 'privacy'] as const
export type Role = (typeof ROLES)[number]

export interface User {
  id: string
  /** Lowercased; unique. */
  email: string
  name: string
  role: Role
  createdAt: number
  /** Epoch ms when disabled: a disabled user cannot sign in, and their sessions and tokens stop working. */
  disabledAt: number | null
}

export interface NewUser {
  id: string
  email: string
  name: string
  role: Role
  passwordHash: string
  createdAt: number
}

export interface UserChange {
  name?: string
  role?: Role
  passwordHash?: string
  /** null enables again. */
  disabledAt?: number | null
}

export interface Session {
  /** SHA-256 (hex) of the cookie's value. */
  hash: string
  userId: string
  /** Sent back in X-CSRF-Token on every write made with the session. */
  csrf: string
  createdAt: number
  expiresAt: number
}

export interface ApiToken {
  id: string
  userId: string
  name: string
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

export interface AccessEntry {
  at: number
  /** Who: a user's email, or "admin token". */
  actor: string
  /** e.g. `profile.view`, `profile.export`, `profile.erase`, `events.list`, `consent.read`. */
  action: string
  site: string
  /** What was read: a profile id or consent id; null for lists. */
  subject: string | null
}

/** A user with the hash to check a password against (sign-in only). */
export interface UserWithPassword extends User {
  passwordHash: string
}

export interface AccessStore {
  countUsers(): Promise<number>
  /**
   * Adds a user; resolves false (nothing added) when the email is taken. `onlyIfNone`: only when
   * no user exists yet (the first owner, from the setup link), checked in the same transaction so
   * two setups at once cannot both create one.
   */
  createUser(user: NewUser, options?: { onlyIfNone?: boolean }): Promise<boolean>
  userById(id: string): Promise<User | undefined>
  userByEmail(email: string): Promise<UserWithPassword | undefined>
  listUsers(): Promise<User[]>
  /** Resolves to the user after the change, undefined when there is none with that id. */
  updateUser(id: string, change: UserChange): Promise<User | undefined>

  createSession(session: Session): Promise<void>
  /** The session and its user, when it exists, has not expired at `now`, and the user is enabled. */
  sessionByHash(hash: string, now: number): Promise<{ session: Session; user: User } | undefined>
  deleteSession(hash: string): Promise<void>
  /** Ends every session of the user (password change, disabling). */
  deleteSessionsOf(userId: string): Promise<void>
  /** Deletes sessions expired at `now` (the daily retention job); resolves to how many. */
  deleteExpiredSessions(now: number): Promise<number>

  /** `hash`: SHA-256 (hex) of the token, which is shown once and never stored. */
  createApiToken(token: ApiToken, hash: string): Promise<void>
  /** The token and its user when not revoked and the user is enabled; records `now` as its last use. */
  useApiToken(hash: string, now: number): Promise<{ token: ApiToken; user: User } | undefined>
  listApiTokens(userId: string): Promise<ApiToken[]>
  /** Resolves false when the user has no such token. */
  revokeApiToken(userId: string, id: string, now: number): Promise<boolean>

  /** Replaces any earlier setup token: only the newest link works. */
  createSetupToken(hash: string, expiresAt: number): Promise<void>
  /**
   * Marks the setup token used and resolves true, once, when it exists, is unused and has not
   * expired at `now`: of two calls at once (two collectors) only one gets true.
   */
  useSetupToken(hash: string, now: number): Promise<boolean>

  logAccess(entry: AccessEntry): Promise<void>
  /** Newest first; of one site, or of every site when `site` is undefined. */
  accessLog(options: { site?: string; limit: number }): Promise<AccessEntry[]>
}
