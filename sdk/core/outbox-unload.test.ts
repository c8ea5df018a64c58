// Leaving the page: keepalive sends within the browser's budget, and the spill that keeps what the
// store had not finished writing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  eventName,
  eventNames,
  fakeTimersClock,
  outgoing,
  pendingTransport,
  setupOutbox,
} from '../../test/support/sdk-fakes.ts'
import { createOutbox, memoryOutboxStore, type OutboxRecord, type Spill, utf8Length } from './outbox.ts'
import type { Transport } from './types.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T10:00:00.000Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('unload', () => {
  it("starts requests synchronously for this page's events, within the keepalive room", () => {
    let room = 2600
    const batches: number[] = []
    const transport: Transport = {
      room: () => room,
      send: (events) => {
        const bytes = events.length * 1000
        batches.push(events.length)
        room -= bytes
        return new Promise(() => {}) // the page is gone: no answer
      },
    }
    const store = memoryOutboxStore()
    const outbox = createOutbox({
      store,
      transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      maxBatch: 100,
      requestBytes: 1400,
    })
    for (let i = 0; i < 6; i++) outbox.push(outgoing('E', { pad: 'x'.repeat(900) }))
    outbox.unload()
    // Each request carries one ~1 KB event (1,400 B per request); the room takes two.
    expect(batches).toEqual([1, 1])
    outbox.unload() // pagehide after visibilitychange: what is in flight is not sent twice
    expect(batches).toEqual([1, 1])
  })

  it('leaves what did not fit for the next page', async () => {
    const { transport, calls } = pendingTransport()
    const store = memoryOutboxStore()
    const outbox = createOutbox({
      store,
      transport: { ...transport, room: () => 1000 },
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      maxBatch: 100,
    })
    for (let i = 0; i < 30; i++) outbox.push(outgoing('E', { pad: 'x'.repeat(50) }))
    outbox.unload()
    await vi.advanceTimersByTimeAsync(0)
    const sent = calls.flatMap((c) => c.events).length
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThan(30)
    expect(store.data.size).toBe(30)
  })
})

describe('spill', () => {
  const memorySpill = () => {
    let saved: OutboxRecord[] = []
    const spill: Spill = {
      read: () => structuredClone(saved),
      write: (records) => {
        saved = structuredClone([...records])
      },
    }
    return { spill, saved: () => saved }
  }
  /** A store whose writes are still running when the page dies. */
  const stalledStore = () => ({ ...memoryOutboxStore(), put: () => new Promise<void>(() => {}) })

  it('keeps on unload what the store has not finished writing, and the next page sends it', async () => {
    const { spill, saved } = memorySpill()
    const { transport, calls } = pendingTransport()
    const leaving = createOutbox({
      store: stalledStore(),
      transport: { ...transport, room: () => 0 },
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      spill,
    })
    for (const n of ['a', 'b', 'c']) leaving.push(outgoing(n))
    await vi.advanceTimersByTimeAsync(0)
    leaving.unload()
    expect(calls).toHaveLength(0) // no keepalive room
    expect(saved().map((r) => eventName(r.event))).toEqual(['a', 'b', 'c'])

    const next = setupOutbox([], { spill })
    await next.outbox.flush()
    expect(next.batches.map(eventNames)).toEqual([['a', 'b', 'c']])
    expect(saved()).toEqual([])
    expect(next.store.data.size).toBe(0)
  })

  it('keeps nothing the store already holds, and takes back what it finished writing after hiding', async () => {
    const { spill, saved } = memorySpill()
    let finish = () => {}
    const store = memoryOutboxStore()
    const slowPut = store.put
    const { outbox } = setupOutbox([], {
      store: { ...store, put: (r) => new Promise<void>((done) => (finish = () => slowPut(r).then(done))) },
      spill,
      maxBatch: 100,
    })
    outbox.push(outgoing('written'))
    await vi.advanceTimersByTimeAsync(0)
    finish()
    await vi.advanceTimersByTimeAsync(0)
    outbox.push(outgoing('writing'))
    await vi.advanceTimersByTimeAsync(0)
    outbox.unload() // visibilitychange hidden, with no keepalive room
    expect(saved().map((r) => eventName(r.event))).toEqual(['writing'])
    finish()
    await vi.advanceTimersByTimeAsync(0)
    expect(saved()).toEqual([])
  })

  it('is bounded, keeping the oldest, and adds to what other pages left', () => {
    const { spill, saved } = memorySpill()
    spill.write([{ event: outgoing('earlier'), at: 0, bytes: 10 }])
    const outbox = createOutbox({
      store: stalledStore(),
      transport: { ...pendingTransport().transport, room: () => 0 },
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      spill,
      spillBytes: 2.5 * utf8Length(JSON.stringify(outgoing('1', { pad: 'x'.repeat(20) }))),
    })
    for (const n of ['1', '2', '3', '4']) outbox.push(outgoing(n, { pad: 'x'.repeat(20) }))
    outbox.unload()
    expect(saved().map((r) => eventName(r.event))).toEqual(['earlier', '1', '2'])
  })

  it.each([
    ['offline', { online: () => false }],
    ['before the site config', { ready: () => false }],
  ] as const)('keeps unwritten events %s, with nothing sent', async (_, when) => {
    const { spill, saved } = memorySpill()
    const { transport, calls } = pendingTransport()
    const leaving = createOutbox({
      store: stalledStore(),
      transport: { ...transport, room: () => 60_000, ...('ready' in when ? { ready: when.ready } : {}) },
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => true,
      ...('online' in when ? { online: when.online } : {}),
      spill,
    })
    for (const n of ['a', 'b']) leaving.push(outgoing(n))
    leaving.unload()
    expect(calls).toHaveLength(0)
    expect(saved().map((r) => eventName(r.event))).toEqual(['a', 'b'])
  })

  it('keeps nothing without consent', () => {
    const { spill, saved } = memorySpill()
    const outbox = createOutbox({
      store: stalledStore(),
      transport: pendingTransport().transport,
      clock: fakeTimersClock(),
      random: Math.random,
      enabled: () => false,
      spill,
    })
    outbox.push(outgoing('a'))
    outbox.unload()
    expect(saved()).toEqual([])
  })

  it('is removed on withdrawal', async () => {
    const { spill, saved } = memorySpill()
    const { outbox } = setupOutbox([], { store: stalledStore(), spill })
    outbox.push(outgoing('a'))
    outbox.unload()
    expect(saved()).toHaveLength(1)
    void outbox.clear()
    expect(saved()).toEqual([])
  })
})
