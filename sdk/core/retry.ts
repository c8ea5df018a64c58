/** When to try again after a failed send. */
export interface RetryPolicy {
  /** First delay, in ms. */
  base?: number
  /** Longest delay, in ms (also caps a server's Retry-After). */
  max?: number
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so tabs and
 * visitors that failed together do not come back together, and no retry comes back at once.
 * A server's Retry-After wins when given.
 */
export const retryDelay = (
  attempt: number,
  random: () => number,
  retryAfter: number | undefined,
  { base = 1000, max = 300_000 }: RetryPolicy = {},
): number => {
  if (retryAfter !== undefined) return Math.min(Math.max(retryAfter, 0), max)
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30))
  return ceiling / 2 + (random() * ceiling) / 2
}

/** Reads Retry-After (seconds or an HTTP date) as ms from now; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null | undefined, now: number): number | undefined => {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(date - now, 0)
}
