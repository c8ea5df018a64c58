import { describe, expect, it } from 'vitest'
import { newSecret, secretKey, sign, signedHeaders, verifyProblem } from './signature.ts'

// The reference libraries' vector (standard-webhooks, libraries/javascript webhook.test.ts).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const BODY = '{"test": 2432232314}'
const AT = 1614265330

describe('Standard Webhooks signatures', () => {
  it('signs as the reference libraries do, with or without the whsec_ prefix', () => {
    expect(sign(SECRET, ID, AT, BODY)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
    expect(sign(SECRET.slice(6), ID, AT, BODY)).toBe(sign(SECRET, ID, AT, BODY))
  })

  it('verifies its own headers, also among other signatures, near the clock only', () => {
    const now = AT * 1000 + 400
    const headers = signedHeaders(SECRET, ID, now, BODY)
    expect(headers).toEqual({
      'webhook-id': ID,
      'webhook-timestamp': String(AT),
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    })
    expect(verifyProblem(SECRET, headers, BODY, now)).toBeUndefined()
    const rotated = `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x ${headers['webhook-signature']}`
    expect(verifyProblem(SECRET, { ...headers, 'webhook-signature': rotated }, BODY, now)).toBeUndefined()
    expect(verifyProblem(SECRET, headers, `${BODY} `, now)).toBe('no signature matches')
    expect(verifyProblem(SECRET, headers, BODY, now + 301_000)).toMatch(/within 5 minutes/)
    expect(verifyProblem(SECRET, headers, BODY, now - 301_000)).toMatch(/within 5 minutes/)
    expect(verifyProblem(SECRET, { ...headers, 'webhook-timestamp': 'hello' }, BODY, now)).toMatch(/within/)
    expect(verifyProblem(SECRET, { ...headers, 'webhook-signature': 'v1,' }, BODY, now)).toBe(
      'no signature matches',
    )
    const signature = headers['webhook-signature']
    expect(verifyProblem(SECRET, { ...headers, 'webhook-signature': signature.slice(0, 8) }, BODY, now)).toBe(
      'no signature matches',
    )
    const { 'webhook-id': _, ...noId } = headers
    expect(verifyProblem(SECRET, noId, BODY, now)).toMatch(/missing/)
    expect(verifyProblem(newSecret(), headers, BODY, now)).toBe('no signature matches')
  })

  it('makes secrets of 24 random bytes, and refuses an empty one', () => {
    const secret = newSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(secretKey(secret)).toHaveLength(24)
    expect(newSecret()).not.toBe(secret)
    expect(() => secretKey('whsec_')).toThrow('at least one byte')
  })
})
