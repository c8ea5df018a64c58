// The key store: one data key per (site, subject), wrapped by the master key, kept apart from the
// data it opens (SQLite: its own file; PostgreSQL: its own schema), so that destroying a person's
// key makes every copy of their values unreadable, backups of the data taken before included.
//
// No cache of unwrapped keys across calls, by choice. A key destroyed by another collector must
// never be served again, and checking for that costs the same round trip as reading the key, so
// a cache would save only the unwrap (microseconds) while keeping keys in memory for longer.
// Callers fetch the keys a request or a page of rows needs in one call (keysFor, keysById).
import {
  CryptoError,
  type DataKey,
  defaultRandom,
  keyAad,
  type MasterKey,
  newDataKey,
  type RandomBytes,
  unwrapKey,
  wrapKey,
} from './crypto.ts'

export interface KeyStore {
  /** The subject's data key, made on first use. Concurrent callers (any process) get one key. */
  keyFor(site: string, subject: string): Promise<DataKey>
  /** keyFor for many subjects in one round trip; the map has every subject asked for. */
  keysFor(site: string, subjects: readonly string[]): Promise<Map<string, DataKey>>
  /** The key an envelope names (`envelopeKeyId`), or undefined once destroyed. */
  keyById(site: string, id: string): Promise<DataKey | undefined>
  /** keyById for many ids; destroyed (or unknown) ids are absent from the map. */
  keysById(site: string, ids: readonly string[]): Promise<Map<string, DataKey>>
  /** Erasure: deletes the subjects' wrapped keys; resolves to how many were deleted. */
  destroy(site: string, subjects: readonly string[]): Promise<number>
  /**
   * Rotation: re-wraps every key not yet under `newMaster`, a batch per transaction, and makes it
   * this store's master for new keys. Each row records its master, so a run stopped half-way is
   * resumed by running it again; resolves to how many keys this run re-wrapped.
   */
  rewrap(newMaster: MasterKey, options?: { batch?: number }): Promise<number>
  close(): Promise<void>
}

export interface KeyStoreOptions {
  /** Wraps new keys; unwraps keys it wrapped. */
  master: MasterKey
  /** Masters being retired: unwrap only (during a rotation, PRECIS_PREVIOUS_MASTER_KEY). */
  previous?: readonly MasterKey[]
  random?: RandomBytes
}

/** A stored row: the wrapped key and the master that wrapped it. */
export interface KeyRow {
  site: string
  subject: string
  id: string
  masterId: string
  wrapped: Buffer
}

/** A row as both adapters' SQL reads it. */
export interface StoredKeyRow {
  site: string
  subject: string
  id: string
  master_id: string
  wrapped: Buffer
}

export const toKeyRow = (r: StoredKeyRow): KeyRow => ({
  site: r.site,
  subject: r.subject,
  id: r.id,
  masterId: r.master_id,
  wrapped: r.wrapped,
})

/** What an adapter does in SQL; `keyStore` builds the rest on it, the same for every adapter. */
export interface KeyRows {
  bySubject(site: string, subjects: readonly string[]): Promise<KeyRow[]>
  byId(site: string, ids: readonly string[]): Promise<KeyRow[]>
  /** Inserts each row unless its (site, subject) already has a key: the first writer wins. */
  insertAbsent(rows: readonly KeyRow[]): Promise<void>
  delete(site: string, subjects: readonly string[]): Promise<number>
  /** Up to `limit` rows wrapped by another master than `masterId`. */
  notUnder(masterId: string, limit: number): Promise<KeyRow[]>
  /**
   * Stores each row's new wrapping in one transaction, each only if the row is still wrapped by
   * the master it was read with (a destroyed or concurrently re-wrapped row is left alone).
   */
  replace(rows: readonly { row: KeyRow; wrapped: Buffer }[], masterId: string): Promise<number>
  /** After deletes or re-wraps: leave no old bytes behind where the engine allows it. */
  scrub(): Promise<void>
  close(): Promise<void>
}

