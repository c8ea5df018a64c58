// Standard Webhooks signatures (https://www.standardwebhooks.com, the spec's "Signature scheme"):
// a delivery carries `webhook-id`, `webhook-timestamp` (seconds) and `webhook-signature`, which is
// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's bytes; the secret is
// written `whsec_` and base64. Several signatures may be sent space-separated (a secret being
// rotated); a receiver accepts a delivery when one matches and the timestamp is near its clock.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const PREFIX = 'whsec_'
/** How far a delivery's timestamp may be from the receiver's clock (the libraries' default). */
export const TOLERANCE_SECONDS = 5 * 60

/** The secret's key bytes: `whsec_<base64>` as written, or the base64 alone. Throws when empty. */
export const secretKey = (secret: string) => {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
  if (key.length === 0) throw new Error('a webhook secret is whsec_ and at least one byte in base64')
  return key
}

/** A new secret of 24 random bytes, as Standard Webhooks writes one. */
export const newSecret = (random: (n: number) => Buffer = randomBytes) =>
  `${PREFIX}${random(24).toString('base64')}`

/** `v1,<base64>`: the signature of one delivery. */
export const sign = (secret: string, id: string, timestamp: number, body: string) =>
  `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`

/** The three headers of a delivery sent at `now` (epoch ms). */
export const signedHeaders = (secret: string, id: string, now: number, body: string) => {
  const timestamp = Math.floor(now / 1000)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, id, timestamp, body),
  }
}

/**
 * Why a delivery does not verify, or undefined when it does: one of its `v1` signatures matches
 * (compared in constant time) and its timestamp is within TOLERANCE_SECONDS of `now` (epoch ms).
 */
export const verifyProblem = (
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  now: number,
): string | undefined => {
  const id = headers['webhook-id']
  const stamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (!id || !stamp || !signatures) return 'missing webhook-id, webhook-timestamp or webhook-signature'
  const timestamp = Number(stamp)
  if (!/^\d+$/.test(stamp) || Math.abs(now / 1000 - timestamp) > TOLERANCE_SECONDS)
    return 'the timestamp is not within 5 minutes of now'
  const expected = Buffer.from(sign(secret, id, timestamp, body).slice(3), 'base64')
  const matches = signatures.split(' ').some((s) => {
    const [version, value] = s.split(',', 2)
    if (version !== 'v1' || !value) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return matches ? undefined : 'no signature matches'
}
