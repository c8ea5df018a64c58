/**
 * JSON with object keys sorted at every depth. A hash over it depends on the values only, not on
 * the order in which a config file, zod or a spread happened to put the keys, so the same texts
 * hash the same way in every version of the collector and for any auditor who recomputes it.
 * Follows JSON.stringify otherwise: undefined object fields are left out, arrays keep their order.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value))

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key])
  return sorted
}
