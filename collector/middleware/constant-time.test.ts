// Secrets are never compared as given: write keys are looked up by their sha256, the admin token
// and self-service rights tokens are compared with timingSafeEqual on equal-length buffers. So
// response times say nothing about how much of a guess was right.
import * as crypto from 'node:crypto'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testSites, WRITE_KEY } from '../../test/support/collector-app.ts'
import { createSites } from '../config/sites.ts'
import { onError } from '../errors.ts'
import { isLive, issueFor, tokenKey } from '../identity/tokens.ts'
import { openSqliteStore } from '../store/sqlite/store.ts'
import { adminAuth } from './admin-auth.ts'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) }
})

const timingSafeEqual = vi.mocked(crypto.timingSafeEqual)

afterEach(() => {
  vi.restoreAllMocks()
  timingSafeEqual.mockClear()
})

describe('constant-time secrets', () => {
  it('write keys: the lookup only ever sees sha256 digests, never the key given', () => {
    const sites = createSites(testSites())
    const get = vi.spyOn(Map.prototype, 'get')
    for (const guess of [WRITE_KEY, `${WRITE_KEY.slice(0, -1)}x`, WRITE_KEY.slice(0, 4), 'x'.repeat(300)]) {
      sites.byWriteKey(guess)
    }
    const looked = get.mock.calls.map(([key]) => key)
    expect(looked).toHaveLength(4)
    for (const key of looked) expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(sites.byWriteKey(WRITE_KEY)?.id).toBe('demo')
    expect(sites.byWriteKey(`${WRITE_KEY.slice(0, -1)}x`)).toBeUndefined()
  })

  it('admin token: digests of both sides through timingSafeEqual, whatever the length given', async () => {
    const app = new Hono()
    app.onError(onError(() => {}))
    app.use(
      '*',
      adminAuth({ token: 'the-admin-token-0123', store: openSqliteStore(':memory:'), now: Date.now }),
    )
    app.get('/x', (c) => c.text('ok'))
    const statuses = []
    for (const given of ['the-admin-token-0123', 'the-admin-token-0124', 't', 'y'.repeat(5000)]) {
      statuses.push((await app.request('/x', { headers: { authorization: `Bearer ${given}` } })).status)
    }
    expect(statuses).toEqual([200, 401, 401, 401])
    expect(timingSafeEqual).toHaveBeenCalledTimes(4)
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32])
    }
  })

  it('rights tokens: the stored hash is compared with timingSafeEqual (its length is public: fixed)', () => {
    const { issued, row } = issueFor('secret', 'demo', 'anon-1', 0)
    const key = tokenKey('secret', 'demo', issued.token)!
    expect(isLive(row, key, 0)).toBe(true)
    const forged = tokenKey(
      'secret',
      'demo',
      `${issued.token.slice(0, -1)}${issued.token.endsWith('A') ? 'B' : 'A'}`,
    )!
    expect(isLive(row, forged, 0)).toBe(false)
    expect(timingSafeEqual).toHaveBeenCalledTimes(2)
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([43, 43])
    }
    // A token of another form is refused before any comparison: its form is no secret.
    expect(tokenKey('secret', 'demo', `${issued.token}0`)).toBeUndefined()
  })
})
