import { type RetryPolicy, retryDelay } from './retry.ts'
import type { Clock, OutgoingEvent, SendResult, Transport } from './types.ts'

/** One event waiting for the collector's acknowledgement; its key is the event's messageId. */
export interface OutboxRecord {
  event: OutgoingEvent
  /** When it entered the outbox (ms): orders sends and ages records out. */
  at: number
  /** UTF-8 bytes of the event as JSON, for the request and storage budgets. */
  bytes: number
}

/** Where records wait: IndexedDB in browsers (shared by the site's tabs), a Map elsewhere. */
export interface OutboxStore {
  put(records: readonly OutboxRecord[]): Promise<void>
  all(): Promise<OutboxRecord[]>
  remove(ids: readonly string[]): Promise<void>
  clear(): Promise<void>
}

/**
 * A synchronous store (localStorage in browsers) for the events a page leaves while their
 * IndexedDB write is still running: a page torn down aborts its unfinished transactions.
 */
export interface Spill {
  read(): OutboxRecord[]
  /** An empty list removes the spill. */
  write(records: readonly OutboxRecord[]): void
}

/** Runs fn unless another tab holds the lock; resolves undefined when it was not acquired. */
export type Lock = <T>(fn: () => Promise<T>) => Promise<T | undefined>

export interface OutboxOptions {
  store: OutboxStore
  transport: Transport
  clock: Clock
  /** A number in [0, 1): the jitter of retry delays. */
  random: () => number
  /** Only one tab sends at a time; default: no other tab to share with. */
  lock?: Lock
  /** Sending and touching the store need analytics consent. */
  enabled: () => boolean
  online?: () => boolean
  /** Send as soon as this many events of this page wait. */
  maxBatch?: number
  /** Otherwise send this long after the first waiting event (ms). */
  flushInterval?: number
  /** Bounds of the outbox; the oldest records are dropped first. */
  maxEvents?: number
  maxBytes?: number
  /** Records older than this (ms) are dropped. */
  ttl?: number
  /** Bounds of one request: below the 64 KB keepalive budget, so every request may outlive the page. */
  requestEvents?: number
  requestBytes?: number
  retry?: RetryPolicy
  /** Debug output (the collector's error codes); silent by default. */
  log?: (message: string) => void
  /** Tells the site's other tabs which events were delivered, so they do not send them on unload. */
  announce?: (ids: string[]) => void
  /** Where unload() keeps events not yet safely stored; the next drain moves them to the store. */
  spill?: Spill
  /** Bound of the spill (bytes of events); the oldest are kept. */
  spillBytes?: number
}

export interface OutboxStats {
  /** Events waiting, as far as this page knows. */
  queued: number
  sent: number
  dropped: { overflow: number; expired: number; rejected: number }
}

export interface Outbox {
  push(event: OutgoingEvent): void
  /** Sends what waits now, regardless of timers and backoff. */
  flush(): Promise<void>
  /** Page is going away: starts keepalive requests for this page's events within the browser's budget. */
  unload(): void
  /** The network is back: forget the backoff and send. */
  wake(): void
  /** Another tab delivered these. */
  forget(ids: readonly string[]): void
  /** Consent withdrawn: everything waiting is deleted and nothing more is sent. */
  clear(): Promise<void>
  stats(): OutboxStats
}

const DAY = 86_400_000
/** Room for `{"batch":[...],"sentAt":...,"writeKey":...}` around the events. */
const ENVELOPE_BYTES = 200

export const utf8Length = (s: string) => {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A surrogate pair is 2 units and 4 bytes; other units above 0x7f take 2 or 3 bytes.
    if (c > 0x7f) n += c > 0x7ff && (c < 0xd800 || c > 0xdfff) ? 2 : 1
  }
  return n
}

const byAge = (a: OutboxRecord, b: OutboxRecord) => a.at - b.at

/** Splits records into requests of at most `events` events and `bytes` bytes (one record at least). */
export const chunk = (records: readonly OutboxRecord[], events: number, bytes: number) => {
  const out: OutboxRecord[][] = []
  let size = 0
  for (const r of records) {
    const last = out[out.length - 1]
    if (!last || last.length >= events || size + r.bytes + 1 > bytes - ENVELOPE_BYTES) {
      out.push([r])
      size = r.bytes
    } else {
      last.push(r)
      size += r.bytes + 1
    }
  }
  return out
}

const bytesOf = (batch: readonly OutboxRecord[]) =>
  batch.reduce((sum, r) => sum + r.bytes + 1, ENVELOPE_BYTES)

