import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeTimersClock, memoryLeaseCell, outgoing, pendingTransport } from '../../test/support/sdk-fakes.ts'
import { leaseLock } from './lease.ts'
import { createOutbox, memoryOutboxStore } from './outbox.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T10:00:00.000Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('lease lock', () => {
  it('lets one tab in at a time and frees the lease when done', async () => {
    const { cell, current } = memoryLeaseCell()
    const a = leaseLock(cell, 'a', Date.now)
    const b = leaseLock(cell, 'b', Date.now)
    let release!: () => void
    const held = a(() => new Promise<string>((done) => (release = () => done('a ran'))))
    await vi.advanceTimersByTimeAsync(0)
    expect(current()?.owner).toBe('a')
    expect(await b(async () => 'b ran')).toBeUndefined()
    release()
    expect(await held).toBe('a ran')
    expect(current()).toBeUndefined()
    expect(await b(async () => 'b ran')).toBe('b ran')
  })

  it('is taken over once the lease of a tab that died has run out', async () => {
    const { cell } = memoryLeaseCell()
    const dead = leaseLock(cell, 'dead', Date.now, 30_000)
    void dead(() => new Promise(() => {})) // closed mid-send: never releases
    await vi.advanceTimersByTimeAsync(0)
    const b = leaseLock(cell, 'b', Date.now, 30_000)
    await vi.advanceTimersByTimeAsync(29_999)
    expect(await b(async () => 'b ran')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(await b(async () => 'b ran')).toBe('b ran')
  })

  it('runs alone when the shared store fails', async () => {
    const lock = leaseLock(() => Promise.reject(new Error('no IndexedDB')), 'a', Date.now)
    expect(await lock(async () => 'ran')).toBe('ran')
  })
})

describe('two tabs, one outbox', () => {
  it('never send the same event twice while they share the store', async () => {
    const store = memoryOutboxStore()
    const { cell } = memoryLeaseCell()
    const net = pendingTransport()
    const tab = (owner: string) =>
      createOutbox({
        store,
        transport: net.transport,
        clock: fakeTimersClock(),
        random: Math.random,
        enabled: () => true,
        lock: leaseLock(cell, owner, Date.now),
        maxBatch: 5,
      })
    const [a, b] = [tab('a'), tab('b')]
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 6; i++) a.push(outgoing(`a${round}.${i}`))
      for (let i = 0; i < 6; i++) b.push(outgoing(`b${round}.${i}`))
      await vi.advanceTimersByTimeAsync(500)
      // Answer every request in flight, slowly, while the other tab keeps trying.
      for (const call of net.calls.filter((c) => !('done' in c))) {
        Object.assign(call, { done: true })
        call.answer({ ok: true, retry: false, status: 200 })
        await vi.advanceTimersByTimeAsync(100)
      }
    }
    while (store.data.size > 0) {
      await vi.advanceTimersByTimeAsync(2000)
      for (const call of net.calls.filter((c) => !('done' in c))) {
        Object.assign(call, { done: true })
        call.answer({ ok: true, retry: false, status: 200 })
      }
    }
    const ids = net.calls.flatMap((c) => c.events.map((e) => e.messageId))
    expect(ids).toHaveLength(48)
    expect(new Set(ids).size).toBe(48)
  })
})
