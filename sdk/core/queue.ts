import type { Clock, OutgoingEvent, Transport } from './types.ts'

export interface QueueOptions {
  transport: Transport
  clock: Clock
  /** Flush as soon as this many events wait. */
  maxBatch?: number
  /** Flush this long after the first event of a batch arrived, in ms. */
  flushInterval?: number
  /** Most events held while the collector cannot be reached; the oldest go first. */
  maxPending?: number
}

export interface Queue {
  push(event: OutgoingEvent): void
  /**
   * Sends everything pending, in batches, starting every request before returning (so it works in
   * a pagehide handler). Resolves when all requests have settled.
   */
  flush(): Promise<void>
  /** Forgets every pending event (consent withdrawn). */
  clear(): void
  readonly pending: number
}

/**
 * An in-memory batching queue. Batches that fail in a retryable way go back to the head of the
 * queue and wait for the next timer. (A durable outbox with backoff replaces the array and the
 * retry policy without changing this interface.)
 */
export const createQueue = ({
  transport,
  clock,
  maxBatch = 20,
  flushInterval = 2000,
  maxPending = 1000,
}: QueueOptions): Queue => {
  let pending: OutgoingEvent[] = []
  let timer: unknown
  let generation = 0

  const schedule = () => {
    if (timer === undefined && pending.length > 0) timer = clock.setTimeout(flush, flushInterval)
  }

  const requeue = (batch: OutgoingEvent[], sentIn: number) => {
    if (sentIn !== generation) return // cleared meanwhile: the events must not come back
    pending = batch.concat(pending).slice(-maxPending)
    schedule()
  }

  const sendBatch = (batch: OutgoingEvent[]) => {
    const sentIn = generation
    return transport.send(batch).then(
      (result) => {
        if (!result.ok && result.retry) requeue(batch, sentIn)
      },
      () => requeue(batch, sentIn),
    )
  }

  function flush(): Promise<void> {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
    const sends: Promise<void>[] = []
    while (pending.length > 0) sends.push(sendBatch(pending.splice(0, maxBatch)))
    return Promise.all(sends).then(() => undefined)
  }

  return {
    push(event) {
      pending.push(event)
      if (pending.length > maxPending) pending.shift()
      if (pending.length >= maxBatch) void flush()
      else schedule()
    },
    flush,
    clear() {
      generation++
      pending = []
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
    get pending() {
      return pending.length
    },
  }
}
