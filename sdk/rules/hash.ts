// GrowthBook's hashing, so assignments made here can be reproduced by GrowthBook and vice versa.

/** FNV-1a, 32 bits, over UTF-16 code units (as GrowthBook's JavaScript SDK does). */
export const fnv1a32 = (text: string) => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)
  }
  return h >>> 0
}

/**
 * A number in [0, 1) from a seed and a value. Version 2 (the default) hashes twice, so similar
 * seeds give unrelated buckets; version 1 is GrowthBook's original. Other versions: null.
 */
export const hash = (seed: string, value: string, version = 2): number | null => {
  if (version === 2) return (fnv1a32(`${fnv1a32(seed + value)}`) % 10000) / 10000
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000
  return null
}