/**
 * A durable outbox: every event is stored before it is sent and removed only when the collector
 * has acknowledged it (or refused it for good). One tab at a time sends, under a lock; failures
 * back off exponentially with jitter; nothing is sent offline. The collector deduplicates on
 * messageId, so a send whose answer was lost can safely happen again.
 */
export const createOutbox = (o: OutboxOptions): Outbox => {
  const { store, transport, clock } = o
  const lock: Lock = o.lock ?? ((fn) => fn())
  const online = o.online ?? (() => true)
  const log = o.log ?? (() => {})
  const maxBatch = o.maxBatch ?? 20
  const flushInterval = o.flushInterval ?? 2000
  const requestEvents = o.requestEvents ?? 100
  const requestBytes = o.requestBytes ?? 60_000
  const { ttl = 7 * DAY, maxEvents = 10_000, maxBytes = 5_000_000, spill, spillBytes = 1_000_000 } = o
  const stats: OutboxStats = { queued: 0, sent: 0, dropped: { overflow: 0, expired: 0, rejected: 0 } }

  /** This page's records not yet known to be delivered: what unload() can still send. */
  const local = new Map<string, OutboxRecord>()
  const inFlight = new Set<string>()
  /** This page's records whose store write has not finished yet. */
  const unwritten = new Set<string>()
  let spilled = false
  let toWrite: OutboxRecord[] = []
  let writes: Promise<void> = Promise.resolve()
  let timer: unknown
  let attempt = 0
  let last = 0
  let retryAt = 0
  let generation = 0
  let draining: Promise<void> | undefined
  let followUp: Promise<void> | undefined

  const cancel = () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
  }
  const schedule = (delay = flushInterval) => {
    timer ??= clock.setTimeout(() => {
      timer = undefined
      void drain(false)
    }, delay)
  }
  const quietly = (p: Promise<unknown>): Promise<void> =>
    p.then(
      () => {},
      (e) => log(`outbox store: ${e}`),
    )

  const unspill = (ids: Iterable<string>) => {
    const gone = new Set(ids)
    const left = spill?.read() ?? []
    const keep = left.filter((r) => !gone.has(r.event.messageId))
    if (keep.length < left.length) spill?.write(keep)
  }

  const done = (ids: string[]) => {
    for (const id of ids) local.delete(id)
    stats.queued = Math.max(stats.queued - ids.length, 0)
    o.announce?.(ids)
    return quietly(store.remove(ids))
  }

  /** Drops what is too old, then the oldest beyond the bounds. */
  const trim = async (records: OutboxRecord[]) => {
    const now = clock.now()
    const fresh = records.filter((r) => now - r.at <= ttl).sort(byAge)
    const expired = records.length - fresh.length
    let bytes = fresh.reduce((sum, r) => sum + r.bytes, 0)
    let overflow = 0
    while (overflow < fresh.length && (fresh.length - overflow > maxEvents || bytes > maxBytes))
      bytes -= fresh[overflow++]!.bytes
    const keep = fresh.slice(overflow)
    if (expired || overflow) {
      const kept = new Set(keep.map((r) => r.event.messageId))
      const ids = records.map((r) => r.event.messageId).filter((id) => !kept.has(id))
      stats.dropped.expired += expired
      stats.dropped.overflow += overflow
      log(`outbox: dropped ${expired} expired and ${overflow} over the bounds`)
      for (const id of ids) local.delete(id)
      await quietly(store.remove(ids))
    }
    return keep
  }

  /** Sends one request; false when it should be tried again later (a retry is scheduled). */
  const send = async (batch: OutboxRecord[]): Promise<boolean> => {
    const ids = batch.map((r) => r.event.messageId)
    const sentIn = generation
    for (const id of ids) inFlight.add(id)
    let result: SendResult
    try {
      result = await transport.send(batch.map((r) => r.event))
    } catch {
      result = { ok: false, retry: true }
    }
    for (const id of ids) inFlight.delete(id)
    if (sentIn !== generation) return false // cleared meanwhile: nothing of it may come back
    if (result.ok || !result.retry) {
      const refused = result.ok ? (result.rejected ?? 0) : ids.length
      stats.sent += ids.length - refused
      stats.dropped.rejected += refused
      if (refused) log(`collector refused ${refused} event(s): ${result.status ?? ''} ${result.code ?? ''}`)
      if (result.ok) attempt = retryAt = 0
      await done(ids)
      return true
    }
    const delay = retryDelay(++attempt, o.random, result.retryAfter, o.retry)
    retryAt = clock.now() + delay
    log(`send failed (${result.status ?? 'network'}); retry ${attempt} in ${Math.round(delay)} ms`)
    cancel()
    schedule(delay)
    return false
  }

  const run = async (force: boolean) => {
    await writes
    const acquired = await lock(async () => {
      // What earlier pages left in the spill joins the store (puts by messageId are idempotent).
      const left = spill?.read() ?? []
      if (left.length) {
        await store.put(left)
        unspill(left.map((r) => r.event.messageId))
      }
      const records = await trim(await store.all())
      stats.queued = records.length
      // Offline, 'online' wakes it; without an endpoint, the site config's arrival flushes.
      if (!online() || transport.ready?.() === false) return true
      const backoff = retryAt - clock.now()
      if (!force && backoff > 0) {
        schedule(backoff)
        return true
      }
      const ready = records.filter((r) => !inFlight.has(r.event.messageId))
      for (const batch of chunk(ready, requestEvents, requestBytes)) if (!(await send(batch))) break
      return true
    })
    // Another tab (or the page being left) is sending; it may not see this page's newest events,
    // and what earlier pages left waits for whoever holds the lock next: try again.
    if (acquired === undefined) schedule()
  }

  const drain = (force: boolean): Promise<void> => {
    cancel()
    if (!o.enabled()) return Promise.resolve()
    // A drain in progress read the store before the latest events: run once more after it.
    if (draining) {
      followUp ??= draining.then(() => {
        followUp = undefined
        return drain(force)
      })
      return followUp
    }
    draining = run(force)
      .catch((e) => log(`outbox: ${e}`))
      .finally(() => (draining = undefined))
    return draining
  }

  return {
    push(event) {
      // Strictly increasing within a page, so events of the same millisecond keep their order.
      last = Math.max(clock.now(), last + 0.001)
      const record = { event, at: last, bytes: utf8Length(JSON.stringify(event)) }
      local.set(event.messageId, record)
      unwritten.add(event.messageId)
      stats.queued++
      // Events of one task share one write.
      if (toWrite.push(record) === 1)
        writes = writes.then(async () => {
          const batch = toWrite
          toWrite = []
          if (!batch.length) return
          await quietly(store.put(batch))
          const ids = batch.map((r) => r.event.messageId)
          for (const id of ids) unwritten.delete(id)
          // The page lived on after hiding: the store has them now.
          if (spilled) unspill(ids)
        })
      if (local.size - inFlight.size >= maxBatch && clock.now() >= retryAt) void drain(false)
      else schedule()
    },
    flush: () => drain(true),
    unload() {
      if (!o.enabled()) return
      // Offline or before the site config, nothing can go now; the spill below still keeps them.
      if (online() && transport.ready?.() !== false) {
        let room = transport.room?.() ?? requestBytes
        const ready = [...local.values()].filter((r) => !inFlight.has(r.event.messageId)).sort(byAge)
        for (const batch of chunk(ready, requestEvents, Math.min(requestBytes, room))) {
          const size = bytesOf(batch)
          if (size > room) break
          room -= size
          void send(batch) // starts the request synchronously; its answer may never be seen
        }
      }
      // The store may never get what it is still writing, and a keepalive answer may never come.
      if (!spill || !unwritten.size) return
      let bytes = 0
      const keep: OutboxRecord[] = []
      // local is in push order: the oldest are kept.
      for (const r of local.values()) {
        if (!unwritten.has(r.event.messageId)) continue
        bytes += r.bytes
        if (bytes > spillBytes) break
        keep.push(r)
      }
      const ids = new Set(keep.map((r) => r.event.messageId))
      spill.write([...spill.read().filter((r) => !ids.has(r.event.messageId)), ...keep])
      spilled = true
    },
    wake() {
      attempt = retryAt = 0
      void drain(true)
    },
    forget(ids) {
      for (const id of ids) local.delete(id)
    },
    clear() {
      generation++
      cancel()
      local.clear()
      unwritten.clear()
      spill?.write([])
      toWrite = []
      attempt = retryAt = 0
      stats.queued = 0
      writes = writes.then(() => quietly(store.clear()))
      return writes
    },
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
  }
}

/** The outbox in memory: where IndexedDB is missing, and in tests. */
export const memoryOutboxStore = (): OutboxStore & { data: Map<string, OutboxRecord> } => {
  const data = new Map<string, OutboxRecord>()
  return {
    data,
    put: async (records) => {
      for (const r of records) data.set(r.event.messageId, r)
    },
    all: async () => [...data.values()],
    remove: async (ids) => {
      for (const id of ids) data.delete(id)
    },
    clear: async () => data.clear(),
  }
}
