import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  eventName,
  eventNames,
  fakeTimersClock,
  outgoing,
  pendingTransport,
  recordingTransport,
  setupOutbox,
} from '../../test/support/sdk-fakes.ts'
import { createOutbox, type Lock, memoryOutboxStore, utf8Length } from './outbox.ts'
import type { SendResult } from './types.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T10:00:00.000Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('batching', () => {
  it('sends once maxBatch events wait', async () => {
    const { outbox, batches } = setupOutbox()
    outbox.push(outgoing('1'))
    outbox.push(outgoing('2'))
    await vi.advanceTimersByTimeAsync(0)
    expect(batches).toHaveLength(0)
    outbox.push(outgoing('3'))
    await vi.advanceTimersByTimeAsync(0)
    expect(batches.map(eventNames)).toEqual([['1', '2', '3']])
  })

  it('sends a partial batch flushInterval after its first event, and sets no timer while idle', async () => {
    const { outbox, batches } = setupOutbox()
    expect(vi.getTimerCount()).toBe(0)
    outbox.push(outgoing())
    await vi.advanceTimersByTimeAsync(1999)
    expect(batches).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(batches[0]).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('splits a backlog into requests bounded by count and bytes, oldest first', async () => {
    const { outbox, batches } = setupOutbox([], { maxBatch: 1000, requestEvents: 4, requestBytes: 2000 })
    const big = (name: string) => outgoing(name, { pad: 'x'.repeat(500) })
    for (const n of ['a', 'b', 'c', 'd', 'e']) outbox.push(outgoing(n))
    for (const n of ['B1', 'B2', 'B3', 'B4']) outbox.push(big(n))
    await outbox.flush()
    expect(batches.map(eventNames)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'B1', 'B2'],
      ['B3', 'B4'],
    ])
  })
})

describe('durability', () => {
  it('stores an event before sending and removes it only when acknowledged', async () => {
    const { transport, calls } = pendingTransport()
    const store = memoryOutboxStore()
    const outbox = createOutbox({
      store,
      transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
    })
    outbox.push(outgoing('kept'))
    await vi.advanceTimersByTimeAsync(0)
    expect([...store.data.values()].map((r) => eventName(r.event))).toEqual(['kept'])
    const flushed = outbox.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    expect(store.data.size).toBe(1) // in flight, not yet acknowledged
    calls[0]!.answer({ ok: true, retry: false, status: 200 })
    await flushed
    expect(store.data.size).toBe(0)
    expect(outbox.stats()).toMatchObject({ queued: 0, sent: 1 })
  })

  it('sends what an earlier page left in the store', async () => {
    const first = setupOutbox()
    first.outbox.push(outgoing('left behind'))
    await vi.advanceTimersByTimeAsync(0)
    const rec = recordingTransport()
    const next = createOutbox({
      store: first.store,
      transport: rec.transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
    })
    await next.flush()
    expect(eventNames(rec.sent())).toEqual(['left behind'])
    expect(first.store.data.size).toBe(0)
  })

  it('touches neither store nor network while disabled (no analytics consent)', async () => {
    const store = memoryOutboxStore()
    const spy = vi.spyOn(store, 'all')
    const rec = recordingTransport()
    await store.put([{ event: outgoing('old'), at: Date.now(), bytes: 10 }])
    const outbox = createOutbox({
      store,
      transport: rec.transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => false,
    })
    await outbox.flush()
    outbox.unload()
    expect(spy).not.toHaveBeenCalled()
    expect(rec.batches).toHaveLength(0)
  })
})

