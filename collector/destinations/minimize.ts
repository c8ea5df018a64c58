// What of an event leaves for a destination: only the fields it lists (dot paths), and listed
// identifiers hashed as ad platforms expect them (SHA-256, hex, of the trimmed lower-case value, as
// for an email address). The envelope a receiver needs to drop repeats and order events (`type`,
// `messageId`, `timestamp`) always goes; it holds nothing about the person.
import { createHash } from 'node:crypto'
import { isJson } from '../config/resources.ts'

type Json = Record<string, unknown>

const ENVELOPE = ['type', 'messageId', 'timestamp']

const read = (from: Json, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, k) => (isJson(v) && Object.hasOwn(v, k) ? v[k] : undefined), from)

const write = (to: Json, path: readonly string[], value: unknown) => {
  let at = to
  for (const k of path.slice(0, -1)) {
    if (!isJson(at[k])) at[k] = {}
    at = at[k] as Json
  }
  at[path[path.length - 1]!] = value
}

/** SHA-256 hex of the normalized identifier (trimmed, lower case). */
export const hashIdentifier = (value: string) =>
  createHash('sha256').update(value.trim().toLowerCase()).digest('hex')

/**
 * The event as `fields` allow (all of it when undefined; a path names a value or a whole object),
 * with the string values at the `hash` paths hashed (hashIdentifier). The event is not changed; with
 * neither fields nor hashes it is returned as it is.
 */
export const minimized = (
  event: Json,
  fields: readonly string[] | undefined,
  hash: readonly string[] = [],
) => {
  // The whole event is copied only when a hash will change it.
  const out: Json = fields !== undefined ? {} : hash.length > 0 ? structuredClone(event) : event
  if (fields !== undefined)
    for (const field of [...ENVELOPE, ...fields]) {
      const path = field.split('.')
      const value = read(event, path)
      if (value !== undefined) write(out, path, structuredClone(value))
    }
  for (const field of hash) {
    const path = field.split('.')
    const value = read(out, path)
    if (typeof value === 'string') write(out, path, hashIdentifier(value))
  }
  return out
}
