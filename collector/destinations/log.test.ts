import { describe, expect, it } from 'vitest'
import { deliveryLog } from './log.ts'
import type { DeliveryRecord } from './types.ts'

const NOW = Date.parse('2026-12-07T10:30:00Z')
const record = (over: Partial<DeliveryRecord>): DeliveryRecord => ({
  site: 's',
  destination: 'd',
  messageId: 'm',
  status: 'delivered',
  attempts: 1,
  createdAt: NOW - 60_000,
  nextAt: null,
  doneAt: NOW - 59_000,
  lastError: null,
  ...over,
})

describe('deliveryLog', () => {
  it('counts each hour by status, retries, and the latency of what was delivered', () => {
    const log = deliveryLog(
      [
        ...Array.from({ length: 19 }, (_, i) => record({ doneAt: NOW - 60_000 + (i + 1) * 10 })),
        record({ doneAt: NOW - 60_000 + 5_000, attempts: 3 }),
        record({ status: 'dead', attempts: 12, doneAt: NOW }),
        record({ status: 'pending', attempts: 2, doneAt: null, nextAt: NOW + 1000 }),
        record({ createdAt: NOW - 2 * 3_600_000, doneAt: NOW - 2 * 3_600_000 + 250 }),
        record({ createdAt: NOW - 30 * 3_600_000 }), // older than the log
      ],
      NOW,
    )
    expect(log).toHaveLength(24)
    expect(log.at(-1)).toEqual({
      hour: '2026-12-07T10:00:00.000Z',
      delivered: 20,
      dead: 1,
      pending: 1,
      retried: 3,
      latencyP50: 100,
      latencyP95: 190,
    })
    expect(log.at(-3)).toMatchObject({ hour: '2026-12-07T08:00:00.000Z', delivered: 1, latencyP50: 250 })
    expect(log[0]).toMatchObject({ hour: '2026-12-06T11:00:00.000Z', delivered: 0, latencyP50: null })
  })
})
