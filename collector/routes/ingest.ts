import { type Context, Hono } from 'hono'
import {
  batchSchema,
  EVENT_TYPES,
  type EventType,
  LIMITS,
  singleEnvelopeSchema,
} from '../../sdk/rules/event-schema.ts'
import type { Sites } from '../config/sites.ts'
import { requestEnricher } from '../enrich/enrich.ts'
import { createAgentParser } from '../enrich/user-agent.ts'
import { ApiError } from '../errors.ts'
import { normalizeEvent, type Rejection } from '../ingest/normalize.ts'
import type { Store, StoredEvent } from '../store/types.ts'
import { authorizeKey, limitBody, parseEnvelope, readJson, requestInput } from './request.ts'

export interface IngestDeps {
  store: Store
  sites: Sites
  now: () => number
  newId: () => string
  /** Identity secrets by site id (identity/verification.ts). */
  identitySecrets?: Readonly<Record<string, string>>
}

/**
 * Ingestion. Policy for a batch with invalid events: the valid ones are stored (in one transaction)
 * and the invalid ones are listed in `rejected`; one bad event never costs the good ones, and a
 * client must not retry a 200. A batch with no valid event is a 400.
 */
export const ingestRoutes = ({ store, sites, now, newId, identitySecrets = {} }: IngestDeps) => {
  const app = new Hono()
  app.use('*', limitBody(LIMITS.requestBytes))

  // One cache for the app's lifetime: the same few hundred user agents arrive again and again.
  const agents = createAgentParser()
  /** What every event of this request shares: site, times, how to enrich it. */
  const shared = (
    c: Context,
    { site, server }: ReturnType<typeof authorizeKey>,
    receivedAt: number,
    sentAt: string | undefined,
  ) => {
    const input = requestInput(c)
    return {
      site: site.id,
      receivedAt,
      sentAt,
      newId,
      server,
      enrich: requestEnricher(input, site.enrichment, agents),
      dropBots: site.enrichment.bots === 'drop',
      identitySecret: identitySecrets[site.id],
    }
  }

  const answer = async (c: Context, rows: StoredEvent[], rejected: Rejection[]) => {
    if (rows.length === 0) {
      // Thrown, not returned: every refusal passes onError, which counts it.
      const first = rejected[0]!
      throw new ApiError(first.code, first.message, first.path, {}, { rejected })
    }
    const { inserted, duplicates } = await store.insertEvents(rows)
    return c.json({ success: true, accepted: rows.length, inserted, duplicates, rejected })
  }

  const batch = async (c: Context) => {
    const receivedAt = now()
    const body = parseEnvelope(batchSchema, await readJson(c, { eventsChecked: true }))
    const key = authorizeKey(c, sites, body.writeKey, { server: true })
    // Imports (history from another system) come from servers only.
    if (c.req.path.endsWith('/import') && !key.server)
      throw new ApiError('server_key_required', "/v1/import takes the site's server key, not the write key")
    const rows: StoredEvent[] = []
    const rejected: Rejection[] = []
    const ctx = shared(c, key, receivedAt, body.sentAt)
    body.batch.forEach((input, index) => {
      const result = normalizeEvent(input, index, { ...ctx, pathPrefix: `batch[${index}]` })
      if ('row' in result) rows.push(result.row)
      else rejected.push(result.rejection)
    })
    return answer(c, rows, rejected)
  }
  // analytics.js (analytics-next) posts to one-letter paths: /b for batches, /t, /p, /s, /i, /g, /a
  // for single events. Serving them too lets it point at the collector with only an apiHost.
  app.post('/batch', batch)
  app.post('/import', batch)
  app.post('/b', batch)

  const single = (type: EventType) => async (c: Context) => {
    const receivedAt = now()
    const body = await readJson(c, { eventsChecked: true })
    const envelope = parseEnvelope(singleEnvelopeSchema, body)
    const key = authorizeKey(c, sites, envelope.writeKey, { server: true })
    const result = normalizeEvent(body, 0, { ...shared(c, key, receivedAt, envelope.sentAt), type })
    return 'row' in result ? answer(c, [result.row], []) : answer(c, [], [result.rejection])
  }
  for (const type of EVENT_TYPES) {
    app.post(`/${type}`, single(type))
    app.post(`/${type[0]}`, single(type))
  }
  return app
}
