// The access store contract (access/types.ts): every Store adapter runs it
// (store/sqlite/access.test.ts, store/postgres/access.test.ts), with a second store on the same
// database standing in for another collector process. Clocks are numbers passed in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AccessEntry, ApiToken, NewUser, Session, User } from '../../collector/access/types.ts'
import type { Store } from '../../collector/store/types.ts'

export interface AccessFixture {
  store: Store
  /** Another store on the same database, as another collector would open it. */
  another(): Promise<Store>
  close(): Promise<void>
}

const T = Date.parse('2026-12-05T10:00:00.000Z')
const HOUR = 3_600_000

const ADA: NewUser = {
  id: 'u-ada',
  email: 'Ada@Example.com',
  name: 'Ada',
  role: 'owner',
  passwordHash: 'scrypt$ada',
  createdAt: T,
}
const BO: NewUser = {
  id: 'u-bo',
  email: 'bo@example.com',
  name: 'Bo',
  role: 'analyst',
  passwordHash: 'scrypt$bo',
  createdAt: T + 1000,
}
/** What the store gives back for ADA and BO: no password hash, the email lowercased. */
const ada: User = {
  id: 'u-ada',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'owner',
  createdAt: T,
  disabledAt: null,
}
const bo: User = {
  id: 'u-bo',
  email: 'bo@example.com',
  name: 'Bo',
  role: 'analyst',
  createdAt: T + 1000,
  disabledAt: null,
}

const session = (hash: string, userId: string, expiresAt = T + HOUR): Session => ({
  hash,
  userId,
  csrf: `csrf-${hash}`,
  createdAt: T,
  expiresAt,
})
const token = (id: string, userId: string, createdAt = T): ApiToken => ({
  id,
  userId,
  name: `token ${id}`,
  createdAt,
  lastUsedAt: null,
  revokedAt: null,
})
const entry = (
  at: number,
  site: string,
  action = 'profile.view',
  subject: string | null = 'p1',
): AccessEntry => ({
  at,
  actor: 'ada@example.com',
  action,
  site,
  subject,
})

