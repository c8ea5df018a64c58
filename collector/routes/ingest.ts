import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { z } from 'zod'
import {
  batchSchema,
  EVENT_TYPES,
  type EventType,
  LIMITS,
  singleEnvelopeSchema,
} from '../../sdk/rules/event-schema.ts'
import type { SiteConfig } from '../config/site-config.ts'
import { originAllowed, type Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { normalizeEvent, type Rejection } from '../ingest/normalize.ts'
import { requestOrigin } from '../middleware/cors.ts'
import type { Store, StoredEvent } from '../store/types.ts'

export interface IngestDeps {
  store: Store
  sites: Sites
  now: () => number
  newId: () => string
}

// text/plain lets browsers post without a CORS preflight (and is what sendBeacon sends).
const JSON_TYPES = /^(application\/json|text\/plain)(;|$)/i

const readJson = async (c: Context): Promise<unknown> => {
  const type = c.req.header('content-type')
  if (type !== undefined && !JSON_TYPES.test(type)) {
    throw new ApiError('unsupported_media_type', 'send JSON as application/json or text/plain')
  }
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError('invalid_json', 'the body is not valid JSON')
  }
}

const parseEnvelope = <T extends z.ZodType>(schema: T, body: unknown): z.infer<T> => {
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

const authorize = (c: Context, sites: Sites, bodyKey: string | undefined): SiteConfig => {
  const key = writeKeyOf(c, bodyKey)
  if (!key) throw new ApiError('unauthorized', 'a write key is required (Basic auth user name or "writeKey")')
  const site = sites.byWriteKey(key)
  if (!site) throw new ApiError('unauthorized', 'unknown write key')
  const { origin, self } = requestOrigin(c)
  if (!originAllowed(site, origin, self)) {
    throw new ApiError('origin_not_allowed', `origin ${origin} is not allowed for site ${site.id}`)
  }
  return site
}

const tooLarge = () => {
  throw new ApiError('payload_too_large', `the body is larger than ${LIMITS.requestBytes} bytes`)
}

/**
 * Ingestion. Policy for a batch with invalid events: the valid ones are stored (in one transaction)
 * and the invalid ones are listed in `rejected`; one bad event never costs the good ones, and a
 * client must not retry a 200. A batch with no valid event is a 400.
 */
export const ingestRoutes = ({ store, sites, now, newId }: IngestDeps) => {
  const app = new Hono()
  app.use('*', bodyLimit({ maxSize: LIMITS.requestBytes, onError: tooLarge }))

  const answer = async (c: Context, rows: StoredEvent[], rejected: Rejection[]) => {
    if (rows.length === 0) {
      const first = rejected[0]!
      const err = new ApiError(first.code, first.message, first.path)
      return c.json({ ...err.toBody(), rejected }, err.status)
    }
    const { inserted, duplicates } = await store.insertEvents(rows)
    return c.json({ success: true, accepted: rows.length, inserted, duplicates, rejected })
  }

  const batch = async (c: Context) => {
    const receivedAt = now()
    const body = parseEnvelope(batchSchema, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const rows: StoredEvent[] = []
    const rejected: Rejection[] = []
    body.batch.forEach((input, index) => {
      const ctx = {
        site: site.id,
        receivedAt,
        sentAt: body.sentAt,
        newId,
        pathPrefix: `batch[${index}]`,
      }
      const result = normalizeEvent(input, index, ctx)
      if ('row' in result) rows.push(result.row)
      else rejected.push(result.rejection)
    })
    return answer(c, rows, rejected)
  }
  app.post('/batch', batch)
  app.post('/import', batch)

  for (const type of EVENT_TYPES) {
    app.post(`/${type}`, async (c) => {
      const receivedAt = now()
      const body = await readJson(c)
      const envelope = parseEnvelope(singleEnvelopeSchema, body)
      const site = authorize(c, sites, envelope.writeKey)
      const ctx = {
        site: site.id,
        receivedAt,
        sentAt: envelope.sentAt,
        newId,
        type: type as EventType,
      }
      const result = normalizeEvent(body, 0, ctx)
      return 'row' in result ? answer(c, [result.row], []) : answer(c, [], [result.rejection])
    })
  }
  return app
}
