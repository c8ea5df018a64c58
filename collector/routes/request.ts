// What every write endpoint does with a request: read JSON, validate the envelope, authorize.
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { z } from 'zod'
import type { SiteConfig } from '../config/site-config.ts'
import { originAllowed, type Sites } from '../config/sites.ts'
import type { RequestInput } from '../enrich/enrich.ts'
import { ApiError } from '../errors.ts'
import { holdsNul, NUL_MESSAGE } from '../ingest/normalize.ts'
import { applyRateLimit } from '../middleware/rate-limit.ts'

// text/plain lets browsers post without a CORS preflight (and is what sendBeacon sends).
const JSON_TYPES = /^(application\/json|text\/plain)(;|$)/i

const bodyEnded = () => new ApiError('invalid_body', 'the body ended before it was complete')

/**
 * The body as JSON. Text with NUL is refused (PostgreSQL cannot store it) unless the route checks
 * each event itself, so one such event does not take its batch with it.
 */
export const readJson = async (c: Context, { eventsChecked = false } = {}): Promise<unknown> => {
  const type = c.req.header('content-type')
  if (type !== undefined && !JSON_TYPES.test(type)) {
    throw new ApiError('unsupported_media_type', 'send JSON as application/json or text/plain')
  }
  let text: string
  try {
    text = await c.req.text()
  } catch (err) {
    // The body limit refuses with its own code. Anything else is the body stream failing: the
    // client hung up before sending all it announced. That is its fault, not a 500 to log.
    if (err instanceof ApiError) throw err
    throw bodyEnded()
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError('invalid_json', 'the body is not valid JSON')
  }
  if (!eventsChecked && holdsNul(text)) throw new ApiError('invalid_body', NUL_MESSAGE)
  return body
}

export const parseEnvelope = <T extends z.ZodType>(schema: T, body: unknown): z.infer<T> => {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  throw new ApiError('invalid_body', issue.message, issue.path.join('.') || undefined)
}

/** Segment clients send the write key as the Basic auth user name; browsers put it in the body. */
const writeKeyOf = (c: Context, bodyKey: string | undefined): string | undefined => {
  const auth = c.req.header('authorization')
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8')
    const user = decoded.slice(0, decoded.indexOf(':') >>> 0)
    if (user) return user
  }
  return bodyKey
}

/**
 * The site a request's key names, and whether it is the site's secret server key. Server keys are
 * refused where a route takes only the public write key, and from browser pages (an Origin): a
 * server key in a page would be public.
 */
export const authorizeKey = (
  c: Context,
  sites: Sites,
  bodyKey: string | undefined,
  { server = false } = {},
): { site: SiteConfig; server: boolean } => {
  const key = writeKeyOf(c, bodyKey)
  if (!key) throw new ApiError('unauthorized', 'a write key is required (Basic auth user name or "writeKey")')
  const written = sites.byWriteKey(key)
  const served = written ? undefined : sites.byServerKey(key)
  if (served && !server)
    throw new ApiError('unauthorized', 'this route takes the write key, not a server key')
  const site = written ?? served
  if (!site) throw new ApiError('unauthorized', 'unknown write key')
  const origin = c.req.header('origin')
  if (served && origin !== undefined)
    throw new ApiError('server_key_in_browser', 'a server key must never be sent from a browser page')
  if (!originAllowed(site, origin, sites)) {
    throw new ApiError('origin_not_allowed', `origin ${origin} is not allowed for site ${site.id}`)
  }
  // Here rather than in a middleware: the limits are the site's, known once the key is read.
  applyRateLimit(c, site, peerAddress(c))
  return { site, server: served !== undefined }
}

/** authorizeKey for routes only browsers call: the public write key alone. */
export const authorize = (c: Context, sites: Sites, bodyKey: string | undefined): SiteConfig =>
  authorizeKey(c, sites, bodyKey).site

const tooLarge = (bytes: number) => () => {
  throw new ApiError('payload_too_large', `the body is larger than ${bytes} bytes`)
}

/** How much of an oversized body is read and discarded before the 413, in multiples of the limit. */
export const DRAIN_FACTOR = 4

/**
 * Reads what is left of the request's body, up to `max` bytes, and throws it away: a client still
 * sending when the answer comes would otherwise meet a reset connection instead of the 413, and a
 * server-side client would retry a batch that can never succeed. A body that stalls ends with the
 * server's request timeout; one larger than `max` is cut off.
 */
const drain = async (request: Request, max: number) => {
  if (!request.body || request.bodyUsed || request.body.locked) return
  const reader = request.body.getReader()
  let read = 0
  try {
    while (read <= max) {
      const { done, value } = await reader.read()
      if (done) return
      read += value.byteLength
    }
    await reader.cancel()
  } catch {
    // The client hung up: nobody is left to read the answer.
  }
}

/**
 * hono's bodyLimit, answering payload_too_large once the client has sent its body (up to
 * DRAIN_FACTOR times the limit). A body without Content-Length is read here to be counted, so a
 * client hanging up mid-body fails here: that is invalid_body, not a 500.
 */
export const limitBody = (bytes: number): MiddlewareHandler => {
  const limit = bodyLimit({ maxSize: bytes, onError: tooLarge(bytes) })
  return async (c, next) => {
    if (Number(c.req.header('content-length')) > bytes) {
      await drain(c.req.raw, bytes * DRAIN_FACTOR)
      tooLarge(bytes)()
    }
    let reading = true
    try {
      return await limit(c, () => {
        reading = false
        return next()
      })
    } catch (err) {
      if (!reading || err instanceof ApiError) throw err
      throw bodyEnded()
    }
  }
}

/**
 * The TCP peer's address. Undefined where there is no Node socket: app.request() in tests (which
 * pass one as env: { incoming: { socket: { remoteAddress } } }) and other runtimes.
 */
export const peerAddress = (c: Context): string | undefined => {
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}

/** The request facts enrichment reads (collector/enrich), taken from the request once. */
export const requestInput = (c: Context): RequestInput => ({
  peer: peerAddress(c),
  header: (name) => c.req.header(name),
  browser: c.req.header('origin') !== undefined,
})
