import { clear, createStore, delMany, promisifyRequest, setMany, type UseStore, values } from 'idb-keyval'
import type { Lease, LeaseCell } from '../core/lease.ts'
import { memoryOutboxStore, type OutboxRecord, type OutboxStore } from '../core/outbox.ts'

/** The SDK's one IndexedDB database; withdrawal of analytics deletes it. */
export const OUTBOX_DB = 'precis'
const LEASE_KEY = '~lease'

/**
 * The outbox in IndexedDB, shared by the site's tabs. The database is opened on first use (after
 * consent), never before.
 */
export const idbOutboxStore = (idb: IDBFactory): OutboxStore & { lease: LeaseCell } => {
  let use: UseStore | undefined
  const db = () => (use ??= createStore(OUTBOX_DB, 'outbox'))
  return {
    put: (records) =>
      setMany(
        records.map((r) => [r.event.messageId, r]),
        db(),
      ),
    all: async () => (await values<OutboxRecord>(db())).filter((v) => v && 'event' in v),
    remove: (ids) => delMany([...ids], db()),
    async clear() {
      // Emptied first, so the data is gone even while another tab's connection delays the delete.
      await clear(db())
      await db()('readonly', (s) => s.transaction.db.close())
      use = undefined
      await new Promise((done) => {
        const req = idb.deleteDatabase(OUTBOX_DB)
        req.onsuccess = req.onerror = req.onblocked = done
      })
    },
    // Read and write in one transaction, as idb-keyval's update() does, so two tabs cannot both win.
    lease: (change) =>
      db()(
        'readwrite',
        (s) =>
          new Promise<Lease | undefined>((resolve, reject) => {
            s.get(LEASE_KEY).onsuccess = function () {
              const next = change(this.result as Lease | undefined)
              s.put(next, LEASE_KEY)
              promisifyRequest(s.transaction).then(() => resolve(next), reject)
            }
          }),
      ),
  }
}

/**
 * Uses the primary store until it fails once (IndexedDB missing or refused, as in some private
 * modes), then memory for the rest of the page. Storage trouble never reaches the host page.
 */
export const withFallback = (primary: OutboxStore, log: (m: string) => void): OutboxStore => {
  const backup = memoryOutboxStore()
  let current: OutboxStore = primary
  const guard =
    <A extends unknown[], T>(op: (s: OutboxStore, ...args: A) => Promise<T>) =>
    (...args: A): Promise<T> => {
      if (current === backup) return op(backup, ...args)
      return (async () => op(primary, ...args))().catch((e) => {
        log(`IndexedDB unavailable (${e}); the outbox stays in memory for this page`)
        current = backup
        return op(backup, ...args)
      })
    }
  return {
    put: guard((s, records: readonly OutboxRecord[]) => s.put(records)),
    all: guard((s) => s.all()),
    remove: guard((s, ids: readonly string[]) => s.remove(ids)),
    clear: guard((s) => s.clear()),
  }
}
