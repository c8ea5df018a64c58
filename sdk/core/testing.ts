// Test doubles for the SDK's injected edges. Timers are vitest's fake timers behind the Clock seam.
import type { Clock, KeyValueStorage, OutgoingEvent, SendResult, Transport } from './types.ts'

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
export const outgoing = (name = 'E'): OutgoingEvent => ({
  type: 'track',
  event: name,
  anonymousId: 'a',
  messageId: `m${++n}`,
  timestamp: new Date(0).toISOString(),
  context: {},
})
