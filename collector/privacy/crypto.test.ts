import { createDecipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  CryptoError,
  type CryptoErrorCode,
  type DataKey,
  decryptValue,
  encryptValue,
  envelopeKeyId,
  isEncrypted,
  type JsonValue,
  keyAad,
  masterKey,
  newDataKey,
  parseMasterKey,
  type RandomBytes,
  unwrapKey,
  type WrappedKey,
  wrapKey,
} from './crypto.ts'

/** A deterministic byte source: 0, 1, 2, … from `start`, so every call differs and repeats per run. */
const counting = (start = 0): RandomBytes => {
  let next = start
  return (size) => Buffer.from(Array.from({ length: size }, () => next++ & 0xff))
}
const fixed =
  (bytes: Buffer): RandomBytes =>
  (size) =>
    bytes.subarray(0, size)

const codeOf = (run: () => unknown): CryptoErrorCode | 'no error' => {
  try {
    run()
    return 'no error'
  } catch (err) {
    if (err instanceof CryptoError) return err.code
    throw err
  }
}

const KAT_KEY: DataKey = { id: 'AAECAwQFBgcICQoL', key: Buffer.from(Array.from({ length: 32 }, (_, i) => i)) }
const KAT_IV = Buffer.from(Array.from({ length: 12 }, (_, i) => 0xa0 + i))
const MASTER_A = masterKey(Buffer.alloc(32, 0x11))
const MASTER_B = masterKey(Buffer.alloc(32, 0x22))

describe('known answers (pinned format; checked against pyca/cryptography AESGCM)', () => {
  it('encryptValue with a fixed key and iv', () => {
    const envelope = encryptValue(
      KAT_KEY,
      { email: 'ada@example.com', age: 36 },
      'demo/traits',
      fixed(KAT_IV),
    )
    expect(envelope).toBe(
      'enc:v1:AAECAwQFBgcICQoL:oKGio6SlpqeoqaqrnToZQCSibp1YR-a3ZjqlphHBKXz3mSED8SwKpB7MECPoRXGCqbXDkbA1MS8bs8V0VBx3oA',
    )
    // The layout, opened by hand: iv | ciphertext | tag, aad = header NUL context.
    const sealed = Buffer.from(envelope.split(':')[3]!, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', KAT_KEY.key, sealed.subarray(0, 12))
    decipher.setAAD(Buffer.from('enc:v1:AAECAwQFBgcICQoL\0demo/traits'))
    decipher.setAuthTag(sealed.subarray(-16))
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()])
    expect(plain.toString()).toBe('{"email":"ada@example.com","age":36}')
  })

  it('wrapKey with a fixed master and iv; master ids are SHA-256 prefixes', () => {
    expect([MASTER_A.id, MASTER_B.id]).toEqual(['02d449a3', '9f72ea0c'])
    const wrapped = wrapKey(MASTER_A, KAT_KEY.key, keyAad('demo', 's1', KAT_KEY.id), fixed(KAT_IV))
    expect(wrapped.masterId).toBe('02d449a3')
    expect(wrapped.bytes.toString('hex')).toBe(
      'a0a1a2a3a4a5a6a7a8a9aaab63b5724e441185943016b950734833e3b2e6d4211d9897bc0ccdf4f544cb2875912e2372170af5e4e8c7fac07b10efc5',
    )
  })

  it('newDataKey: a 16-character id and 32 key bytes from the random source', () => {
    const key = newDataKey(counting())
    expect(key.id).toBe('AAECAwQFBgcICQoL')
    expect(key.key).toEqual(Buffer.from(Array.from({ length: 32 }, (_, i) => 12 + i)))
  })
})

