import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import {
  batchSchema,
  EVENT_TYPES,
  type EventType,
  LIMITS,
  singleEnvelopeSchema,
} from '../../sdk/rules/event-schema.ts'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { normalizeEvent, type Rejection } from '../ingest/normalize.ts'
import type { Store, StoredEvent } from '../store/types.ts'
import { authorize, parseEnvelope, readJson, tooLarge } from './request.ts'

export interface IngestDeps {
  store: Store
  sites: Sites
  now: () => number
  newId: () => string
}

/**
 * Ingestion. Policy for a batch with invalid events: the valid ones are stored (in one transaction)
 * and the invalid ones are listed in `rejected`; one bad event never costs the good ones, and a
 * client must not retry a 200. A batch with no valid event is a 400.
 */
export const ingestRoutes = ({ store, sites, now, newId }: IngestDeps) => {
  const app = new Hono()
  app.use('*', bodyLimit({ maxSize: LIMITS.requestBytes, onError: tooLarge(LIMITS.requestBytes) }))

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
    const browser = c.req.header('origin') !== undefined
    body.batch.forEach((input, index) => {
      const ctx = {
        site: site.id,
        receivedAt,
        sentAt: body.sentAt,
        newId,
        pathPrefix: `batch[${index}]`,
        browser,
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
        browser: c.req.header('origin') !== undefined,
      }
      const result = normalizeEvent(body, 0, ctx)
      return 'row' in result ? answer(c, [result.row], []) : answer(c, [], [result.rejection])
    })
  }
  return app
}
