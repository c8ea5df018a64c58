// A destination's delivery log by the hour, from its newest deliveries: how many were delivered,
// given up on (dead letters), still pending, and tried more than once, and how long delivering
// took (from queued to acknowledged: the median and the 95th percentile). Pure.
import type { DeliveryRecord } from './types.ts'

const HOUR = 3_600_000

export interface LogHour {
  /** The hour's start (ISO, UTC). */
  hour: string
  delivered: number
  dead: number
  pending: number
  /** Deliveries that needed more than one attempt. */
  retried: number
  /** Queued to delivered, of the hour's delivered ones (ms); null without any. */
  latencyP50: number | null
  latencyP95: number | null
}

const nearestRank = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!

/** The `hours` hours up to `now`, oldest first, each with the deliveries queued in it. */
export const deliveryLog = (records: readonly DeliveryRecord[], now: number, hours = 24): LogHour[] => {
  const last = Math.floor(now / HOUR) * HOUR
  const first = last - (hours - 1) * HOUR
  const buckets = Array.from({ length: hours }, (_, i) => ({
    at: first + i * HOUR,
    delivered: 0,
    dead: 0,
    pending: 0,
    retried: 0,
    latencies: [] as number[],
  }))
  for (const r of records) {
    const b = buckets[Math.floor((r.createdAt - first) / HOUR)]
    if (!b || r.createdAt < first) continue
    b[r.status]++
    if (r.attempts > 1) b.retried++
    if (r.status === 'delivered' && r.doneAt !== null) b.latencies.push(Math.max(0, r.doneAt - r.createdAt))
  }
  return buckets.map(({ at, latencies, ...counts }) => {
    const sorted = latencies.sort((a, b) => a - b)
    return {
      hour: new Date(at).toISOString(),
      ...counts,
      latencyP50: nearestRank(sorted, 0.5),
      latencyP95: nearestRank(sorted, 0.95),
    }
  })
}
