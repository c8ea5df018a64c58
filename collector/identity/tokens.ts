// Self-service rights tokens, the logic both adapters share (sqlite/tokens.ts, postgres/tokens.ts
// hold the SQL): the token's form, what is stored of it, expiry. A token is random, so a new one
// never equals an old one (erasure, renewal); the database keeps keyed hashes only, so a copy of
// it hands out no token and names no anonymousId. Time and randomness come in as arguments.
import { randomBytes } from 'node:crypto'
import { sameSecret } from '../privacy/crypto.ts'
import { keyedHash } from './shared-resolver.ts'

const DAY = 86_400_000

/**
 * How long a token lives: 30 days from issue or renewal. The browser renews it past half its life
 * while analytics consent holds, so a visitor who comes back at least every two weeks keeps one;
 * a browser that stays away longer simply asks for a new one.
 */
export const TOKEN_TTL_MS = 30 * DAY

/** Random bytes in a token: 256 bits, far beyond guessing. */
export const TOKEN_BYTES = 32
/** The random part as base64url: 32 bytes are 43 characters. */
const RANDOM_PART = /^[\w-]{43}$/

export type RandomBytes = (size: number) => Uint8Array

/** What the browser is given: the token and when it stops working (epoch ms). */
export interface IssuedToken {
  token: string
  expiresAt: number
}

/** A row of rights_tokens: keyed hashes of the anonymousId (`owner`) and the token, and times. */
export interface TokenRow {
  site: string
  owner: string
  hash: string
  issuedAt: number
  expiresAt: number
}

/** The keyed hash a token's anonymousId is stored as (one live token per owner). */
export const ownerHash = (secret: string, site: string, anonymousId: string) =>
  keyedHash(secret, 'rights-owner', site, anonymousId)

/** The keyed hash a token is stored as; the site is in it, so no token works on another site. */
export const tokenHash = (secret: string, site: string, token: string) =>
  keyedHash(secret, 'rights-token', site, token)

/** `<anonymousId>.<base64url of TOKEN_BYTES random bytes>`: the holder's id travels with it. */
export const newToken = (anonymousId: string, random: RandomBytes = randomBytes) =>
  `${anonymousId}.${Buffer.from(random(TOKEN_BYTES)).toString('base64url')}`

/** A fresh token for the id and the row that stores it. */
export const issueFor = (
  secret: string,
  site: string,
  anonymousId: string,
  now: number,
  random: RandomBytes = randomBytes,
): { issued: IssuedToken; row: TokenRow } => {
  const token = newToken(anonymousId, random)
  const expiresAt = now + TOKEN_TTL_MS
  return {
    issued: { token, expiresAt },
    row: {
      site,
      owner: ownerHash(secret, site, anonymousId),
      hash: tokenHash(secret, site, token),
      issuedAt: now,
      expiresAt,
    },
  }
}

/** How an adapter finds a token's row: by the owner hash, then compares hashes here. */
export interface TokenKey {
  anonymousId: string
  owner: string
  hash: string
}

/** The token's anonymousId and hashes, or undefined when it is not of the token's form. */
export const tokenKey = (secret: string, site: string, token: string): TokenKey | undefined => {
  const dot = token.lastIndexOf('.')
  if (dot <= 0 || !RANDOM_PART.test(token.slice(dot + 1))) return undefined
  const anonymousId = token.slice(0, dot)
  return { anonymousId, owner: ownerHash(secret, site, anonymousId), hash: tokenHash(secret, site, token) }
}

/** Whether a stored hash is the token's, compared in constant time (both are fixed-length). */
/** Live: stored, the token's own (constant-time), and not yet expired at `now`. */
export const isLive = (row: Pick<TokenRow, 'hash' | 'expiresAt'> | undefined, key: TokenKey, now: number) =>
  row !== undefined && sameSecret(row.hash, key.hash) && now < row.expiresAt
