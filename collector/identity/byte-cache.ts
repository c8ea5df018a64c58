// A cache held to a budget of bytes, not a count of entries: a count says nothing about memory
// when entries range from a 40-byte id to a profile with a hundred devices. Bytes are an estimate
// (the strings' lengths and a fixed overhead per object), calibrated against V8's heap for the
// resolver's entries (byte-cache.test.ts). Least recently used entries go first: Map keeps
// insertion order, and a hit is re-inserted at the end.
//
// The oldest entry is found by one iterator kept across evictions. A fresh `keys().next()` walks
// past every deleted slot at the front of the table each time, which costs ~50 µs per eviction in
// a map of 100,000; a kept iterator passes each slot once (every live entry lies ahead of it:
// entries are only ever added at the end).

export interface ByteCache<K, V> {
  get(key: K): V | undefined
  /** Holds the value, measured now: set again after changing a held value in place. */
  set(key: K, value: V): void
  delete(key: K): void
  clear(): void
  /** Estimated bytes held (0 without a budget: nothing is measured then). */
  readonly bytes: number
  /** The most bytes held at once since creation (clear does not reset it). */
  readonly peak: number
  readonly evictions: number
  readonly size: number
}

export const createByteCache = <K, V>(
  budget: number,
  sizeOf: (key: K, value: V) => number,
): ByteCache<K, V> => {
  const bounded = Number.isFinite(budget)
  const entries = new Map<K, { value: V; bytes: number }>()
  let ahead = entries.keys()
  const oldest = () => {
    let next = ahead.next()
    if (next.done) {
      ahead = entries.keys()
      next = ahead.next()
    }
    return next.value as K
  }
  let bytes = 0
  let peak = 0
  let evictions = 0
  const drop = (key: K) => {
    const held = entries.get(key)
    if (!held) return
    entries.delete(key)
    bytes -= held.bytes
  }
  return {
    get(key) {
      const held = entries.get(key)
      if (!held) return undefined
      entries.delete(key)
      entries.set(key, held)
      return held.value
    },
    set(key, value) {
      drop(key)
      // Without a budget nothing is ever evicted: measuring would only cost time.
      const size = bounded ? sizeOf(key, value) : 0
      // Larger than the whole budget: holding it would evict everything else and still not fit.
      if (size > budget) return
      entries.set(key, { value, bytes: size })
      bytes += size
      while (bytes > budget) {
        drop(oldest())
        evictions++
      }
      peak = Math.max(peak, bytes)
    },
    delete: drop,
    clear() {
      entries.clear()
      ahead = entries.keys()
      bytes = 0
    },
    get bytes() {
      return bytes
    },
    get peak() {
      return peak
    },
    get evictions() {
      return evictions
    },
    get size() {
      return entries.size
    },
  }
}

/**
 * What one cache entry costs besides its contents: the Map's slot (with the table's spare room),
 * the record holding the value and its size, and the pieces a key joined from parts is made of.
 */
export const ENTRY_BYTES = 192
/** A heap object's header, and each property or array element beside its value. */
const OBJECT_BYTES = 24
const SLOT_BYTES = 8
/** A string's header and a byte per character: ids, hashes and sealed values are ASCII. */
const STRING_BYTES = 16
/** A number or boolean: small integers live in their slot, other numbers in a box of their own. */
const SCALAR_BYTES = 8

/** The estimated heap bytes of a JSON-like value: strings, numbers, arrays and plain objects. */
export const approxBytes = (value: unknown): number => {
  if (typeof value === 'string') return STRING_BYTES + value.length
  if (typeof value !== 'object' || value === null) return SCALAR_BYTES
  let total = OBJECT_BYTES
  if (Array.isArray(value)) {
    for (const v of value) total += SLOT_BYTES + approxBytes(v)
    return total
  }
  // Property names are interned and shared between objects: only the slot is counted.
  for (const k in value) total += SLOT_BYTES + approxBytes((value as Record<string, unknown>)[k])
  return total
}
