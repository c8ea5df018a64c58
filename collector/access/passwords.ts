// Password hashes with scrypt from node:crypto (no dependency): memory-hard, a random salt per
// password, parameters kept in the hash so they can be raised later without breaking old ones.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

export interface ScryptCost {
  N: number
  r: number
  p: number
}

/** OWASP's scrypt minimum (N=2^17, r=8, p=1) costs 128 MiB a hash; 2^15 keeps sign-ins cheap on 2 cores. */
export const DEFAULT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 }
const KEY_BYTES = 32
const SALT_BYTES = 16

const derive = (password: string, salt: Buffer, { N, r, p }: ScryptCost) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )

/** `scrypt$N$r$p$<salt base64>$<key base64>` */
export const hashPassword = async (password: string, cost: ScryptCost = DEFAULT_COST) => {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, cost)
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export const verifyPassword = async (password: string, stored: string) => {
  const [scheme, N, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** What is wrong with a new password, if anything (NIST 800-63B: length, not composition rules). */
export const passwordProblem = (password: unknown) =>
  typeof password !== 'string'
    ? 'password: is required'
    : password.length < 12
      ? 'password: must be at least 12 characters'
      : password.length > 200
        ? 'password: must be at most 200 characters'
        : undefined
