import type { ConsentStore } from '../../consent/core/state.ts'
import { leaseLock } from '../core/lease.ts'
import { type Lock, memoryOutboxStore, type Outbox, type OutboxOptions, type Spill } from '../core/outbox.ts'
import type { Clock } from '../core/types.ts'
import { idbOutboxStore, withFallback } from './outbox-store.ts'

const NAME = 'precis.outbox'

/**
 * The outbox's browser edges: IndexedDB (memory where it fails), a Web Lock so one tab sends at a
 * time (a lease in IndexedDB where Web Locks are missing), the online state, and a
 * BroadcastChannel that tells the other tabs what was delivered.
 */
export const deliveryEdges = (win: Window, newId: () => string, clock: Clock, log?: (m: string) => void) => {
  let idb: IDBFactory | undefined
  try {
    idb = win.indexedDB
  } catch {
    // Sandboxed frames throw on access: memory it is.
  }
  const durable = idb && idbOutboxStore(idb)
  const locks = win.navigator.locks as LockManager | undefined
  const lock: Lock | undefined = locks
    ? <T>(fn: () => Promise<T>) =>
        locks.request(NAME, { ifAvailable: true }, (held) => (held ? fn() : undefined)) as Promise<
          T | undefined
        >
    : durable && leaseLock(durable.lease, newId(), clock.now)
  let channel: BroadcastChannel | undefined
  // Read and written only under analytics consent: the outbox is disabled without it.
  const spill: Spill = {
    read() {
      try {
        const records = JSON.parse(win.localStorage.getItem(NAME) ?? '[]')
        return Array.isArray(records) ? records.filter((r) => typeof r?.event?.messageId === 'string') : []
      } catch {
        return []
      }
    },
    write(records) {
      try {
        if (records.length) win.localStorage.setItem(NAME, JSON.stringify(records))
        else win.localStorage.removeItem(NAME)
      } catch {
        // Storage blocked or full: the keepalive requests are all there is.
      }
    },
  }
  let afterDelivery = () => {}
  const options: Partial<OutboxOptions> = {
    store: durable ? withFallback(durable, log ?? (() => {})) : memoryOutboxStore(),
    online: () => win.navigator.onLine !== false,
    announce: (ids) => {
      channel?.postMessage(ids)
      afterDelivery()
    },
    spill,
    ...(lock ? { lock } : {}),
    ...(log ? { log } : {}),
  }
  return {
    options,
    /** Runs after each delivery this tab made. */
    onDelivered(fn: () => void) {
      afterDelivery = fn
    },
    connect(outbox: Outbox, consent: Pick<ConsentStore, 'get' | 'on'>) {
      win.addEventListener('online', () => outbox.wake())
      // Opened with analytics consent only, like everything else of the outbox.
      const open = () => {
        if (channel || !consent.get().purposes.analytics || !('BroadcastChannel' in win)) return
        channel = new BroadcastChannel(NAME)
        channel.onmessage = (e) => outbox.forget(e.data as string[])
      }
      open()
      consent.on('change', open)
    },
  }
}
