import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { emailSubject, readUnsubscribeToken, unsubscribeToken, unsubscribeUrl } from './unsubscribe.ts'

const KEY = Buffer.alloc(32, 7)
const PAYLOAD = { site: 'shop', subject: emailSubject(' Ada@Example.COM '), destination: 'news' }

describe('unsubscribe tokens', () => {
  it('names a person by the SHA-256 of the normalized address', () => {
    expect(PAYLOAD.subject).toBe(createHash('sha256').update('ada@example.com').digest('hex'))
  })

  it('reads back what it signed, and is URL-safe', () => {
    const token = unsubscribeToken(KEY, PAYLOAD)
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
    expect(token).not.toContain('ada')
    expect(readUnsubscribeToken(KEY, token)).toEqual(PAYLOAD)
    expect(unsubscribeToken(KEY, PAYLOAD)).toBe(token)
    expect(unsubscribeUrl('https://c.shop.example/', 'shop', token)).toBe(
      `https://c.shop.example/v1/sites/shop/unsubscribe?t=${token}`,
    )
  })

  it('reads nothing from a token tampered with, signed with another key, or garbage', () => {
    const token = unsubscribeToken(KEY, PAYLOAD)
    const [payload = '', mac = ''] = token.split('.')
    const other = Buffer.from(JSON.stringify(['shop', PAYLOAD.subject, 'other'])).toString('base64url')
    const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`
    for (const bad of [
      `${other}.${mac}`,
      `${payload}.${flipped}`,
      `${payload}.${mac.slice(0, -2)}`,
      `${payload}x.${mac}`,
      `${payload}.${mac}.x`,
      payload,
      '',
      '.',
      'a.b',
      `${payload}.${mac}=`,
      `${'a'.repeat(1000)}.${mac}`,
    ])
      expect(readUnsubscribeToken(KEY, bad), bad).toBeUndefined()
    expect(readUnsubscribeToken(Buffer.alloc(32, 8), token)).toBeUndefined()
    expect(readUnsubscribeToken(KEY, undefined)).toBeUndefined()
    expect(readUnsubscribeToken(KEY, 42)).toBeUndefined()
  })

  it('reads nothing signed that is not three strings', () => {
    // Signed as unsubscribeToken signs (HMAC-SHA256 of the context and payload, 16 bytes).
    const signed = (value: string) => {
      const payload = Buffer.from(value).toString('base64url')
      const mac = createHmac('sha256', KEY).update(`precis-unsubscribe.${payload}`).digest().subarray(0, 16)
      return `${payload}.${mac.toString('base64url')}`
    }
    expect(readUnsubscribeToken(KEY, signed(JSON.stringify(['shop', 'x', 'news'])))).toEqual({
      site: 'shop',
      subject: 'x',
      destination: 'news',
    })
    for (const bad of ['{"site":"shop"}', '["a","b"]', '["a","b",3]', '["a","b","c","d"]', 'not json'])
      expect(readUnsubscribeToken(KEY, signed(bad)), bad).toBeUndefined()
  })

  it('refuses a key too short to sign with', () => {
    expect(() => unsubscribeToken(Buffer.alloc(8), PAYLOAD)).toThrow('16 bytes')
  })
})
