// Test doubles for the SDK's injected edges. Timers are vitest's fake timers behind the Clock seam.
import type { Lease, LeaseCell } from '../../sdk/core/lease.ts'
import { createOutbox, memoryOutboxStore, type OutboxOptions } from '../../sdk/core/outbox.ts'
import type { Clock, KeyValueStorage, OutgoingEvent, SendResult, Transport } from '../../sdk/core/types.ts'

export const fakeTimersClock = (): Clock => ({
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
})

export const memoryStorage = (): KeyValueStorage & { data: Map<string, string> } => {
  const data = new Map<string, string>()
  return {
    data,
    get: (key) => data.get(key) ?? null,
    set: (key, value) => void data.set(key, value),
    remove: (key) => void data.delete(key),
  }
}

/** Records every batch; answers with the next scripted result, then with success. */
export const recordingTransport = (script: (SendResult | Error)[] = []) => {
  const batches: OutgoingEvent[][] = []
  const transport: Transport = {
    send: async (events) => {
      batches.push([...events])
      const next = script.shift() ?? { ok: true, retry: false, status: 200 }
      if (next instanceof Error) throw next
      return next
    },
  }
  return { transport, batches, sent: () => batches.flat() }
}

let n = 0
export const outgoing = (name = 'E', properties?: Record<string, unknown>): OutgoingEvent => ({
  type: 'track',
  event: name,
  ...(properties ? { properties } : {}),
  anonymousId: 'a',
  messageId: `m${++n}`,
  timestamp: new Date(0).toISOString(),
  context: {},
})

/** A lease cell in memory that both "tabs" of a test share, like one IndexedDB record. */
export const memoryLeaseCell = () => {
  let value: Lease | undefined
  const cell: LeaseCell = async (change) => {
    value = change(value)
    return value
  }
  return { cell, current: () => value }
}

/** A transport whose answers the test releases one by one (a request in flight). */
export const pendingTransport = () => {
  const calls: { events: OutgoingEvent[]; answer: (r: SendResult) => void }[] = []
  const transport: Transport = {
    send: (events) => new Promise((answer) => calls.push({ events: [...events], answer })),
  }
  return { transport, calls }
}

/** The event names of track events (tests read them often). */
export const eventName = (e: OutgoingEvent) => (e as { event?: string }).event

export const eventNames = (events: readonly OutgoingEvent[]) => events.map(eventName)

/** An outbox on a recording transport and a memory store: batches of 3, flushed after 2 s. */
export const setupOutbox = (
  script: Parameters<typeof recordingTransport>[0] = [],
  options: Partial<OutboxOptions> = {},
) => {
  const rec = recordingTransport(script)
  const store = memoryOutboxStore()
  const outbox = createOutbox({
    store,
    transport: rec.transport,
    clock: fakeTimersClock(),
    random: () => 0.5,
    enabled: () => true,
    maxBatch: 3,
    flushInterval: 2000,
    ...options,
  })
  return { ...rec, store, outbox }
}
