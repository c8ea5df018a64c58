// Segment's own Node library (@segment/analytics-node) against the real collector process: every
// call it makes is stored exactly once, with its type and ids, and re-sent messageIds are
// acknowledged as duplicates, not stored again. Node sends no Origin, so no consent stamp is needed.
import {
  type AliasParams,
  Analytics,
  type GroupParams,
  type HTTPFetchFn,
  type IdentifyParams,
  type PageParams,
  type TrackParams,
} from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ADMIN_TOKEN, type Collector, DEMO_SERVER_KEY, startCollector } from './support/collector-process.ts'

interface Params {
  track: TrackParams
  identify: IdentifyParams
  page: PageParams
  group: GroupParams
  alias: AliasParams
}
type Call = { [K in keyof Params]: { kind: K; params: Params[K] & { messageId: string } } }[keyof Params]

/**
 * `n` calls cycling through the five kinds, with messageIds `${prefix}-${i}`. The parameters
 * are also what the stored event must contain, under the same names, beside its type.
 */
const plan = (prefix: string, n: number): Call[] =>
  Array.from({ length: n }, (_, i): Call => {
    const messageId = `${prefix}-${i}`
    const userId = `user-${i % 17}`
    switch (i % 5) {
      case 0:
        return {
          kind: 'track',
          params: { messageId, userId, event: 'Order Completed', properties: { order: i } },
        }
      case 1:
        return { kind: 'identify', params: { messageId, userId, traits: { plan: i % 2 ? 'pro' : 'free' } } }
      case 2:
        return {
          kind: 'page',
          params: { messageId, anonymousId: `anon-${i}`, name: 'Pricing', category: 'Docs' },
        }
      case 3:
        return { kind: 'group', params: { messageId, userId, groupId: `org-${i % 7}`, traits: { seats: i } } }
      default:
        return { kind: 'alias', params: { messageId, userId: `user-new-${i}`, previousId: `anon-${i}` } }
    }
  })

const send = (analytics: Analytics, call: Call) => {
  if (call.kind === 'track') analytics.track(call.params)
  else if (call.kind === 'identify') analytics.identify(call.params)
  else if (call.kind === 'page') analytics.page(call.params)
  else if (call.kind === 'group') analytics.group(call.params)
  else analytics.alias(call.params)
}
const expected = (call: Call) => ({ type: call.kind, ...call.params })

// The collector's acknowledgement of one request: a Segment client only looks at the status,
// this test also checks what was inserted and what was recognised as a repeat.
const ackSchema = z.object({
  success: z.literal(true),
  accepted: z.number(),
  inserted: z.number(),
  duplicates: z.number(),
  rejected: z.array(z.unknown()).length(0),
})
const eventsSchema = z.object({
  total: z.number(),
  events: z.array(z.looseObject({ messageId: z.string(), type: z.string(), context: z.unknown() })),
})

/** One analytics-node client, its calls, closeAndFlush, and what the collector answered. */
const deliver = async (collector: Collector, calls: Call[], settings: { path?: string } = {}) => {
  const acks: z.infer<typeof ackSchema>[] = []
  const statuses: number[] = []
  // The library's own fetch, observed: the responses are read from a clone it never sees.
  const observed: HTTPFetchFn = async (url, init) => {
    const res = await fetch(url, init)
    statuses.push(res.status)
    if (res.ok) acks.push(ackSchema.parse(await res.clone().json()))
    return res
  }
  const analytics = new Analytics({
    // Server libraries send the server key (Basic user name), unmodified.
    writeKey: DEMO_SERVER_KEY,
    host: collector.url,
    path: settings.path ?? '/v1/batch',
    flushAt: 20,
    // No retries: every request must succeed the first time, or the counts below fail.
    maxRetries: 0,
    httpRequestTimeout: 5_000,
    httpClient: observed,
  })
  const errors: unknown[] = []
  analytics.on('error', (err) => errors.push(err))
  for (const call of calls) send(analytics, call)
  await analytics.closeAndFlush({ timeout: 8_000 })
  const sum = (key: 'accepted' | 'inserted' | 'duplicates') => acks.reduce((n, ack) => n + ack[key], 0)
  return {
    errors,
    statuses,
    accepted: sum('accepted'),
    inserted: sum('inserted'),
    duplicates: sum('duplicates'),
  }
}

const storedEvents = async (collector: Collector) => {
  const res = await fetch(`${collector.url}/admin/api/events?site=demo&limit=1000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status).toBe(200)
  return eventsSchema.parse(await res.json())
}

describe('Segment analytics-node 3.1 against the collector', () => {
  let collector: Collector
  beforeAll(async () => {
    collector = await startCollector()
  }, 15_000)
  afterAll(() => collector?.stop())

  const rowsOf = (prefix: string) => collector.rows().filter((r) => r.message_id.startsWith(`${prefix}-`))

  it('stores every call once, and re-sent messageIds only once more as duplicates', {
    timeout: 15_000,
  }, async () => {
    const first = plan('seg', 300)
    const run = await deliver(collector, first)
    expect(run.errors).toEqual([])
    expect(run.statuses).toEqual(Array(first.length / 20).fill(200))
    expect(run).toMatchObject({ accepted: 300, inserted: 300, duplicates: 0 })

    // The same library re-sending: the first 60 again, the first 10 a third time (so some
    // repeats share a request with their twin), and 20 new calls.
    const fresh = plan('fresh', 20)
    const again = await deliver(collector, [...first.slice(0, 60), ...first.slice(0, 10), ...fresh])
    expect(again.errors).toEqual([])
    expect(again).toMatchObject({ accepted: 90, inserted: 20, duplicates: 70 })

    const rows = rowsOf('seg')
    expect(rows).toHaveLength(300)
    expect(new Set(rows.map((r) => r.message_id)).size).toBe(300)
    expect(rowsOf('fresh')).toHaveLength(20)

    const { total, events } = await storedEvents(collector)
    expect(total).toBe(320)
    const byId = new Map(events.map((e) => [e.messageId, e]))
    for (const call of [...first, ...fresh]) {
      // Device ids are kept only as pseudonyms; user ids and previousIds are opened for the reader.
      const want: Record<string, unknown> = expected(call)
      const device = 'anonymousId' in call.params ? call.params.anonymousId : undefined
      if (device) want.anonymousId = await collector.pseudonym(device)
      expect(byId.get(call.params.messageId), call.params.messageId).toMatchObject(want)
    }
    // Accepted without a consent stamp (no Origin: a server has its own legal basis); context kept.
    expect(byId.get('seg-0')?.context).toMatchObject({ library: { name: '@segment/analytics-node' } })
    expect(byId.get('seg-0')?.context).not.toHaveProperty('consent')
  })

  it('delivers through the import path as well', { timeout: 15_000 }, async () => {
    // analytics-node always posts a batch envelope to host + path, so /v1/import (also a batch
    // endpoint) is the only other path it can use; the per-event routes (/v1/track...) cannot be.
    const calls = plan('imp', 5)
    const run = await deliver(collector, calls, { path: '/v1/import' })
    expect(run.errors).toEqual([])
    expect(run).toMatchObject({ accepted: 5, inserted: 5, duplicates: 0 })
    expect(rowsOf('imp').map((r) => [r.message_id, r.type])).toEqual(
      calls.map((c) => [c.params.messageId, c.kind]),
    )
  })
})
