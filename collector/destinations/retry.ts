// What becomes of a delivery after an attempt: delivered, tried again later (exponential backoff
// with full jitter, never sooner than the receiver's Retry-After), or a dead letter (a refusal
// that will not change, or too many attempts, or too old). Pure: the clock and randomness are given.

export interface RetryPolicy {
  /** The first retry's ceiling; each attempt doubles it, up to capMs. */
  baseMs: number
  capMs: number
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** A delivery older than this (from its first attempt) is not tried again. */
  maxAgeMs: number
}

export const RETRY_POLICY: RetryPolicy = {
  baseMs: 1_000,
  capMs: 3_600_000,
  maxAttempts: 12,
  maxAgeMs: 3 * 86_400_000,
}

/** An attempt's result: the HTTP status, or no status when the connection failed or timed out. */
export interface Attempt {
  status?: number
  /** The Retry-After header, when there was one. */
  retryAfter?: string
  /** What failed, for the log: a connection error, a timeout, or the status's reason. */
  error?: string
}

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number; reason: string }
  | { kind: 'dead'; reason: string }

/** Statuses worth another try: timeouts, conflicts of the moment, rate limits, server errors. */
const TRANSIENT = new Set([408, 409, 425, 429])

/** Whether an attempt failed in a way worth another try (a receiver down or busy, not a refusal). */
export const isTransient = ({ status }: Attempt) =>
  status === undefined || status >= 500 || TRANSIENT.has(status)

/** Retry-After in ms from `now`: seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (header: string | undefined, now: number): number | undefined => {
  if (header === undefined || header.trim() === '') return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * The outcome of attempt number `attempt` (1 for the first) of a delivery first tried at
 * `firstAt`, at `now`.
 */
export const outcomeOf = (
  result: Attempt,
  attempt: number,
  firstAt: number,
  now: number,
  random: () => number,
  policy: RetryPolicy = RETRY_POLICY,
): Outcome => {
  const { status } = result
  if (status !== undefined && status >= 200 && status < 300) return { kind: 'delivered' }
  const reason =
    status === undefined
      ? (result.error ?? 'no answer')
      : `HTTP ${status}${result.error ? ` ${result.error}` : ''}`
  if (!isTransient(result)) return { kind: 'dead', reason }
  if (attempt >= policy.maxAttempts) return { kind: 'dead', reason: `${reason}, after ${attempt} attempts` }
  const backoff = random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1))
  const at = now + Math.max(backoff, retryAfterMs(result.retryAfter, now) ?? 0)
  if (at - firstAt > policy.maxAgeMs) return { kind: 'dead', reason: `${reason}, and too old to try again` }
  return { kind: 'retry', at, reason }
}
