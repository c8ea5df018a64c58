import type { MiddlewareHandler } from 'hono'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'

/**
 * CORS for the public API. A preflight names no site, so it passes when any site allows the
 * origin; the route then checks the origin against the site the write key names.
 * Errors carry the CORS headers too, so a page can read why it was refused, and Retry-After is
 * exposed so the SDK can wait as long as a 429 or 503 asks (browsers hide it from scripts otherwise).
 */
export const cors = (sites: Sites): MiddlewareHandler =>
  async function cors(c, next) {
    const origin = c.req.header('origin')
    const known = origin !== undefined && (sites.isSelf(origin) || sites.anyAllows(origin))
    if (c.req.method === 'OPTIONS') {
      if (!known) throw new ApiError('origin_not_allowed', `origin ${origin ?? '(none)'} is not allowed`)
      c.header('Access-Control-Allow-Origin', origin)
      c.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
      // analytics.js sends its write key as Basic auth and counts retries in X-Retry-Count.
      c.header('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Retry-Count')
      c.header('Access-Control-Max-Age', '86400')
      c.header('Vary', 'Origin')
      return c.body(null, 204)
    }
    if (known) {
      c.header('Access-Control-Allow-Origin', origin)
      c.header('Access-Control-Expose-Headers', 'Retry-After')
      c.header('Vary', 'Origin')
    }
    await next()
  }