const unique = (values: readonly string[]) => [...new Set(values)]

/** Builds a KeyStore on an adapter's rows. */
export const keyStore = (rows: KeyRows, options: KeyStoreOptions): KeyStore => {
  const random = options.random ?? defaultRandom
  const masters = new Map<string, MasterKey>()
  for (const m of [...(options.previous ?? []), options.master]) masters.set(m.id, m)
  let current = options.master

  const unwrap = (row: KeyRow): DataKey => {
    const master = masters.get(row.masterId)
    if (!master) {
      throw new CryptoError(
        'master-mismatch',
        `a data key is wrapped by master ${row.masterId}, which is neither PRECIS_MASTER_KEY (${current.id}) nor a previous master key given`,
      )
    }
    return {
      id: row.id,
      key: unwrapKey(
        master,
        { masterId: row.masterId, bytes: row.wrapped },
        keyAad(row.site, row.subject, row.id),
      ),
    }
  }

  const fresh = (site: string, subject: string): KeyRow => {
    const key = newDataKey(random)
    const { masterId, bytes } = wrapKey(current, key.key, keyAad(site, subject, key.id), random)
    return { site, subject, id: key.id, masterId, wrapped: bytes }
  }

  const keysFor = async (site: string, subjects: readonly string[]) => {
    const found = new Map<string, DataKey>()
    let missing = unique(subjects)
    // Read; insert what is missing unless present; read the winners. A third pass covers a key
    // destroyed between our insert and our read, which then gets a new key like any new subject.
    for (let pass = 0; pass < 3 && missing.length > 0; pass++) {
      if (pass > 0) await rows.insertAbsent(missing.map((subject) => fresh(site, subject)))
      for (const row of await rows.bySubject(site, missing)) found.set(row.subject, unwrap(row))
      missing = missing.filter((subject) => !found.has(subject))
    }
    if (missing.length > 0) throw new Error(`no data key could be made for ${missing.length} subject(s)`)
    return found
  }

  const keysById = async (site: string, ids: readonly string[]) => {
    const found = new Map<string, DataKey>()
    if (ids.length === 0) return found
    for (const row of await rows.byId(site, unique(ids))) found.set(row.id, unwrap(row))
    return found
  }

  return {
    keyFor: async (site, subject) => (await keysFor(site, [subject])).get(subject)!,
    keysFor,
    keyById: async (site, id) => (await keysById(site, [id])).get(id),
    keysById,
    destroy: async (site, subjects) => {
      if (subjects.length === 0) return 0
      const deleted = await rows.delete(site, unique(subjects))
      if (deleted > 0) await rows.scrub()
      return deleted
    },
    rewrap: async (newMaster, { batch = 500 } = {}) => {
      masters.set(newMaster.id, newMaster)
      current = newMaster
      let count = 0
      // Rows leave the set as they are re-wrapped (or destroyed), so each pass makes progress;
      // a row no configured master opens stops the run with that master's id.
      for (let page = await rows.notUnder(newMaster.id, batch); page.length > 0; ) {
        const rewrapped = page.map((row) => ({
          row,
          wrapped: wrapKey(newMaster, unwrap(row).key, keyAad(row.site, row.subject, row.id), random).bytes,
        }))
        const changed = await rows.replace(rewrapped, newMaster.id)
        count += changed
        const untouched = changed === 0 ? new Set(page.map((r) => `${r.site}\0${r.id}`)) : undefined
        page = await rows.notUnder(newMaster.id, batch)
        // Not re-wrapped and still not under the new master: someone re-wrapped them meanwhile
        // under a third master. Stop rather than chase each other forever.
        if (untouched && page.some((r) => untouched.has(`${r.site}\0${r.id}`))) {
          throw new Error('another rotation to another master is running: let it finish, then run this again')
        }
      }
      await rows.scrub()
      return count
    },
    close: () => rows.close(),
  }
}