describe('retries', () => {
  const fail = (status: number, retryAfter?: number): SendResult => ({
    ok: false,
    retry: true,
    status,
    retryAfter,
  })

  it('backs off exponentially with jitter, then delivers once', async () => {
    const random = vi.fn(() => 0.5)
    const { outbox, batches, store } = setupOutbox([fail(503), fail(503), new TypeError('network')], {
      random,
    })
    outbox.push(outgoing('x'))
    await outbox.flush()
    // Attempt n waits base·2^n / 2 + random·base·2^n / 2: 1.5 s, 3 s, 6 s with random = 0.5.
    for (const wait of [1500, 3000, 6000]) {
      const before = batches.length
      await vi.advanceTimersByTimeAsync(wait - 1)
      expect(batches).toHaveLength(before)
      await vi.advanceTimersByTimeAsync(1)
      expect(batches).toHaveLength(before + 1)
    }
    expect(store.data.size).toBe(0)
    expect(new Set(batches.flat().map((e) => e.messageId)).size).toBe(1)
    expect(random).toHaveBeenCalledTimes(3)
  })

  it('jitter spreads retries between half and all of the ceiling', async () => {
    const delays: number[] = []
    for (const r of [0, 0.999]) {
      const { outbox, batches } = setupOutbox([fail(503)], { random: () => r })
      outbox.push(outgoing())
      await outbox.flush()
      const start = Date.now()
      while (batches.length < 2) await vi.advanceTimersByTimeAsync(10)
      delays.push(Date.now() - start)
    }
    expect(delays[0]).toBeGreaterThanOrEqual(1000)
    expect(delays[0]).toBeLessThan(1020)
    expect(delays[1]).toBeGreaterThanOrEqual(1990)
  })

  it("honours the server's Retry-After on 429 and 503", async () => {
    const { outbox, batches } = setupOutbox([fail(429, 30_000)])
    outbox.push(outgoing())
    await outbox.flush()
    await vi.advanceTimersByTimeAsync(29_999)
    expect(batches).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(batches).toHaveLength(2)
  })

  it('waits out the backoff even when new events fill a batch', async () => {
    const { outbox, batches } = setupOutbox([fail(503, 10_000)])
    outbox.push(outgoing())
    await outbox.flush()
    for (let i = 0; i < 5; i++) outbox.push(outgoing())
    await vi.advanceTimersByTimeAsync(9_000)
    expect(batches).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(batches.flat()).toHaveLength(7)
  })

  it('keeps its retry when a drain in between finds the lock taken by another tab', async () => {
    let calls = 0
    const busyOnce: Lock = async (fn) => (++calls === 2 ? undefined : fn())
    const { outbox, batches } = setupOutbox([fail(503, 10_000)], { lock: busyOnce })
    outbox.push(outgoing())
    await outbox.flush()
    await outbox.flush() // the other tab holds the lock
    await vi.advanceTimersByTimeAsync(9_999)
    expect(batches).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(batches).toHaveLength(2)
  })

  it('tries again when another tab held the lock, for what earlier pages left', async () => {
    let busy = true
    const lock: Lock = async (fn) => (busy ? undefined : fn())
    const store = memoryOutboxStore()
    await store.put([{ event: outgoing('left'), at: Date.now(), bytes: 10 }])
    const rec = recordingTransport()
    const outbox = createOutbox({
      store,
      transport: rec.transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      lock,
    })
    await outbox.flush()
    expect(rec.batches).toHaveLength(0)
    busy = false
    await vi.advanceTimersByTimeAsync(2000)
    expect(eventNames(rec.sent())).toEqual(['left'])
  })

  it('drops and counts a batch refused with a 4xx other than 408 and 429, and logs the code', async () => {
    const log = vi.fn()
    const { outbox, batches, store } = setupOutbox(
      [{ ok: false, retry: false, status: 400, code: 'invalid_body' }],
      { log },
    )
    outbox.push(outgoing())
    outbox.push(outgoing())
    await outbox.flush()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(batches).toHaveLength(1)
    expect(store.data.size).toBe(0)
    expect(outbox.stats().dropped.rejected).toBe(2)
    expect(log).toHaveBeenCalledWith(expect.stringContaining('invalid_body'))
  })

  it('counts events the collector refused one by one in an accepted batch', async () => {
    const { outbox } = setupOutbox([{ ok: true, retry: false, status: 200, rejected: 1 }])
    outbox.push(outgoing())
    outbox.push(outgoing())
    await outbox.flush()
    expect(outbox.stats()).toMatchObject({ sent: 1, dropped: { rejected: 1 } })
  })

  it('goes quiet offline and sends at once when the network is back', async () => {
    let online = false
    const { outbox, batches } = setupOutbox([], { online: () => online })
    for (let i = 0; i < 5; i++) outbox.push(outgoing())
    await vi.advanceTimersByTimeAsync(60_000)
    outbox.unload()
    expect(batches).toHaveLength(0)
    online = true
    outbox.wake()
    await vi.advanceTimersByTimeAsync(0)
    expect(batches.flat()).toHaveLength(5)
  })
})

describe('bounds', () => {
  it('drops events older than the TTL and counts them', async () => {
    const { outbox, sent, store } = setupOutbox([], { ttl: 60_000, online: () => false })
    outbox.push(outgoing('old'))
    await vi.advanceTimersByTimeAsync(30_000)
    outbox.push(outgoing('young'))
    await vi.advanceTimersByTimeAsync(30_001)
    await outbox.flush()
    expect([...store.data.values()].map((r) => eventName(r.event))).toEqual(['young'])
    expect(outbox.stats().dropped.expired).toBe(1)
    expect(sent()).toEqual([])
  })

  it('keeps at most maxEvents, dropping the oldest first', async () => {
    const { outbox, sent } = setupOutbox([], { maxEvents: 3, maxBatch: 100 })
    for (const n of ['1', '2', '3', '4', '5']) outbox.push(outgoing(n))
    await outbox.flush()
    expect(eventNames(sent())).toEqual(['3', '4', '5'])
    expect(outbox.stats().dropped.overflow).toBe(2)
  })

  it('keeps at most maxBytes', async () => {
    const size = utf8Length(JSON.stringify(outgoing('1')))
    const { outbox, sent } = setupOutbox([], { maxBytes: size * 2 + 1, maxBatch: 100 })
    for (const n of ['1', '2', '3']) outbox.push(outgoing(n))
    await outbox.flush()
    expect(eventNames(sent())).toEqual(['2', '3'])
  })

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8Length('aé中😀')).toBe(1 + 2 + 3 + 4)
  })
})

describe('withdrawal', () => {
  it('clear deletes what waits and what fails in flight never comes back', async () => {
    const { transport, calls } = pendingTransport()
    const store = memoryOutboxStore()
    const outbox = createOutbox({
      store,
      transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
    })
    outbox.push(outgoing())
    const flushed = outbox.flush()
    await vi.advanceTimersByTimeAsync(0)
    outbox.push(outgoing())
    await outbox.clear()
    calls[0]!.answer({ ok: false, retry: true, status: 503 })
    await flushed
    await vi.advanceTimersByTimeAsync(600_000)
    expect(store.data.size).toBe(0)
    expect(calls).toHaveLength(1)
  })
})
