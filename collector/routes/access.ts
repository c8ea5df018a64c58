// Signing in and the people of the admin side: the first run's setup link, sign-in with a
// password into a session cookie, the caller's own account and API tokens, users and roles
// (owners), and the access log (privacy officers). Roles are checked by the guard
// (middleware/admin-auth.ts) from access/roles.ts; these routes only do what they say.
import { type Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { hashPassword, passwordProblem, verifyPassword } from '../access/passwords.ts'
import { type AccessStore, ROLES, type User } from '../access/types.ts'
import { ApiError } from '../errors.ts'
import { API_TOKEN_PREFIX, SESSION_COOKIE, secretHash } from '../middleware/admin-auth.ts'
import { parseEnvelope, readJson } from './request.ts'

/** A session lasts this long from sign-in; signing in again starts a new one. */
export const SESSION_MS = 12 * 3_600_000
/** The setup link works this long, once. */
export const SETUP_MS = 3_600_000
/** Failed sign-ins of one email (per collector process) before it waits FAILURE_WINDOW_MS. */
const MAX_FAILURES = 10
const FAILURE_WINDOW_MS = 15 * 60_000

export interface AccessDeps {
  store: AccessStore
  now: () => number
  randomBytes: (n: number) => Uint8Array
  /** Whether PRECIS_ADMIN_TOKEN is set (the setup state says so). */
  tokenConfigured: boolean
}

const email = z.string().trim().toLowerCase().pipe(z.email('must be an email address').max(254))
const name = z.string().trim().min(1, 'is required').max(200)
const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` })

export const setupBody = z.object({ token: z.string().min(1).max(200), email, name, password: z.string() })
export const signInBody = z.object({ email, password: z.string().max(200) })
export const newUserBody = z.object({ email, name, role, password: z.string() })
export const userChange = z.strictObject({
  name: name.optional(),
  role: role.optional(),
  disabled: z.boolean().optional(),
  password: z.string().optional(),
})
export const passwordChange = z.object({ current: z.string().max(200), password: z.string() })
export const tokenBody = z.object({ name })

const checkPassword = (password: string) => {
  const problem = passwordProblem(password)
  if (problem) throw new ApiError('invalid_body', problem, 'password')
}

const publicUser = ({ id, email, name, role, createdAt, disabledAt }: User) => ({
  id,
  email,
  name,
  role,
  createdAt,
  disabledAt,
})

/** Secure cookies behind HTTPS (directly, or a proxy that says so). */
const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https'

export const accessPublicRoutes = (deps: AccessDeps) => {
  const { store, now } = deps
  const app = new Hono()
  const random = (n: number) => Buffer.from(deps.randomBytes(n)).toString('base64url')
  const failures = new Map<string, { count: number; since: number }>()

  const startSession = async (c: Context, user: User) => {
    const id = random(32)
    const csrf = random(24)
    const at = now()
    await store.createSession({
      hash: secretHash(id),
      userId: user.id,
      csrf,
      createdAt: at,
      expiresAt: at + SESSION_MS,
    })
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: '/admin',
      maxAge: SESSION_MS / 1000,
    })
    return c.json({ user: publicUser(user), csrf })
  }

  /** Whether anyone can sign in yet: what the sign-in page shows. */
  app.get('/setup', async (c) =>
    c.json({ setUp: (await store.countUsers()) > 0, adminToken: deps.tokenConfigured }),
  )

  /** The first owner, from the one-time link the collector printed at start. */
  app.post('/setup', async (c) => {
    const body = parseEnvelope(setupBody, await readJson(c))
    checkPassword(body.password)
    if (!(await store.useSetupToken(secretHash(body.token), now())))
      throw new ApiError(
        'setup_link_invalid',
        'this setup link was used, has expired or was replaced: restart the collector for a new one (it prints one while no user exists)',
      )
    const user: User = {
      id: Buffer.from(deps.randomBytes(16)).toString('hex'),
      email: body.email,
      name: body.name,
      role: 'owner',
      createdAt: now(),
      disabledAt: null,
    }
    const created = await store.createUser(
      { ...user, passwordHash: await hashPassword(body.password) },
      { onlyIfNone: true },
    )
    if (!created) throw new ApiError('setup_link_invalid', 'the admin side is set up already: sign in')
    c.status(201)
    return startSession(c, user)
  })

  app.post('/session', async (c) => {
    const body = parseEnvelope(signInBody, await readJson(c))
    const failed = failures.get(body.email)
    if (failed && now() - failed.since > FAILURE_WINDOW_MS) failures.delete(body.email)
    else if (failed && failed.count >= MAX_FAILURES)
      throw new ApiError(
        'rate_limited',
        'too many failed sign-ins for this email: wait 15 minutes',
        undefined,
        {
          'Retry-After': String(Math.ceil((failed.since + FAILURE_WINDOW_MS - now()) / 1000)),
        },
      )
    const found = await store.userByEmail(body.email)
    // A password is checked even for an unknown email, so the answer's time says nothing.
    const ok = await verifyPassword(body.password, found?.passwordHash ?? DUMMY_HASH)
    if (!found || !ok || found.disabledAt !== null) {
      const f = failures.get(body.email) ?? { count: 0, since: now() }
      failures.set(body.email, { ...f, count: f.count + 1 })
      throw new ApiError('unauthorized', 'wrong email or password')
    }
    failures.delete(body.email)
    const { passwordHash: _, ...user } = found
    return startSession(c, user)
  })
  return app
}

/** A hash of a password no one knows, of the default cost. */
const DUMMY_HASH = await hashPassword(crypto.randomUUID())

export const accessRoutes = (deps: AccessDeps) => {
  const { store, now } = deps
  const app = new Hono()
  const userOf = (c: Context) => {
    const actor = c.get('admin')
    if (!actor.userId)
      throw new ApiError(
        'invalid_body',
        'the admin token is no user: sign in as one (or use their API token)',
      )
    return actor.userId
  }

  app.get('/me', async (c) => {
    const actor = c.get('admin')
    const user = actor.userId ? await store.userById(actor.userId) : undefined
    return c.json({
      name: actor.name,
      role: actor.role,
      via: actor.via,
      user: user ? publicUser(user) : null,
      csrf: actor.csrf ?? null,
    })
  })

  app.delete('/session', async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE)
    if (cookie) await store.deleteSession(secretHash(cookie))
    deleteCookie(c, SESSION_COOKIE, { path: '/admin' })
    return c.json({ signedOut: true })
  })

  app.post('/me/password', async (c) => {
    const id = userOf(c)
    const body = parseEnvelope(passwordChange, await readJson(c))
    checkPassword(body.password)
    const user = await store.userById(id)
    const found = user && (await store.userByEmail(user.email))
    if (!found || !(await verifyPassword(body.current, found.passwordHash)))
      throw new ApiError('unauthorized', 'the current password is wrong')
    await store.updateUser(id, { passwordHash: await hashPassword(body.password) })
    // Every session ends, this one too: whoever knew the old password is out, and so is the caller, who signs in again.
    await store.deleteSessionsOf(id)
    return c.json({ changed: true, signedOut: true })
  })

  app.get('/users', async (c) => c.json({ users: (await store.listUsers()).map(publicUser) }))

  app.post('/users', async (c) => {
    const body = parseEnvelope(newUserBody, await readJson(c))
    checkPassword(body.password)
    const user: User = {
      id: Buffer.from(deps.randomBytes(16)).toString('hex'),
      email: body.email,
      name: body.name,
      role: body.role,
      createdAt: now(),
      disabledAt: null,
    }
    if (!(await store.createUser({ ...user, passwordHash: await hashPassword(body.password) })))
      throw new ApiError('already_exists', `a user with email ${body.email} exists`)
    c.status(201)
    return c.json({ user: publicUser(user) })
  })

  app.patch('/users/:id', async (c) => {
    const id = c.req.param('id')
    const body = parseEnvelope(userChange, await readJson(c))
    if (body.password !== undefined) checkPassword(body.password)
    const before = await store.userById(id)
    if (!before) throw new ApiError('not_found', `no user ${id}`)
    const demoted = (body.role !== undefined && body.role !== 'owner') || body.disabled === true
    if (before.role === 'owner' && demoted) {
      const owners = (await store.listUsers()).filter((u) => u.role === 'owner' && u.disabledAt === null)
      if (owners.length <= 1)
        throw new ApiError('last_owner', 'the last owner stays an owner: make someone else owner first')
    }
    const user = await store.updateUser(id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.role !== undefined ? { role: body.role } : {}),
      ...(body.disabled !== undefined ? { disabledAt: body.disabled ? now() : null } : {}),
      ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
    })
    // A new role, a new password or a disabling takes effect now, not at the next sign-in.
    if (body.role !== undefined || body.disabled || body.password !== undefined)
      await store.deleteSessionsOf(id)
    return c.json({ user: publicUser(user!) })
  })

  app.get('/tokens', async (c) => c.json({ tokens: await store.listApiTokens(userOf(c)) }))

  /** A token for scripts, with its creator's role: shown this once, stored as a hash. */
  app.post('/tokens', async (c) => {
    const userId = userOf(c)
    const body = parseEnvelope(tokenBody, await readJson(c))
    const secret = `${API_TOKEN_PREFIX}${Buffer.from(deps.randomBytes(32)).toString('base64url')}`
    const token = {
      id: Buffer.from(deps.randomBytes(16)).toString('hex'),
      userId,
      name: body.name,
      createdAt: now(),
      lastUsedAt: null,
      revokedAt: null,
    }
    await store.createApiToken(token, secretHash(secret))
    c.status(201)
    return c.json({ token, secret })
  })

  app.delete('/tokens/:id', async (c) => {
    if (!(await store.revokeApiToken(userOf(c), c.req.param('id'), now())))
      throw new ApiError('not_found', `you have no token ${c.req.param('id')}`)
    return c.json({ revoked: true })
  })

  app.get('/access-log', async (c) => {
    const limit = Number(c.req.query('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new ApiError('invalid_query', 'limit: must be 1 to 1000', 'limit')
    return c.json({ entries: await store.accessLog({ site: c.req.query('site'), limit }) })
  })
  return app
}
