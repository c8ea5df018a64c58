import { clear, createStore, delMany, entries, set, setMany, type UseStore } from 'idb-keyval'
import type { HistoryEntry } from '../../rules/segments.ts'
import { HISTORY_DB } from './start.ts'

const TRAITS = 't'
const SEED = 's'
/** Experiments: sticky assignments and the ones already logged. */
const EXPERIMENTS = 'x'
/** History entries are keyed 'h:<time>:<random>' so two tabs never overwrite each other's. */
const ENTRY = 'h:'

export interface Remembered {
  entries: [key: string, entry: HistoryEntry][]
  traits: Record<string, unknown>
  seed: string | undefined
  experiments: ExperimentMemory
}

export interface ExperimentMemory {
  sticky: Record<string, string>
  exposed: string[]
}

/** The local history in IndexedDB, one record per event; opened only with personalization consent. */
export const historyStore = (newKey: () => string) => {
  let db: UseStore | undefined
  const use = () => (db ??= createStore(HISTORY_DB, 'kv'))
  // Another tab deleting the database (withdrawal) must not wait for this one to close.
  const closeOnDelete = () =>
    use()('readonly', (s) => {
      s.transaction.db.onversionchange = () => s.transaction.db.close()
    })
  return {
    async load(): Promise<Remembered> {
      await closeOnDelete()
      const all = await entries<string, unknown>(use())
      const found: Remembered = {
        entries: [],
        traits: {},
        seed: undefined,
        experiments: { sticky: {}, exposed: [] },
      }
      for (const [key, value] of all) {
        if (key === TRAITS) found.traits = value as Record<string, unknown>
        else if (key === SEED) found.seed = value as string
        else if (key === EXPERIMENTS) found.experiments = value as ExperimentMemory
        else if (String(key).startsWith(ENTRY)) found.entries.push([key, value as HistoryEntry])
      }
      return found
    },
    add: (entry: HistoryEntry) => {
      const key = `${ENTRY}${entry.t}:${newKey()}`
      return [key, set(key, entry, use())] as const
    },
    remove: (keys: string[]) => delMany(keys, use()),
    traits: (traits: Record<string, unknown>) => set(TRAITS, traits, use()),
    seed: (seed: string) => setMany([[SEED, seed]], use()),
    experiments: (memory: ExperimentMemory) => set(EXPERIMENTS, memory, use()),
    /** Withdrawal: empties the store (at once, whoever else has it open) and closes it. */
    async close() {
      if (!db) return
      await clear(use())
      await use()('readonly', (s) => s.transaction.db.close())
    },
  }
}
