import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueue } from './queue.ts'
import { fakeTimersClock, outgoing, recordingTransport } from './testing.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const setup = (script: Parameters<typeof recordingTransport>[0] = []) => {
  const rec = recordingTransport(script)
  const queue = createQueue({
    transport: rec.transport,
    clock: fakeTimersClock(),
    maxBatch: 3,
    flushInterval: 2000,
  })
  return { ...rec, queue }
}

describe('batching queue', () => {
  it('sends a full batch at once', () => {
    const { queue, batches } = setup()
    queue.push(outgoing('1'))
    queue.push(outgoing('2'))
    expect(batches).toHaveLength(0)
    queue.push(outgoing('3'))
    expect(batches.map((b) => b.map((e) => (e as { event: string }).event))).toEqual([['1', '2', '3']])
    expect(queue.pending).toBe(0)
  })

  it('sends a partial batch when the interval has passed since its first event', () => {
    const { queue, batches } = setup()
    queue.push(outgoing())
    vi.advanceTimersByTime(1000)
    queue.push(outgoing())
    vi.advanceTimersByTime(999)
    expect(batches).toHaveLength(0)
    vi.advanceTimersByTime(1)
    expect(batches[0]).toHaveLength(2)
  })

  it('sets no timer while nothing waits', () => {
    const { queue } = setup()
    expect(vi.getTimerCount()).toBe(0)
    queue.push(outgoing())
    expect(vi.getTimerCount()).toBe(1)
    void queue.flush()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('flush starts every batch synchronously, for page unload', () => {
    const { queue, batches } = setup()
    for (let i = 0; i < 7; i++) queue.push(outgoing())
    // Two full batches went at 3 and 6; one event waits.
    expect(batches).toHaveLength(2)
    void queue.flush()
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1])
  })

  it('puts a batch back when the send may be retried, and resends it on the next timer', async () => {
    const { queue, batches } = setup([{ ok: false, retry: true, status: 503 }, new TypeError('offline')])
    queue.push(outgoing('a'))
    await queue.flush()
    expect(queue.pending).toBe(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(queue.pending).toBe(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(queue.pending).toBe(0)
    // Same event, same messageId each time: the collector stores it once.
    expect(new Set(batches.flat().map((e) => e.messageId)).size).toBe(1)
    expect(batches).toHaveLength(3)
  })

  it('drops a batch the collector refused for good', async () => {
    const { queue, batches } = setup([{ ok: false, retry: false, status: 400 }])
    queue.push(outgoing())
    await queue.flush()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(queue.pending).toBe(0)
    expect(batches).toHaveLength(1)
  })

  it('clear forgets pending events and failed batches in flight', async () => {
    const { queue, batches } = setup([{ ok: false, retry: true, status: 503 }])
    queue.push(outgoing())
    const inFlight = queue.flush()
    queue.push(outgoing())
    queue.clear()
    await inFlight
    await vi.advanceTimersByTimeAsync(10_000)
    expect(queue.pending).toBe(0)
    expect(batches).toHaveLength(1)
  })

  it('holds at most maxPending events, dropping the oldest', () => {
    const rec = recordingTransport()
    const queue = createQueue({
      transport: rec.transport,
      clock: fakeTimersClock(),
      maxBatch: 100,
      maxPending: 5,
    })
    for (let i = 0; i < 8; i++) queue.push(outgoing(String(i)))
    void queue.flush()
    expect(rec.sent().map((e) => (e as { event: string }).event)).toEqual(['3', '4', '5', '6', '7'])
  })
})
