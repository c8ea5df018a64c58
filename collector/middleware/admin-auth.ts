import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../errors.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * Bearer-token guard for the admin API. With no token configured every call is refused:
 * an admin API must never be open by omission. Digests make the comparison constant-time
 * whatever the lengths.
 */
export const adminAuth = (token: string | undefined): MiddlewareHandler => {
  const expected = token ? digest(token) : undefined
  return async function adminAuth(c, next) {
    if (!expected)
      throw new ApiError(
        'admin_disabled',
        'the admin API is disabled: start the collector with PRECIS_ADMIN_TOKEN set (at least 16 characters)',
      )
    const header = c.req.header('authorization') ?? ''
    const given = header.startsWith('Bearer ') ? header.slice(7) : ''
    if (!given || !timingSafeEqual(digest(given), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="precis-admin"')
      throw new ApiError('unauthorized', 'a valid admin bearer token is required')
    }
    await next()
  }
}
