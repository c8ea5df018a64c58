// The pure rules of a delivery: consent, minimization, retries and the circuit.
import { describe, expect, it } from 'vitest'
import { afterAttempt, CIRCUIT_POLICY, closedCircuit, tryNow } from './circuit.ts'
import { deliveryRefusal } from './consent-gate.ts'
import { hashIdentifier, minimized } from './minimize.ts'
import { outcomeOf, RETRY_POLICY, retryAfterMs } from './retry.ts'

describe('deliveryRefusal', () => {
  const all = { necessary: true, analytics: true, personalization: true, marketing: true }
  it.each([
    [{ categoryPreferences: all }, ['analytics', 'marketing'], undefined],
    [
      { categoryPreferences: { ...all, marketing: false } },
      ['analytics', 'marketing'],
      "the event's consent does not grant marketing",
    ],
    [
      { categoryPreferences: { analytics: 'true' } },
      ['analytics'],
      "the event's consent does not grant analytics",
    ],
    [
      { categoryPreferences: all, gpc: true },
      ['marketing'],
      'the browser sent Global Privacy Control: no marketing destination',
    ],
    [{ categoryPreferences: all, gpc: true }, ['analytics'], undefined],
    [undefined, ['analytics'], "the event's consent does not grant analytics"],
    [undefined, [], undefined],
    [
      { categoryPreferences: null },
      ['analytics', 'personalization'],
      "the event's consent does not grant analytics, personalization",
    ],
  ])('%j for %j', (stamp, purposes, refusal) => {
    expect(deliveryRefusal(stamp, purposes)).toBe(refusal)
  })
})

describe('minimized', () => {
  const event = {
    type: 'track',
    messageId: 'm-1',
    timestamp: '2026-12-07T10:00:00.000Z',
    event: 'Order Completed',
    userId: 'u-7',
    properties: { sku: 'tent-2p', revenue: 120, email: '  Ada@Example.COM ' },
    context: { ip: '203.0.113.9', page: { path: '/checkout' } },
  }

  it('keeps the envelope and the listed fields only, whole objects included', () => {
    expect(minimized(event, ['event', 'properties.sku', 'context.page', 'properties.missing'])).toEqual({
      type: 'track',
      messageId: 'm-1',
      timestamp: '2026-12-07T10:00:00.000Z',
      event: 'Order Completed',
      properties: { sku: 'tent-2p' },
      context: { page: { path: '/checkout' } },
    })
  })

  it('hashes listed identifiers as ad platforms expect, and leaves the event as it was', () => {
    const out = minimized(
      event,
      ['properties.email', 'userId'],
      ['properties.email', 'userId', 'properties.none'],
    )
    expect((out.properties as { email: string }).email).toBe(hashIdentifier('ada@example.com'))
    // sha256sum of the normalized address, computed outside Node.
    expect(hashIdentifier(' ADA@example.com')).toBe(
      'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72',
    )
    expect(out.userId).toMatch(/^[0-9a-f]{64}$/)
    expect(event.properties.email).toBe('  Ada@Example.COM ')
    expect(minimized(event, undefined)).toEqual(event)
  })
})

describe('outcomeOf', () => {
  const t0 = Date.parse('2026-12-07T10:00:00Z')
  const half = () => 0.5

  it('delivers on 2xx, gives up at once on a refusal that will not change', () => {
    expect(outcomeOf({ status: 204 }, 1, t0, t0, half)).toEqual({ kind: 'delivered' })
    expect(outcomeOf({ status: 404 }, 1, t0, t0, half)).toEqual({ kind: 'dead', reason: 'HTTP 404' })
    expect(outcomeOf({ status: 413, error: 'too large' }, 3, t0, t0, half)).toEqual({
      kind: 'dead',
      reason: 'HTTP 413 too large',
    })
  })

  it('backs off exponentially with full jitter, never sooner than Retry-After', () => {
    expect(outcomeOf({ status: 500 }, 1, t0, t0, half)).toEqual({
      kind: 'retry',
      at: t0 + 500,
      reason: 'HTTP 500',
    })
    expect(outcomeOf({ error: 'ECONNRESET' }, 4, t0, t0, half)).toEqual({
      kind: 'retry',
      at: t0 + 4_000,
      reason: 'ECONNRESET',
    })
    expect(
      outcomeOf({ status: 503 }, 30, t0, t0, () => 1, { ...RETRY_POLICY, maxAttempts: 40 }),
    ).toMatchObject({
      at: t0 + RETRY_POLICY.capMs,
    })
    expect(outcomeOf({ status: 429, retryAfter: '120' }, 1, t0, t0, half)).toMatchObject({
      kind: 'retry',
      at: t0 + 120_000,
    })
    const date = new Date(t0 + 90_000).toUTCString()
    expect(outcomeOf({ status: 429, retryAfter: date }, 1, t0, t0, half)).toMatchObject({ at: t0 + 90_000 })
    expect(outcomeOf({ status: 429, retryAfter: '1' }, 6, t0, t0, half)).toMatchObject({ at: t0 + 16_000 })
  })

  it('gives up after the last attempt or when too old', () => {
    expect(outcomeOf({ status: 500 }, RETRY_POLICY.maxAttempts, t0, t0, half)).toEqual({
      kind: 'dead',
      reason: `HTTP 500, after ${RETRY_POLICY.maxAttempts} attempts`,
    })
    const late = t0 + RETRY_POLICY.maxAgeMs
    expect(outcomeOf({ error: 'timeout' }, 2, t0, late, half)).toEqual({
      kind: 'dead',
      reason: 'timeout, and too old to try again',
    })
  })

  it('reads Retry-After as seconds or a date, and nothing else', () => {
    expect(retryAfterMs('30', t0)).toBe(30_000)
    expect(retryAfterMs(new Date(t0 - 5000).toUTCString(), t0)).toBe(0)
    expect(retryAfterMs('soon', t0)).toBeUndefined()
    expect(retryAfterMs(undefined, t0)).toBeUndefined()
  })
})

describe('the circuit', () => {
  it('opens after the threshold, lets one probe through after the cool-down, doubles it on failure, closes on success', () => {
    const { threshold, coolDownMs } = CIRCUIT_POLICY
    let c = closedCircuit()
    let now = 0
    for (let i = 0; i < threshold; i++) {
      expect(tryNow(c, now).allowed).toBe(true)
      c = afterAttempt(c, false, now)
    }
    expect(c.openUntil).toBe(coolDownMs)
    expect(tryNow(c, coolDownMs - 1).allowed).toBe(false)
    now = coolDownMs
    const probe = tryNow(c, now)
    expect(probe.allowed).toBe(true)
    expect(tryNow(probe.circuit, now).allowed).toBe(false) // the others wait for the probe
    c = afterAttempt(probe.circuit, false, now)
    expect(c.openUntil).toBe(now + 2 * coolDownMs)
    now = c.openUntil
    c = afterAttempt(tryNow(c, now).circuit, true, now)
    expect(c).toEqual(closedCircuit())
  })
})
