import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { can, ruleFor } from '../access/roles.ts'
import type { AccessStore, Role } from '../access/types.ts'
import { ApiError } from '../errors.ts'

/** Who makes an admin API call, and how they proved it. */
export interface AdminActor {
  /** A user's email, or "admin token". */
  name: string
  role: Role
  userId?: string
  via: 'admin-token' | 'api-token' | 'session'
  /** The session's CSRF token (sessions only). */
  csrf?: string
}

declare module 'hono' {
  interface ContextVariableMap {
    admin: AdminActor
  }
}

export const SESSION_COOKIE = 'precis_session'
/** API tokens start with this, so a leaked one is recognizable (and secret scanners can match it). */
export const API_TOKEN_PREFIX = 'pt_'

const digest = (value: string) => createHash('sha256').update(value).digest()
/** How sessions, API tokens and setup tokens are stored: SHA-256, hex. */
export const secretHash = (value: string) => digest(value).toString('hex')
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b))

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS']

/**
 * What a logged read was about, as a digest of the site and the identifier asked for: the log
 * never holds an identifier in clear, so an erasure leaves none behind in it; a privacy officer
 * checks a given identifier with `subjectDigest`.
 */
export const subjectDigest = (site: string, id: string) => secretHash(`${site}\0${id}`).slice(0, 32)
const subjectOf = (site: string, path: string) => {
  const id = /^\/(profiles|consent)\/([^/]+)/.exec(path)?.[2]
  return id === undefined ? null : subjectDigest(site, decodeURIComponent(id))
}

export interface AdminAuthDeps {
  /** PRECIS_ADMIN_TOKEN: an owner's bearer token, for scripts and the first run. */
  token?: string | undefined
  store: Pick<AccessStore, 'countUsers' | 'sessionByHash' | 'useApiToken' | 'logAccess'>
  now: () => number
}

/**
 * The admin API's guard: who is calling (the admin token, a user's API token, or a signed-in
 * session, whose writes must carry its CSRF token), whether their role may make this call
 * (access/roles.ts), and, for reads of personal data, an entry in the access log once the read
 * succeeded: a read that cannot be logged is not answered. Secrets are compared by digest, in
 * constant time whatever their length.
 */
export const adminAuth = ({ token, store, now }: AdminAuthDeps): MiddlewareHandler => {
  const identify = async (c: Context): Promise<AdminActor | undefined> => {
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const given = header.startsWith('Bearer ') ? header.slice(7) : ''
      if (!given) return undefined
      if (given.startsWith(API_TOKEN_PREFIX)) {
        const found = await store.useApiToken(secretHash(given), now())
        return (
          found && { name: found.user.email, role: found.user.role, userId: found.user.id, via: 'api-token' }
        )
      }
      return token && same(given, token)
        ? { name: 'admin token', role: 'owner', via: 'admin-token' }
        : undefined
    }
    const cookie = getCookie(c, SESSION_COOKIE)
    if (!cookie) return undefined
    const found = await store.sessionByHash(secretHash(cookie), now())
    return (
      found && {
        name: found.user.email,
        role: found.user.role,
        userId: found.user.id,
        via: 'session',
        csrf: found.session.csrf,
      }
    )
  }

  return async function adminAuth(c, next) {
    const actor = await identify(c)
    if (!actor) {
      if (!token && (await store.countUsers()) === 0)
        throw new ApiError(
          'admin_disabled',
          'no one can sign in yet: open the one-time setup link the collector printed when it started, or start it with PRECIS_ADMIN_TOKEN set (at least 16 characters)',
        )
      c.header('WWW-Authenticate', 'Bearer realm="precis-admin"')
      throw new ApiError('unauthorized', 'sign in, or send a valid admin or API bearer token')
    }
    if (actor.via === 'session' && !SAFE_METHODS.includes(c.req.method)) {
      const sent = c.req.header('x-csrf-token')
      if (!sent || !same(sent, actor.csrf!))
        throw new ApiError(
          'csrf_failed',
          'this change needs the X-CSRF-Token of your session: reload the page',
        )
    }
    const path = c.req.path.slice('/admin/api'.length)
    const rule = ruleFor(c.req.method, path)
    if (!can(actor.role, rule.permission))
      throw new ApiError('forbidden', `your role (${actor.role}) may not ${c.req.method} /admin/api${path}`)
    c.set('admin', actor)
    await next()
    if (rule.audit && c.res.status < 400)
      await store.logAccess({
        at: now(),
        actor: actor.name,
        action: rule.audit,
        site: c.req.query('site') ?? '',
        subject: subjectOf(c.req.query('site') ?? '', path),
      })
  }
}