export const describeAccessContract = (name: string, open: () => Promise<AccessFixture>) =>
  describe(`access store contract: ${name}`, () => {
    let f: AccessFixture
    beforeEach(async () => {
      f = await open()
    })
    afterEach(async () => {
      await f.close()
    })

    describe('users', () => {
      it('adds users, lowercases emails, and refuses a taken email whatever its case', async () => {
        expect(await f.store.countUsers()).toBe(0)
        expect(await f.store.createUser(ADA)).toBe(true)
        expect(await f.store.createUser(BO)).toBe(true)
        expect(
          await f.store.createUser({ ...BO, id: 'u-other', email: 'ADA@example.COM', name: 'Impostor' }),
        ).toBe(false)
        expect(await f.store.countUsers()).toBe(2)
        expect(await f.store.userById('u-other')).toBeUndefined()
        expect(await f.store.userById('u-ada')).toEqual(ada)
        expect(await f.store.listUsers()).toEqual([ada, bo])
      })

      it('onlyIfNone makes the first user and refuses any after it', async () => {
        expect(await f.store.createUser(ADA, { onlyIfNone: true })).toBe(true)
        expect(await f.store.createUser(BO, { onlyIfNone: true })).toBe(false)
        expect(await f.store.listUsers()).toEqual([ada])
        // Without the option, later users are added as usual.
        expect(await f.store.createUser(BO)).toBe(true)
        expect(await f.store.countUsers()).toBe(2)
      })

      it('of two collectors making the first user at once, exactly one succeeds', async () => {
        const other = await f.another()
        try {
          const results = await Promise.all([
            f.store.createUser(ADA, { onlyIfNone: true }),
            other.createUser(BO, { onlyIfNone: true }),
          ])
          expect(results.filter(Boolean)).toHaveLength(1)
          expect(await f.store.countUsers()).toBe(1)
          expect(await other.countUsers()).toBe(1)
        } finally {
          await other.close()
        }
      })

      it('gives the password hash to sign-in only (userByEmail, any case)', async () => {
        await f.store.createUser(ADA)
        expect(await f.store.userByEmail('ADA@example.com')).toEqual({ ...ada, passwordHash: 'scrypt$ada' })
        expect(await f.store.userByEmail('ada@example.com')).toEqual({ ...ada, passwordHash: 'scrypt$ada' })
        expect(await f.store.userByEmail('nobody@example.com')).toBeUndefined()
        expect(await f.store.userById('u-ada')).not.toHaveProperty('passwordHash')
        for (const u of await f.store.listUsers()) expect(u).not.toHaveProperty('passwordHash')
        expect(await f.store.userById('u-ghost')).toBeUndefined()
      })

      it('updates only the fields given, and answers undefined for an unknown id', async () => {
        await f.store.createUser(ADA)
        await f.store.createUser(BO)
        expect(await f.store.updateUser('u-bo', { role: 'editor' })).toEqual({ ...bo, role: 'editor' })
        expect(await f.store.updateUser('u-bo', { name: 'Bo B', passwordHash: 'scrypt$new' })).toEqual({
          ...bo,
          role: 'editor',
          name: 'Bo B',
        })
        expect((await f.store.userByEmail('bo@example.com'))?.passwordHash).toBe('scrypt$new')
        expect(await f.store.updateUser('u-bo', { disabledAt: T + HOUR })).toEqual({
          ...bo,
          role: 'editor',
          name: 'Bo B',
          disabledAt: T + HOUR,
        })
        expect((await f.store.updateUser('u-bo', { name: 'Bo C' }))?.disabledAt).toBe(T + HOUR)
        expect((await f.store.updateUser('u-bo', { disabledAt: null }))?.disabledAt).toBeNull()
        expect(await f.store.updateUser('u-bo', {})).toEqual({ ...bo, role: 'editor', name: 'Bo C' })
        expect(await f.store.userById('u-ada')).toEqual(ada)
        expect(await f.store.updateUser('u-ghost', { name: 'x' })).toBeUndefined()
        expect(await f.store.countUsers()).toBe(2)
      })

      it('disabling a user stops their sessions and API tokens; enabling brings them back', async () => {
        await f.store.createUser(ADA)
        await f.store.createSession(session('s1', 'u-ada'))
        await f.store.createApiToken(token('t1', 'u-ada'), 'hash-t1')
        await f.store.updateUser('u-ada', { disabledAt: T })
        expect(await f.store.sessionByHash('s1', T + 1)).toBeUndefined()
        expect(await f.store.useApiToken('hash-t1', T + 1)).toBeUndefined()
        expect((await f.store.listApiTokens('u-ada'))[0]?.lastUsedAt).toBeNull()
        await f.store.updateUser('u-ada', { disabledAt: null })
        expect((await f.store.sessionByHash('s1', T + 2))?.user).toEqual(ada)
        expect((await f.store.useApiToken('hash-t1', T + 2))?.user).toEqual(ada)
      })
    })

    describe('sessions', () => {
      beforeEach(async () => {
        await f.store.createUser(ADA)
        await f.store.createUser(BO)
      })

      it('finds a session with its user until it expires', async () => {
        await f.store.createSession(session('s1', 'u-ada', T + HOUR))
        expect(await f.store.sessionByHash('s1', T)).toEqual({ session: session('s1', 'u-ada'), user: ada })
        expect(await f.store.sessionByHash('s1', T + HOUR - 1)).toBeDefined()
        expect(await f.store.sessionByHash('s1', T + HOUR)).toBeUndefined()
        expect(await f.store.sessionByHash('s-ghost', T)).toBeUndefined()
      })

      it('deletes one session, or every session of a user', async () => {
        await f.store.createSession(session('s1', 'u-ada'))
        await f.store.createSession(session('s2', 'u-ada'))
        await f.store.createSession(session('s3', 'u-bo'))
        await f.store.deleteSession('s1')
        await f.store.deleteSession('s-ghost')
        expect(await f.store.sessionByHash('s1', T)).toBeUndefined()
        expect(await f.store.sessionByHash('s2', T)).toBeDefined()
        await f.store.deleteSessionsOf('u-ada')
        expect(await f.store.sessionByHash('s2', T)).toBeUndefined()
        expect((await f.store.sessionByHash('s3', T))?.user).toEqual(bo)
      })

      it('deletes the sessions expired at now, and says how many', async () => {
        await f.store.createSession(session('s1', 'u-ada', T + HOUR))
        await f.store.createSession(session('s2', 'u-ada', T + 2 * HOUR))
        await f.store.createSession(session('s3', 'u-bo', T + 3 * HOUR))
        expect(await f.store.deleteExpiredSessions(T)).toBe(0)
        expect(await f.store.deleteExpiredSessions(T + 2 * HOUR)).toBe(2)
        expect(await f.store.deleteExpiredSessions(T + 2 * HOUR)).toBe(0)
        expect(await f.store.sessionByHash('s3', T)).toBeDefined()
      })
    })

    describe('API tokens', () => {
      beforeEach(async () => {
        await f.store.createUser(ADA)
        await f.store.createUser(BO)
      })

      it('a use finds the token and its user, and records when it was used', async () => {
        await f.store.createApiToken(token('t1', 'u-ada'), 'hash-t1')
        expect(await f.store.useApiToken('hash-t1', T + 5)).toEqual({
          token: { ...token('t1', 'u-ada'), lastUsedAt: T + 5 },
          user: ada,
        })
        expect(await f.store.listApiTokens('u-ada')).toEqual([{ ...token('t1', 'u-ada'), lastUsedAt: T + 5 }])
        expect(await f.store.useApiToken('hash-ghost', T + 6)).toBeUndefined()
      })

      it('lists a user’s tokens, oldest first, never with their hash', async () => {
        await f.store.createApiToken(token('t2', 'u-ada', T + 10), 'hash-t2')
        await f.store.createApiToken(token('t1', 'u-ada', T), 'hash-t1')
        await f.store.createApiToken(token('t3', 'u-bo'), 'hash-t3')
        const listed = await f.store.listApiTokens('u-ada')
        expect(listed).toEqual([token('t1', 'u-ada', T), token('t2', 'u-ada', T + 10)])
        expect(JSON.stringify(listed)).not.toContain('hash-')
        expect(await f.store.listApiTokens('u-ghost')).toEqual([])
      })

      it('a revoked token stops working; only its owner can revoke it', async () => {
        await f.store.createApiToken(token('t1', 'u-ada'), 'hash-t1')
        await f.store.createApiToken(token('t2', 'u-ada'), 'hash-t2')
        expect(await f.store.revokeApiToken('u-bo', 't1', T + 1)).toBe(false)
        expect(await f.store.revokeApiToken('u-ada', 't-ghost', T + 1)).toBe(false)
        expect(await f.store.useApiToken('hash-t1', T + 1)).toBeDefined()
        expect(await f.store.revokeApiToken('u-ada', 't1', T + 2)).toBe(true)
        expect(await f.store.useApiToken('hash-t1', T + 3)).toBeUndefined()
        expect(await f.store.useApiToken('hash-t2', T + 3)).toBeDefined()
        // Revoking again keeps the time it was revoked at.
        expect(await f.store.revokeApiToken('u-ada', 't1', T + 4)).toBe(true)
        const [t1] = await f.store.listApiTokens('u-ada')
        expect(t1).toMatchObject({ id: 't1', revokedAt: T + 2, lastUsedAt: T + 1 })
      })
    })

    describe('setup link', () => {
      it('works once, and not once expired', async () => {
        await f.store.createSetupToken('setup-1', T + HOUR)
        expect(await f.store.useSetupToken('setup-ghost', T)).toBe(false)
        expect(await f.store.useSetupToken('setup-1', T)).toBe(true)
        expect(await f.store.useSetupToken('setup-1', T)).toBe(false)
        await f.store.createSetupToken('setup-2', T + HOUR)
        expect(await f.store.useSetupToken('setup-2', T + HOUR)).toBe(false)
        expect(await f.store.useSetupToken('setup-2', T + HOUR - 1)).toBe(true)
      })

      it('a newer link makes the older one fail', async () => {
        await f.store.createSetupToken('setup-1', T + HOUR)
        await f.store.createSetupToken('setup-2', T + HOUR)
        expect(await f.store.useSetupToken('setup-1', T)).toBe(false)
        expect(await f.store.useSetupToken('setup-2', T)).toBe(true)
      })

      it('of two collectors using it at once, exactly one gets true', async () => {
        const other = await f.another()
        try {
          for (let round = 1; round <= 5; round++) {
            await f.store.createSetupToken(`setup-${round}`, T + HOUR)
            const results = await Promise.all([
              f.store.useSetupToken(`setup-${round}`, T),
              other.useSetupToken(`setup-${round}`, T),
            ])
            expect(results.filter(Boolean)).toHaveLength(1)
          }
        } finally {
          await other.close()
        }
      })
    })

    describe('access log', () => {
      it('reads newest first, of one site or of all, up to the limit', async () => {
        await f.store.logAccess(entry(T, 'demo', 'profile.view', 'p1'))
        await f.store.logAccess(entry(T + 2, 'shop', 'events.list', null))
        await f.store.logAccess(entry(T + 1, 'demo', 'profile.export', 'p2'))
        await f.store.logAccess(entry(T + 3, 'demo', 'consent.read', 'c1'))
        expect(await f.store.accessLog({ site: 'demo', limit: 10 })).toEqual([
          entry(T + 3, 'demo', 'consent.read', 'c1'),
          entry(T + 1, 'demo', 'profile.export', 'p2'),
          entry(T, 'demo', 'profile.view', 'p1'),
        ])
        expect(await f.store.accessLog({ site: 'demo', limit: 2 })).toHaveLength(2)
        expect((await f.store.accessLog({ limit: 2 })).map((e) => [e.at, e.site])).toEqual([
          [T + 3, 'demo'],
          [T + 2, 'shop'],
        ])
        expect(await f.store.accessLog({ limit: 10 })).toHaveLength(4)
        expect(await f.store.accessLog({ site: 'ghost', limit: 10 })).toEqual([])
      })
    })
  })