const HEX = 'ab'.repeat(32)
const B64 = Buffer.alloc(32, 0xab).toString('base64')
const masterKeyCases: [string, string | undefined, string | CryptoErrorCode][] = [
  ['64 hex digits', HEX, 'same'],
  ['64 hex digits, upper case', HEX.toUpperCase(), 'same'],
  ['base64 with padding', B64, 'same'],
  ['base64 without padding', B64.replace(/=+$/, ''), 'same'],
  ['base64url', Buffer.alloc(32, 0xfb).toString('base64url'), 'other'],
  ['a trailing newline (a key file read whole)', `${B64}\n`, 'same'],
  ['unset', undefined, 'master-key-invalid'],
  ['empty', '', 'master-key-invalid'],
  ['31 bytes as base64', Buffer.alloc(31, 1).toString('base64'), 'master-key-invalid'],
  ['33 bytes as base64', Buffer.alloc(33, 1).toString('base64'), 'master-key-invalid'],
  ['63 hex digits', HEX.slice(1), 'master-key-invalid'],
  ['a password', 'correct horse battery staple', 'master-key-invalid'],
  ['64 characters that are base64 of 48 bytes, not hex', 'Z'.repeat(64), 'master-key-invalid'],
]

describe('parseMasterKey', () => {
  const reference = masterKey(Buffer.alloc(32, 0xab))
  it.each(masterKeyCases)('%s', (_, text, expected) => {
    if (expected === 'master-key-invalid') {
      expect(codeOf(() => parseMasterKey(text, 'PRECIS_MASTER_KEY'))).toBe(expected)
      return
    }
    const parsed = parseMasterKey(text)
    expect(parsed.id).toMatch(/^[0-9a-f]{8}$/)
    expect(parsed.id === reference.id).toBe(expected === 'same')
  })

  it('says which variable and how to make a key, never the value', () => {
    expect(() => parseMasterKey('hunter2-secret', 'PRECIS_PREVIOUS_MASTER_KEY')).toThrow(
      /^PRECIS_PREVIOUS_MASTER_KEY must be 32 bytes as base64 \(44 characters\) or hex \(64 characters\): generate one with `openssl rand -base64 32`$/,
    )
    expect(() => parseMasterKey(undefined)).toThrow(/^PRECIS_MASTER_KEY is not set/)
  })
})

const values: [string, JsonValue][] = [
  ['a string', 'ada@example.com'],
  ['an empty string', ''],
  ['unicode', 'Ëraséd 名前 🙂'],
  ['a string that looks like an envelope', 'enc:v1:abc:def'],
  ['an integer', 42],
  ['a negative float', -3.25],
  ['zero', 0],
  ['true', true],
  ['false', false],
  ['null', null],
  ['an object', { email: 'a@b.c', address: { city: 'Lyon', zip: '69001' }, tags: ['x', 1] }],
  ['an array', [1, 'two', { three: 3 }, null]],
  ['a long string', 'x'.repeat(100_000)],
]

describe('value round trips', () => {
  const key = newDataKey()
  it.each(values)('%s', (_, value) => {
    const envelope = encryptValue(key, value, 'demo/email')
    expect(envelope).toMatch(/^enc:v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/)
    expect(isEncrypted(envelope)).toBe(true)
    expect(envelopeKeyId(envelope)).toBe(key.id)
    expect(decryptValue(key, envelope, 'demo/email')).toEqual(value)
  })

  it('uses a fresh iv each time: the same value twice gives two envelopes', () => {
    expect(encryptValue(key, 'same', 'a')).not.toBe(encryptValue(key, 'same', 'a'))
  })

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s (no JSON form)', (_, value) => {
    expect(codeOf(() => encryptValue(key, value as unknown as JsonValue, 'a'))).toBe('not-json')
  })
})

describe('isEncrypted', () => {
  it.each([
    ['an envelope', encryptValue(KAT_KEY, 1, 'a'), true],
    ['plain text', 'ada@example.com', false],
    ['the prefix alone', 'enc:v1:', false],
    ['another version', 'enc:v2:AAECAwQFBgcICQoL:oKGi', false],
    ['a number', 5, false],
    ['an object', { enc: 'v1' }, false],
    ['null', null, false],
  ])('%s → %s', (_, value, expected) => {
    expect(isEncrypted(value)).toBe(expected)
  })
})

