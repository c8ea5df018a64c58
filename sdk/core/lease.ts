import type { Lock } from './outbox.ts'

export interface Lease {
  owner: string
  until: number
}

/** One value changed atomically (an IndexedDB read-write transaction); resolves to the new value. */
export type LeaseCell = (
  change: (current: Lease | undefined) => Lease | undefined,
) => Promise<Lease | undefined>

/**
 * A lock for browsers without Web Locks: a lease with an expiry in the shared store. A tab that
 * dies holding it blocks the others only until the lease runs out.
 */
export const leaseLock =
  (cell: LeaseCell, owner: string, now: () => number, ttl = 30_000): Lock =>
  async (fn) => {
    // A store that fails cannot be shared with other tabs either: this tab then sends alone.
    const held = await cell((current) =>
      !current || current.until <= now() || current.owner === owner ? { owner, until: now() + ttl } : current,
    ).catch(() => ({ owner }))
    if (held?.owner !== owner) return undefined
    try {
      return await fn()
    } finally {
      await cell((current) => (current?.owner === owner ? undefined : current)).catch(() => {})
    }
  }
