// Unsubscribe links that need no look-up and no stored state: the token says which site, which
// person (the SHA-256 of their address, never the address) and which destination, signed with the
// site's key so no one can unsubscribe someone else. They do not expire: a link in an old mail must
// still work (RFC 8058; the law in many places). Pure.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { hashIdentifier } from '../minimize.ts'

export interface UnsubscribePayload {
  site: string
  /** emailSubject of the address. */
  subject: string
  /** The email destination's key. */
  destination: string
}

/** Who an address is to the unsubscribe list: SHA-256 hex of the trimmed lower-case address. */
export const emailSubject = (email: string) => hashIdentifier(email)

/** Longer tokens are not read: the payload's three short fields fit in far less. */
const MAX_TOKEN = 1000
/** 128 bits of HMAC-SHA256: forging one is still out of reach, and the links stay short. */
const MAC_BYTES = 16

const mac = (key: Buffer, payload: string) => {
  if (key.length < 16) throw new Error('an unsubscribe key has at least 16 bytes')
  // The context in the MAC: a key shared with another use cannot sign an unsubscribe by accident.
  return createHmac('sha256', key).update(`precis-unsubscribe.${payload}`).digest().subarray(0, MAC_BYTES)
}

/** `<base64url of ["site","subject","destination"]>.<base64url of the MAC>`: URL-safe as it is. */
export const unsubscribeToken = (key: Buffer, { site, subject, destination }: UnsubscribePayload) => {
  const payload = Buffer.from(JSON.stringify([site, subject, destination])).toString('base64url')
  return `${payload}.${mac(key, payload).toString('base64url')}`
}

/** The payload of a token signed with `key`; undefined for anything else, never an error. */
export const readUnsubscribeToken = (key: Buffer, token: unknown): UnsubscribePayload | undefined => {
  if (typeof token !== 'string' || token.length > MAX_TOKEN) return undefined
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token)
  if (!m) return undefined
  const [, payload = '', signature = ''] = m
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(key, payload))) return undefined
  let fields: unknown
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (!Array.isArray(fields) || fields.length !== 3 || !fields.every((f) => typeof f === 'string'))
    return undefined
  const [site, subject, destination] = fields as [string, string, string]
  return { site, subject, destination }
}

/** Where a site's unsubscribe link points: the collector's public URL (routes/unsubscribe.ts). */
export const unsubscribeUrl = (base: string, site: string, token: string) =>
  `${base.replace(/\/+$/, '')}/v1/sites/${encodeURIComponent(site)}/unsubscribe?t=${encodeURIComponent(token)}`