describe('a value that was tampered with, or opened with the wrong key or aad, fails', () => {
  const key: DataKey = { id: 'AAECAwQFBgcICQoL', key: KAT_KEY.key }
  const envelope = encryptValue(key, { email: 'ada@example.com' }, 'demo/traits')
  const [, , id, body] = envelope.split(':') as [string, string, string, string]
  const bytes = Buffer.from(body, 'base64url')
  const flip = (at: number) => {
    const copy = Buffer.from(bytes)
    copy[(at + copy.length) % copy.length]! ^= 0x01
    return `enc:v1:${id}:${copy.toString('base64url')}`
  }
  // 64 bytes take 86 characters, leaving 4 bits of the last one unused: flip one, same bytes.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const nonCanonical = `${envelope.slice(0, -1)}${alphabet[alphabet.indexOf(body.at(-1)!) ^ 1]}`
  const otherKey: DataKey = { id: key.id, key: Buffer.alloc(32, 7) }
  const renamed: DataKey = { ...key, id: 'other' }
  const T = 'demo/traits'
  const cases: [string, CryptoErrorCode, DataKey, string, string][] = [
    ['a flipped iv byte', 'auth-failed', key, flip(0), T],
    ['a flipped ciphertext byte', 'auth-failed', key, flip(14), T],
    ['a flipped tag byte', 'auth-failed', key, flip(-1), T],
    ['another aad (moved to another field)', 'auth-failed', key, envelope, 'demo/other'],
    ['another key under the same id', 'auth-failed', otherKey, envelope, T],
    ['another key id', 'key-mismatch', renamed, envelope, T],
    ['a header naming another key', 'auth-failed', renamed, `enc:v1:other:${body}`, T],
    ['a character appended', 'auth-failed', key, `${envelope}A`, T],
    ['a non-canonical last character (same bytes)', 'malformed', key, nonCanonical, T],
    ['truncated', 'malformed', key, envelope.slice(0, 30), T],
    ['another version', 'malformed', key, envelope.replace('enc:v1:', 'enc:v2:'), T],
    ['not an envelope', 'malformed', key, 'ada@example.com', T],
  ]
  it.each(cases)('%s → %s', (_, code, useKey, text, aad) => {
    expect(codeOf(() => decryptValue(useKey, text, aad))).toBe(code)
  })
  it('and the untouched envelope still opens', () => {
    expect(decryptValue(key, envelope, 'demo/traits')).toEqual({ email: 'ada@example.com' })
  })
})

describe('wrapped keys', () => {
  const data = newDataKey(counting(100))
  const aad = keyAad('demo', 'subject-1', data.id)
  const wrapped = wrapKey(MASTER_A, data.key, aad)
  const impostor = { id: MASTER_A.id, key: MASTER_B.key }
  const flipped = (at: number): WrappedKey => {
    const bytes = Buffer.from(wrapped.bytes)
    bytes[at]! ^= 0x80
    return { ...wrapped, bytes }
  }
  it('round trip', () => {
    expect(unwrapKey(MASTER_A, wrapped, aad)).toEqual(data.key)
  })
  const other = (site: string, subject: string, id: string) => keyAad(site, subject, id)
  const cases: [string, CryptoErrorCode, () => unknown][] = [
    ['another master', 'master-mismatch', () => unwrapKey(MASTER_B, wrapped, aad)],
    ['another master under the right id', 'auth-failed', () => unwrapKey(impostor, wrapped, aad)],
    [
      'moved to another subject',
      'auth-failed',
      () => unwrapKey(MASTER_A, wrapped, other('demo', 's2', data.id)),
    ],
    [
      'moved to another site',
      'auth-failed',
      () => unwrapKey(MASTER_A, wrapped, other('shop', 'subject-1', data.id)),
    ],
    [
      'given another key id',
      'auth-failed',
      () => unwrapKey(MASTER_A, wrapped, other('demo', 'subject-1', 'x')),
    ],
    ['a flipped byte', 'auth-failed', () => unwrapKey(MASTER_A, flipped(20), aad)],
    ['a flipped tag byte', 'auth-failed', () => unwrapKey(MASTER_A, flipped(59), aad)],
    [
      'truncated',
      'malformed',
      () => unwrapKey(MASTER_A, { ...wrapped, bytes: wrapped.bytes.subarray(1) }, aad),
    ],
    ['a data key of the wrong size', 'malformed', () => wrapKey(MASTER_A, Buffer.alloc(16), aad)],
  ]
  it.each(cases)('%s → %s', (_, code, run) => {
    expect(codeOf(run)).toBe(code)
  })
})
