import { describe, expect, it } from 'vitest'
import { parseRetryAfter, retryDelay } from './retry.ts'

describe('retry delay', () => {
  it('doubles up to the cap', () => {
    const ceilings = [1, 2, 3, 10, 40].map((n) => retryDelay(n, () => 0.999_999, undefined))
    expect(ceilings.map(Math.round)).toEqual([2000, 4000, 8000, 300_000, 300_000])
  })

  it("takes the server's Retry-After, capped", () => {
    expect(retryDelay(1, () => 0.5, 7000)).toBe(7000)
    expect(retryDelay(1, () => 0.5, 10 ** 9)).toBe(300_000)
  })

  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-23T10:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})
