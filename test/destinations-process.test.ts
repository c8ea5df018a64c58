// Destinations through the running collector: configured with the admin API (the secret shown
// once, never again), fed by the public write key, delivered to a real receiver by consent, signed,
// minimized, each event once; a dead letter replayed. Hostile callers with the write key reach none
// of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyProblem } from '../collector/destinations/signature.ts'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'
import { type Receiver, startReceiver } from './support/receiver.ts'

let collector: Collector
let receiver: Receiver
let secret: string

const ANALYTICS = { categoryPreferences: { necessary: true, analytics: true, marketing: false } }
const MARKETING = { categoryPreferences: { necessary: true, analytics: true, marketing: true } }

const admin = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
  const res = await fetch(`${collector.url}/admin/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
      'content-type': 'application/json',
      ...(init.method && init.method !== 'GET' ? { 'if-match': '*' } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  return { status: res.status, text: await res.text() }
}
const json = (r: { text: string }) => JSON.parse(r.text)

const send = async (
  events: { event: string; messageId: string; consent: object; sku?: string; anonymousId?: string }[],
  headers: Record<string, string> = {},
) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      batch: events.map((e) => ({
        type: 'track',
        event: e.event,
        anonymousId: e.anonymousId ?? 'visitor-1',
        messageId: e.messageId,
        properties: { sku: e.sku ?? 'S1', note: 'stays home' },
        context: { consent: e.consent },
      })),
    }),
  })
  expect(res.status).toBe(200)
}

/** Polls an admin read until `done` holds: a settlement is written just after the receiver answered. */
const settled = async <T>(path: string, done: (body: T) => boolean): Promise<T> => {
  for (;;) {
    const body = json(await admin(path)) as T
    if (done(body)) return body
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Requests that reached `path`, as events (a webhook of batch 1 carries one). */
const arrived = (path: string) =>
  receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Record<string, unknown>)

beforeAll(async () => {
  receiver = await startReceiver()
  collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '50' },
  })
})
afterAll(async () => {
  await collector?.stop()
  await receiver?.close()
})

// Deliveries are waited for, never timed: the limit only ends a run that would hang.
describe('destinations through the running collector', { timeout: 60_000 }, () => {
  it('makes a webhook with a secret shown once and never again', async () => {
    const created = await admin('/destinations?site=demo', {
      method: 'POST',
      body: {
        key: 'crm',
        config: { kind: 'webhook', url: `${receiver.url}/crm`, fields: ['event', 'properties.sku'] },
      },
    })
    expect(created.status).toBe(201)
    secret = json(created).secret
    expect(secret).toMatch(/^whsec_/)
    expect(json(created).config).toEqual({
      key: 'crm',
      kind: 'webhook',
      url: `${receiver.url}/crm`,
      fields: ['event', 'properties.sku'],
      hasSecret: true,
    })
    const ads = await admin('/destinations?site=demo', {
      method: 'POST',
      body: {
        key: 'ads',
        config: {
          kind: 'segment',
          url: `${receiver.url}/v1/batch`,
          writeKey: 'ads-key-1',
          purposes: ['marketing'],
        },
      },
    })
    expect(ads.status).toBe(201)
    const reads = [
      await admin('/destinations?site=demo'),
      await admin('/destinations/crm?site=demo'),
      await admin('/destinations/crm/versions?site=demo'),
      await admin('/sites/demo/versions'),
    ]
    for (const r of reads) {
      expect(r.status).toBe(200)
      expect(r.text).not.toContain(secret.slice(6))
      expect(r.text).not.toContain('ads-key-1')
    }
    // A change that leaves the secret out keeps it.
    const renamed = await admin('/destinations/crm?site=demo', { method: 'PATCH', body: { name: 'The CRM' } })
    expect(renamed.status).toBe(200)
    expect(json(renamed).config).toMatchObject({ name: 'The CRM', hasSecret: true })
  })

  it('refuses the public write key and malformed destinations with a stable code', async () => {
    for (const [path, method] of [
      ['/destinations?site=demo', 'GET'],
      ['/destinations?site=demo', 'POST'],
      ['/destinations/crm/deliveries?site=demo', 'GET'],
      ['/destinations/crm/replay?site=demo', 'POST'],
    ] as const) {
      const r = await admin(path, { method, token: DEMO_WRITE_KEY, body: method === 'POST' ? {} : undefined })
      expect([r.status, json(r).error.code]).toEqual([401, 'unauthorized'])
    }
    const bad = await admin('/destinations?site=demo', {
      method: 'POST',
      body: { key: 'bad', config: { kind: 'webhook', url: 'ftp://x.example', secret: 'nope' } },
    })
    expect(bad.status).toBe(400)
    expect(json(bad).error.code).toBe('invalid_config')
    expect((await admin('/destinations/nope/deliveries?site=demo')).status).toBe(404)
  })

  it('delivers each event once, where its consent allows, signed and minimized', async () => {
    await send([
      { event: 'Viewed', messageId: 'd-1', consent: ANALYTICS },
      { event: 'Bought', messageId: 'd-2', consent: MARKETING, sku: 'S2' },
    ])
    // A repeat of the same events is acknowledged and sends nothing again.
    await send([{ event: 'Viewed', messageId: 'd-1', consent: ANALYTICS }])
    // Global Privacy Control (the header): never to a marketing destination, whatever the stamp says.
    await send([{ event: 'Bought under GPC', messageId: 'd-gpc', consent: MARKETING }], { 'sec-gpc': '1' })
    await send([{ event: 'Marker', messageId: 'd-3', consent: ANALYTICS }])
    await receiver.until(() => arrived('/crm').length >= 4 && arrived('/v1/batch').length >= 1)
    // Two requests at once (concurrency 2): in any order.
    expect(
      arrived('/crm')
        .map((e) => e.event)
        .sort(),
    ).toEqual(['Bought', 'Bought under GPC', 'Marker', 'Viewed'])
    expect(arrived('/crm').find((e) => e.messageId === 'd-2')).toEqual({
      type: 'track',
      messageId: 'd-2',
      timestamp: expect.any(String),
      event: 'Bought',
      properties: { sku: 'S2' },
    })
    for (const r of receiver.received.filter((x) => x.path === '/crm'))
      expect(verifyProblem(secret, r.headers as Record<string, string>, r.body, Date.now())).toBeUndefined()
    const segment = arrived('/v1/batch')
    expect(segment.flatMap((b) => (b.batch as { event: string }[]).map((e) => e.event))).toEqual(['Bought'])
    const state = await settled<{ counts: { pending: number } }>(
      '/destinations/crm/deliveries?site=demo',
      (b) => b.counts.pending === 0,
    )
    expect(state.counts).toEqual({ pending: 0, delivered: 4, dead: 0 })
    expect(JSON.stringify(state)).not.toContain('stays home')
    // The person's export says where their events went.
    const exported = json(await admin('/profiles/visitor-1/export?site=demo'))
    const sent = (exported.deliveries as { destination: string; messageId: string; status: string }[])
      .map((d) => `${d.destination} ${d.messageId} ${d.status}`)
      .sort()
    expect(sent).toEqual([
      'ads d-2 delivered',
      'crm d-1 delivered',
      'crm d-2 delivered',
      'crm d-3 delivered',
      'crm d-gpc delivered',
    ])
  })

  it('tells every destination that received an erased person’s events, with hashes only', async () => {
    const before = receiver.received.length
    const erased = await admin('/profiles/visitor-1?site=demo', { method: 'DELETE' })
    expect(erased.status).toBe(200)
    await receiver.until(
      () =>
        arrived('/crm').some((e) => e.event === 'Person Erased') &&
        arrived('/v1/batch').some((b) =>
          (b.batch as { event: string }[]).some((e) => e.event === 'Person Erased'),
        ),
    )
    const notice = arrived('/crm').find((e) => e.event === 'Person Erased')!
    // Whole, whatever the destination's field list says: only hashes of identifiers.
    expect(notice.properties).toEqual({
      identifiers: [{ type: 'anonymousId', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    })
    const sinceErasure = receiver.received
      .slice(before)
      .map((r) => r.body)
      .join('\n')
    expect(sinceErasure).not.toContain('visitor-1')
    expect(sinceErasure).not.toContain('Viewed')
  })

  it('keeps a refused delivery as a dead letter and replays it on request', async () => {
    receiver.answer({ status: 410 })
    // Another visitor: visitor-1 was erased, and what carries their id is no longer stored.
    await send([{ event: 'Refused', messageId: 'd-4', consent: ANALYTICS, anonymousId: 'visitor-2' }])
    await receiver.until(() => arrived('/crm').some((e) => e.event === 'Refused'))
    const dead = await settled<{ deliveries: { messageId: string; lastError: string }[] }>(
      '/destinations/crm/deliveries?site=demo&status=dead',
      (b) => b.deliveries.length > 0,
    )
    expect(dead.deliveries).toEqual([
      expect.objectContaining({ messageId: 'd-4', lastError: 'HTTP 410 Gone' }),
    ])
    const replay = await admin('/destinations/crm/replay?site=demo', {
      method: 'POST',
      body: { messageIds: ['d-4'] },
    })
    expect(json(replay)).toEqual({ site: 'demo', destination: 'crm', replayed: 1 })
    await receiver.until(() => arrived('/crm').filter((e) => e.event === 'Refused').length === 2)
  })

  it('a deleted destination takes its waiting deliveries along: one made again under its key starts empty', async () => {
    // The receiver is busy for an hour at /slow: the delivery waits, pending.
    receiver.respondWith((r) =>
      r.path === '/slow' ? { status: 503, headers: { 'retry-after': '3600' } } : undefined,
    )
    const slow = { kind: 'webhook', url: `${receiver.url}/slow` }
    expect(
      (await admin('/destinations?site=demo', { method: 'POST', body: { key: 'slow', config: slow } }))
        .status,
    ).toBe(201)
    await send([{ event: 'Waits', messageId: 'w-1', consent: ANALYTICS, anonymousId: 'visitor-3' }])
    await settled<{ counts: { pending: number }; deliveries: { attempts: number }[] }>(
      '/destinations/slow/deliveries?site=demo',
      (b) => b.counts.pending === 1 && b.deliveries[0]!.attempts === 1,
    )
    expect((await admin('/destinations/slow?site=demo', { method: 'DELETE' })).status).toBe(200)
    expect(
      (await admin('/destinations?site=demo', { method: 'POST', body: { key: 'slow', config: slow } }))
        .status,
    ).toBe(201)
    const again = json(await admin('/destinations/slow/deliveries?site=demo'))
    expect(again.counts).toEqual({ pending: 0, delivered: 0, dead: 0 })
  })
})
