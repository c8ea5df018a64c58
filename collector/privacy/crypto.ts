// Crypto-shredding primitives: a master key from the environment wraps per-person data keys, and a
// data key encrypts that person's values. Pure apart from randomness, which is injectable so the
// formats can be pinned by known-answer tests. node:crypto only; AES-256-GCM throughout.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes as nodeRandomBytes,
  timingSafeEqual,
} from 'node:crypto'

/** `size` random bytes. Tests pass a deterministic source; production uses node:crypto's. */
export type RandomBytes = (size: number) => Buffer

export const defaultRandom: RandomBytes = (size) => nodeRandomBytes(size)

/** Whether two secrets (hashes, links, proofs) are equal, in time that tells nothing of where they differ. */
export const sameSecret = (stored: string, given: string) => {
  const a = Buffer.from(stored)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

export type CryptoErrorCode =
  /** PRECIS_MASTER_KEY (or another key variable) is missing or not 32 bytes. */
  | 'master-key-invalid'
  /** Not an envelope or a wrapped key of this format (truncated, wrong alphabet, wrong version). */
  | 'malformed'
  /** The envelope names another data key than the one given. */
  | 'key-mismatch'
  /** The wrapped key says another master wrapped it. */
  | 'master-mismatch'
  /** The authentication tag does not verify: tampered bytes, a wrong key or a wrong aad. */
  | 'auth-failed'
  /** The value has no JSON form (undefined, a function, a non-finite number). */
  | 'not-json'

/** Every failure here is one of these: decryption never returns garbage. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError'
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface MasterKey {
  /** First 8 hex digits of SHA-256 of the key: stored beside each wrapped key, reveals nothing. */
  readonly id: string
  readonly key: Buffer
}

/** A person's data key; `id` is random (never derived from the person) and goes into envelopes. */
export interface DataKey {
  readonly id: string
  readonly key: Buffer
}

/** A data key wrapped by a master: `bytes` is iv (12) | ciphertext (32) | tag (16). */
export interface WrappedKey {
  readonly masterId: string
  readonly bytes: Buffer
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID_BYTES = 12
const ALGORITHM = 'aes-256-gcm'
export const ENVELOPE_PREFIX = 'enc:v1:'
const ENVELOPE = /^enc:v1:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]+)$/

export const masterKey = (key: Buffer): MasterKey => {
  if (key.length !== KEY_BYTES) throw new CryptoError('master-key-invalid', 'a master key is 32 bytes')
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key: Buffer.from(key) }
}

/**
 * A master key from an environment variable: 32 bytes as base64 (or base64url) or as 64 hex digits.
 * The message names the variable and how to make a key, never the value it was given.
 */
export const parseMasterKey = (text: string | undefined, name = 'PRECIS_MASTER_KEY'): MasterKey => {
  const how = 'generate one with `openssl rand -base64 32`'
  const value = text?.trim() ?? ''
  if (value === '') throw new CryptoError('master-key-invalid', `${name} is not set: ${how}`)
  let bytes: Buffer | undefined
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Buffer.from(value, 'hex')
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) bytes = Buffer.from(value, 'base64')
  if (bytes?.length !== KEY_BYTES) {
    throw new CryptoError(
      'master-key-invalid',
      `${name} must be 32 bytes as base64 (44 characters) or hex (64 characters): ${how}`,
    )
  }
  return masterKey(bytes)
}

export const newDataKey = (random: RandomBytes = defaultRandom): DataKey => ({
  id: random(KEY_ID_BYTES).toString('base64url'),
  key: random(KEY_BYTES),
})

const seal = (key: Buffer, iv: Buffer, plaintext: Buffer, aad: string) => {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

const open = (key: Buffer, sealed: Buffer, aad: string, what: string) => {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new CryptoError('malformed', `${what}: too short`)
  const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  })
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ])
  } catch {
    // GCM cannot tell a flipped byte from a wrong key or aad; all three are "not authentic".
    throw new CryptoError('auth-failed', `${what}: not authentic (tampered, wrong key or wrong context)`)
  }
}

// NUL separates the fixed header from the caller's aad: neither a master id nor a key id has one.
const wrapContext = (masterId: string, aad: string) => `precis-wrap-v1\0${masterId}\0${aad}`

/** The aad a key store binds a wrapped key with: moved to another site, subject or id, it fails. */
export const keyAad = (site: string, subject: string, id: string) =>
  JSON.stringify(['precis-key-v1', site, subject, id])

export const wrapKey = (
  master: MasterKey,
  dataKey: Buffer,
  aad: string,
  random: RandomBytes = defaultRandom,
): WrappedKey => {
  if (dataKey.length !== KEY_BYTES) throw new CryptoError('malformed', 'a data key is 32 bytes')
  return {
    masterId: master.id,
    bytes: seal(master.key, random(IV_BYTES), dataKey, wrapContext(master.id, aad)),
  }
}

export const unwrapKey = (master: MasterKey, wrapped: WrappedKey, aad: string): Buffer => {
  if (wrapped.masterId !== master.id) {
    throw new CryptoError(
      'master-mismatch',
      `data key wrapped by master ${wrapped.masterId}, not by ${master.id}`,
    )
  }
  if (wrapped.bytes.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) {
    throw new CryptoError('malformed', 'wrapped key: wrong length')
  }
  return open(master.key, wrapped.bytes, wrapContext(master.id, aad), 'wrapped key')
}

const valueContext = (keyId: string, aad: string) => `${ENVELOPE_PREFIX}${keyId}\0${aad}`

/**
 * `enc:v1:<key id>:<base64url(iv | ciphertext | tag)>`. The header is authenticated with the aad
 * (the caller's context, e.g. site and field), so a value moved to another field fails to open.
 */
export const encryptValue = (
  dataKey: DataKey,
  value: JsonValue,
  aad: string,
  random: RandomBytes = defaultRandom,
): string => {
  const text = JSON.stringify(value) as string | undefined
  if (text === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new CryptoError('not-json', 'only JSON values can be encrypted')
  }
  const sealed = seal(dataKey.key, random(IV_BYTES), Buffer.from(text, 'utf8'), valueContext(dataKey.id, aad))
  return `${ENVELOPE_PREFIX}${dataKey.id}:${sealed.toString('base64url')}`
}

/**
 * Whether `value` has the envelope's shape. Says nothing about who wrote it: input from a browser
 * that merely looks encrypted must still be encrypted, never passed through on this test.
 */
export const isEncrypted = (value: unknown): value is string =>
  typeof value === 'string' && ENVELOPE.test(value)

/** The data key id an envelope names (to fetch the keys a page of values needs in one call). */
export const envelopeKeyId = (value: unknown): string | undefined =>
  typeof value === 'string' ? ENVELOPE.exec(value)?.[1] : undefined

export const decryptValue = (dataKey: DataKey, envelope: string, aad: string): JsonValue => {
  const match = ENVELOPE.exec(envelope)
  if (!match) throw new CryptoError('malformed', 'not an enc:v1 envelope')
  const [, keyId, body] = match as unknown as [string, string, string]
  const sealed = Buffer.from(body, 'base64url')
  // Node decodes leniently (a stray last character is dropped): only the canonical spelling counts.
  if (sealed.toString('base64url') !== body)
    throw new CryptoError('malformed', 'envelope: not canonical base64url')
  if (keyId !== dataKey.id) throw new CryptoError('key-mismatch', 'envelope made with another data key')
  const plaintext = open(dataKey.key, sealed, valueContext(keyId, aad), 'value')
  return JSON.parse(plaintext.toString('utf8')) as JsonValue
}
