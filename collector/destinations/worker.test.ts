// The worker on a real SQLite store, sending over real HTTP to a receiver on this machine, with an
// injected clock: consent routing, signatures, fields, batches, retries, dead letters, the circuit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../../test/support/receiver.ts'
import { parseConfig } from '../config/site-config.ts'
import { openSqliteStore } from '../store/sqlite/store.ts'
import type { Store, StoredEvent } from '../store/types.ts'
import { hashIdentifier } from './minimize.ts'
import { httpSend } from './send.ts'
import { verifyProblem } from './signature.ts'
import { createDeliveryWorker, deliverySites } from './worker.ts'

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`
const T0 = Date.UTC(2026, 11, 7, 12)
const ALL = { categoryPreferences: { analytics: true, personalization: true, marketing: true } }
const ANALYTICS = { categoryPreferences: { analytics: true, personalization: false, marketing: false } }

let n = 0
const event = (name: string, consent: object | undefined, properties: object = {}): StoredEvent => {
  const messageId = `m${String(++n).padStart(4, '0')}`
  return {
    site: 'shop',
    messageId,
    type: 'track',
    name,
    userId: null,
    anonymousId: 'a1',
    timestamp: T0 + n,
    receivedAt: T0 + n,
    payload: JSON.stringify({ properties, context: consent ? { consent } : {} }),
  }
}

let store: Store
let receiver: Receiver
let clock: number
const lines: string[] = []

const setup = async (destinations: object[], allowPrivate = true) => {
  const config = parseConfig({ sites: [{ id: 'shop', writeKey: 'wk-shop-123', destinations }] })
  await store.setDeliverySites(deliverySites(config, () => 0))
  return createDeliveryWorker({
    store,
    sites: () => config,
    versionOf: () => 0,
    send: httpSend({ allowPrivate, timeoutMs: 2_000 }),
    now: () => clock,
    random: () => 0.5,
    log: (line) => lines.push(line),
  })
}

const hook = (extra: object = {}) => ({
  key: 'crm',
  kind: 'webhook',
  url: `${receiver.url}/hook`,
  secret: SECRET,
  ...extra,
})
const bodies = () => receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>)

beforeEach(async () => {
  store = openSqliteStore(':memory:')
  receiver = await startReceiver()
  clock = T0
  lines.length = 0
})
afterEach(async () => {
  await receiver.close()
  await store.close()
})

describe('delivery worker', () => {
  it('forwards exactly what consent allows: analytics, marketing, GPC, no stamp', async () => {
    const worker = await setup([
      hook({ key: 'stats', purposes: ['analytics'] }),
      hook({ key: 'ads', purposes: ['analytics', 'marketing'], url: `${receiver.url}/ads` }),
    ])
    const analyticsOnly = event('A', ANALYTICS)
    const everything = event('B', ALL)
    const gpc = event('C', { ...ALL, gpc: true })
    const server = event('D', undefined)
    await store.insertEvents([analyticsOnly, everything, gpc, server])
    await worker.drain()
    const sent = receiver.received.map((r) => `${r.path} ${JSON.parse(r.body).event}`).sort()
    expect(sent).toEqual(['/ads B', '/hook A', '/hook B', '/hook C'])
    expect(await store.deliveryCounts('shop')).toEqual([
      { destination: 'ads', pending: 0, delivered: 1, dead: 0 },
      { destination: 'stats', pending: 0, delivered: 3, dead: 0 },
    ])
  })

  it('signs per Standard Webhooks, sends only the listed fields, hashes identifiers, keeps the id', async () => {
    const worker = await setup([
      hook({
        fields: ['event', 'properties.sku', 'properties.email'],
        hash: ['properties.email'],
        where: { event: 'Order Completed' },
      }),
    ])
    await store.insertEvents([
      event('Order Completed', ANALYTICS, { sku: 'X1', email: ' Ann@Example.com ', card: '4111' }),
      event('Page Seen', ANALYTICS),
    ])
    await worker.drain()
    expect(receiver.received).toHaveLength(1)
    const [r] = receiver.received
    expect(verifyProblem(SECRET, r!.headers as Record<string, string>, r!.body, clock)).toBeUndefined()
    expect(r!.headers['idempotency-key']).toBe(r!.headers['webhook-id'])
    expect(JSON.parse(r!.body)).toEqual({
      type: 'track',
      messageId: expect.any(String),
      timestamp: expect.any(String),
      event: 'Order Completed',
      properties: { sku: 'X1', email: hashIdentifier('ann@example.com') },
    })
  })

  it('batches up to `batch` events a request, and a retry carries the same id', async () => {
    const worker = await setup([hook({ batch: 3, concurrency: 1 })])
    await store.insertEvents(Array.from({ length: 7 }, (_, i) => event(`E${i}`, ANALYTICS)))
    receiver.answer({ status: 503 })
    await worker.drain()
    // The first request failed; the two others went.
    expect(bodies().map((b) => (b.batch as unknown[]).length)).toEqual([3, 3, 1])
    clock += 60_000
    await worker.drain()
    expect(receiver.received).toHaveLength(4)
    expect(receiver.received[3]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id'])
    expect(await store.deliveryCounts('shop')).toEqual([
      { destination: 'crm', pending: 0, delivered: 7, dead: 0 },
    ])
  })

  it('waits out Retry-After, keeps a refusal as a dead letter, and a replay delivers it', async () => {
    const worker = await setup([hook({ concurrency: 1 })])
    await store.insertEvents([event('A', ANALYTICS)])
    receiver.answer({ status: 429, headers: { 'retry-after': '120' } })
    await worker.drain()
    clock += 119_000
    await worker.drain()
    expect(receiver.received).toHaveLength(1)
    clock += 1_000
    receiver.answer({ status: 400 })
    await worker.drain()
    expect(receiver.received).toHaveLength(2)
    const [dead] = await store.listDeliveries('shop', { status: 'dead', limit: 10 })
    expect(dead).toMatchObject({ attempts: 2, lastError: 'HTTP 400 Bad Request' })
    expect(await store.replayDeliveries('shop', 'crm', clock)).toBe(1)
    await worker.drain()
    expect(receiver.received).toHaveLength(3)
    expect(await store.deliveryCounts('shop')).toEqual([
      { destination: 'crm', pending: 0, delivered: 1, dead: 0 },
    ])
  })

  it('opens the circuit after failures in a row and probes once after the cool-down', async () => {
    const worker = await setup([hook({ concurrency: 1 })])
    receiver.always({ status: 500 })
    await store.insertEvents(Array.from({ length: 8 }, (_, i) => event(`E${i}`, ANALYTICS)))
    await worker.drain()
    // Five failures open it; the other three wait without a request.
    expect(receiver.received).toHaveLength(5)
    clock += 29_000
    await worker.drain()
    expect(receiver.received).toHaveLength(5)
    clock += 1_000
    receiver.always({ status: 200 })
    await worker.drain()
    // The probe (due: the backoff of a first failure is at most a second) and then the rest.
    expect(receiver.received.length).toBeGreaterThan(5)
    clock += 3_600_000
    await worker.drain()
    expect(await store.deliveryCounts('shop')).toEqual([
      { destination: 'crm', pending: 0, delivered: 8, dead: 0 },
    ])
  })

  it('keeps to a destination’s rate, whatever is due', async () => {
    const worker = await setup([hook({ concurrency: 1, ratePerSecond: 2 })])
    await store.insertEvents(Array.from({ length: 5 }, (_, i) => event(`E${i}`, ANALYTICS)))
    await worker.drain()
    expect(receiver.received).toHaveLength(1)
    clock += 499
    await worker.drain()
    expect(receiver.received).toHaveLength(1)
    clock += 1
    await worker.drain()
    expect(receiver.received).toHaveLength(2)
  })

  it('tries again after a reset and a timeout, and stops once acknowledged', async () => {
    const worker = await setup([hook({ concurrency: 1 })])
    await store.insertEvents([event('A', ANALYTICS)])
    receiver.answer({ status: 0, reset: true }, { status: 0, hang: true })
    await worker.drain()
    clock += 10_000
    await worker.drain()
    clock += 10_000
    await worker.drain()
    clock += 10_000
    await worker.drain()
    expect(receiver.received).toHaveLength(3)
    expect(await store.deliveryCounts('shop')).toEqual([
      { destination: 'crm', pending: 0, delivered: 1, dead: 0 },
    ])
  })

  it('refuses private addresses unless allowed, as a dead letter that names why', async () => {
    const worker = await setup([hook()], false)
    await store.insertEvents([event('A', ANALYTICS)])
    await worker.drain()
    expect(receiver.received).toHaveLength(0)
    const [dead] = await store.listDeliveries('shop', { status: 'dead', limit: 1 })
    expect(dead?.lastError).toMatch(/^refused: must be https/)
  })

  it('sends nothing of an event erased before its delivery', async () => {
    const worker = await setup([hook()])
    await store.insertEvents([event('A', ANALYTICS), event('B', ANALYTICS)])
    await worker.fanOut()
    await store.deleteEventsBefore('shop', T0 + n)
    await worker.drain()
    expect(bodies().map((b) => b.event)).toEqual(['B'])
  })

  it('speaks Segment’s HTTP API to a Segment-compatible endpoint', async () => {
    const worker = await setup([
      { key: 'seg', kind: 'segment', url: `${receiver.url}/v1/batch`, writeKey: 'seg-key', batch: 10 },
    ])
    await store.insertEvents([event('A', ANALYTICS), event('B', ANALYTICS)])
    await worker.drain()
    const [r] = receiver.received
    expect(r!.path).toBe('/v1/batch')
    expect(r!.headers.authorization).toBe(`Basic ${Buffer.from('seg-key:').toString('base64')}`)
    const body = JSON.parse(r!.body)
    expect(body.sentAt).toBe(new Date(clock).toISOString())
    expect(body.batch.map((e: { event: string; type: string }) => `${e.type} ${e.event}`)).toEqual([
      'track A',
      'track B',
    ])
  })
})
