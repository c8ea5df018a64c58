import { describe, expect, it } from 'vitest'
import {
  isLive,
  issueFor,
  newToken,
  ownerHash,
  TOKEN_BYTES,
  TOKEN_TTL_MS,
  tokenHash,
  tokenKey,
} from './tokens.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')
/** Randomness a test can read: each call gives bytes counting up from `start`. */
const counting = (start = 0) => {
  let next = start
  return (size: number) => Uint8Array.from({ length: size }, () => next++ & 0xff)
}

describe('rights tokens (pure)', () => {
  it('is the anonymousId and 32 random bytes in base64url', () => {
    const random = counting()
    const token = newToken('anon-1', random)
    expect(token).toBe(`anon-1.${Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64url')}`)
    expect(TOKEN_BYTES).toBe(32)
    expect(newToken('anon-1', random)).not.toBe(token)
  })

  it('issues with an expiry TOKEN_TTL_MS ahead and a row of hashes and times', () => {
    const { issued, row } = issueFor('secret', 'demo', 'anon-1', NOW, counting(7))
    expect(issued).toEqual({ token: newToken('anon-1', counting(7)), expiresAt: NOW + TOKEN_TTL_MS })
    expect(row).toEqual({
      site: 'demo',
      owner: ownerHash('secret', 'demo', 'anon-1'),
      hash: tokenHash('secret', 'demo', issued.token),
      issuedAt: NOW,
      expiresAt: NOW + TOKEN_TTL_MS,
    })
    expect(JSON.stringify(row)).not.toContain('anon-1')
  })

  it('hashes per secret, site and purpose: no stored hash matches another', () => {
    const token = newToken('anon-1', counting())
    const hashes = [
      ownerHash('secret', 'demo', 'anon-1'),
      ownerHash('secret', 'other', 'anon-1'),
      ownerHash('another secret', 'demo', 'anon-1'),
      tokenHash('secret', 'demo', token),
      tokenHash('secret', 'other', token),
      tokenHash('secret', 'demo', 'anon-1'),
    ]
    expect(new Set(hashes).size).toBe(hashes.length)
  })

  it.each([
    ['no dot', 'anon-1'],
    ['no id', `.${'A'.repeat(43)}`],
    ['a short random part', `anon-1.${'A'.repeat(42)}`],
    ['a long random part', `anon-1.${'A'.repeat(44)}`],
    ['characters outside base64url', `anon-1.${'A'.repeat(42)}=`],
  ])('reads no key from a token with %s', (_, token) => {
    expect(tokenKey('secret', 'demo', token)).toBeUndefined()
  })

  it('reads the id up to the last dot (ids may hold dots)', () => {
    const token = newToken('a.b.c', counting())
    expect(tokenKey('secret', 'demo', token)).toEqual({
      anonymousId: 'a.b.c',
      owner: ownerHash('secret', 'demo', 'a.b.c'),
      hash: tokenHash('secret', 'demo', token),
    })
  })

  it('is live while stored, its own, and before its expiry', () => {
    const { issued, row } = issueFor('secret', 'demo', 'anon-1', NOW, counting())
    const key = tokenKey('secret', 'demo', issued.token)!
    expect(isLive(row, key, NOW)).toBe(true)
    expect(isLive(row, key, row.expiresAt - 1)).toBe(true)
    expect(isLive(row, key, row.expiresAt)).toBe(false)
    expect(isLive(undefined, key, NOW)).toBe(false)
    const other = tokenKey('secret', 'demo', newToken('anon-1', counting(1)))!
    expect(isLive(row, other, NOW)).toBe(false)
  })
})
