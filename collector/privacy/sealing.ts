// Personal values meet the database only sealed: each event's declared personal traits and
// properties are encrypted with the data key of the event's subject (its user id, else its
// anonymous id) just before the write, and opened for a reader who needs them. Erasure destroys
// the subjects' keys (privacy/keys.ts), which makes every copy of those values unreadable.
import { DEFAULT_IDENTITY, type Identifier, type IdentitySettings, isBlocked } from '../identity/rules.ts'
import { keyedHash, linkEventOf, traitHash } from '../identity/shared-resolver.ts'
import type { SiteRules } from '../identity/types.ts'
import type { InsertResult, StoredEvent } from '../store/event.ts'
import {
  CryptoError,
  type DataKey,
  decryptValue,
  encryptValue,
  envelopeKeyId,
  type JsonValue,
} from './crypto.ts'
import type { KeyStore } from './keys.ts'
import { type Body, holdsPersonal, openBody, openTraits, type PersonalFields, sealBody } from './personal.ts'

/** The key-store subject of an identifier: a keyed hash, so the key store never sees the id. */
export const subjectOf = (secret: string, site: string, id: Pick<Identifier, 'kind' | 'value'>) =>
  keyedHash(secret, 'subject', site, id.kind, id.value)

/** Whose key seals an event: its user id, else its anonymous id (placeholders skipped if possible). */
const eventSubject = (secret: string, row: StoredEvent, settings: IdentitySettings) => {
  const ids = [
    row.userId === null ? undefined : ({ kind: 'user', value: row.userId } as const),
    row.anonymousId === null ? undefined : ({ kind: 'anonymous', value: row.anonymousId } as const),
  ].filter((i) => i !== undefined)
  const id = ids.find((i) => !isBlocked(i.value, settings)) ?? ids[0]
  return id && subjectOf(secret, row.site, id)
}

const fieldsOf = (rules: SiteRules, site: string): PersonalFields =>
  (rules[site] ?? DEFAULT_IDENTITY).personal

/** Cheap text test first: most events carry no traits and no declared property. */
const mayHold = (payload: string, fields: PersonalFields) =>
  payload.includes('"traits"') ||
  payload.includes('"ids"') ||
  (fields.properties.length > 0 && payload.includes('"properties"'))

/**
 * The rows with their personal values sealed, and the trait identifiers (emails) hashed beside
 * them for the resolver, which no longer sees them in clear.
 */
export const sealRows = async (
  rows: readonly StoredEvent[],
  rules: SiteRules,
  secret: string,
  keys: KeyStore,
): Promise<StoredEvent[]> => {
  const work: { index: number; body: Body; subject: string }[] = []
  for (const [index, row] of rows.entries()) {
    const fields = fieldsOf(rules, row.site)
    if (!mayHold(row.payload, fields)) continue
    const body = JSON.parse(row.payload) as Body
    const subject = eventSubject(secret, row, rules[row.site] ?? DEFAULT_IDENTITY)
    if (subject && holdsPersonal(body, fields)) work.push({ index, body, subject })
  }
  if (work.length === 0) return [...rows]
  const keyBySite = new Map<string, Map<string, DataKey>>()
  for (const site of new Set(work.map((w) => rows[w.index]!.site)))
    keyBySite.set(
      site,
      await keys.keysFor(
        site,
        work.filter((w) => rows[w.index]!.site === site).map((w) => w.subject),
      ),
    )
  const sealed = [...rows]
  for (const { index, body, subject } of work) {
    const row = rows[index]!
    const settings = rules[row.site] ?? DEFAULT_IDENTITY
    const key = keyBySite.get(row.site)!.get(subject)!
    const out = sealBody(body, row.site, settings.personal, (value, aad) => encryptValue(key, value, aad))
    const hashes = traitHashesOf(secret, row, settings)
    if (Object.keys(hashes).length > 0) out.traitHashes = hashes
    sealed[index] = { ...row, payload: JSON.stringify(out) }
  }
  return sealed
}

/** The event's trait identifiers hashed as the resolver would hash them from clear values. */
const traitHashesOf = (secret: string, row: StoredEvent, settings: IdentitySettings) => {
  const { traits } = linkEventOf(
    { ...row, id: 0, message_id: row.messageId, user_id: row.userId, anonymous_id: row.anonymousId },
    settings,
  )
  const hashes: Record<string, string> = {}
  for (const name of settings.traitIdentifiers) {
    const value = traits?.[name]
    if (typeof value === 'string' && !isBlocked(value, settings))
      hashes[name] = traitHash(secret, row.site, name, value.trim().toLowerCase())
  }
  return hashes
}

/** Erasure: destroys the keys of the erased user and anonymous ids (emails seal nothing). */
export const forgetSubjects = async (
  keys: KeyStore,
  secret: string,
  site: string,
  ids: readonly Pick<Identifier, 'kind' | 'value'>[],
) =>
  keys.destroy(
    site,
    ids.filter((i) => i.kind !== 'email').map((i) => subjectOf(secret, site, i)),
  )

/** An insert that seals personal values first (after suppression, before the write). */
export const insertSealed =
  (
    insert: (rows: readonly StoredEvent[], rules?: SiteRules) => Promise<InsertResult>,
    secret: () => string | Promise<string>,
    keys: KeyStore,
  ) =>
  async (rows: readonly StoredEvent[], rules: SiteRules = {}) =>
    insert(await sealRows(rows, rules, await secret(), keys), rules)

/** Opens sealed values with the keys a page of them names, fetched in one call per site. */
const opener = async (keys: KeyStore, site: string, envelopes: unknown[]) => {
  const ids = envelopes.map(envelopeKeyId).filter((id) => id !== undefined)
  const found = ids.length > 0 ? await keys.keysById(site, ids) : new Map<string, DataKey>()
  return (envelope: unknown, aad: string): JsonValue | undefined => {
    const key = found.get(envelopeKeyId(envelope) ?? '')
    if (!key) return undefined
    try {
      return decryptValue(key, envelope as string, aad)
    } catch (err) {
      if (err instanceof CryptoError) return undefined
      throw err
    }
  }
}

/** Every envelope at a personal position of the body (to fetch their keys first). */
const envelopesOf = (body: Body, site: string, fields: PersonalFields) => {
  const found: unknown[] = []
  openBody(body, site, fields, (envelope) => {
    found.push(envelope)
    return undefined
  })
  return found
}

/** The row with the clear ids sealed beside its pseudonyms put back (null once the key is gone). */
const withClearIds = (row: StoredEvent, body: Body, ids: unknown): StoredEvent => {
  if (typeof ids !== 'object' || ids === null) return row
  const clear = ids as { userId?: string | null; previousId?: string | null }
  if (clear.previousId !== undefined) body.previousId = clear.previousId
  return clear.userId === undefined ? row : { ...row, userId: clear.userId }
}

/** The rows as a reader needs them: personal values opened, or null where the key is gone. */
export const revealRows = async (
  rows: readonly StoredEvent[],
  rules: SiteRules,
  keys: KeyStore,
): Promise<StoredEvent[]> => {
  const bodies = rows.map((row) =>
    mayHold(row.payload, fieldsOf(rules, row.site)) ? (JSON.parse(row.payload) as Body) : undefined,
  )
  const out = [...rows]
  for (const site of new Set(rows.map((r) => r.site))) {
    const fields = fieldsOf(rules, site)
    const mine = rows.flatMap((row, i) => (row.site === site && bodies[i] ? [i] : []))
    if (mine.length === 0) continue
    const open = await opener(
      keys,
      site,
      mine.flatMap((i) => envelopesOf(bodies[i]!, site, fields)),
    )
    for (const i of mine) {
      const { traitHashes: _hashes, ids, ...body } = openBody(bodies[i]!, site, fields, open)
      out[i] = { ...withClearIds(rows[i]!, body, ids), payload: JSON.stringify(body) }
    }
  }
  return out
}

/** A profile's traits as a reader needs them. */
export const revealTraits = async (
  site: string,
  traits: Record<string, unknown>,
  rules: SiteRules,
  keys: KeyStore,
) => {
  const fields = fieldsOf(rules, site)
  const open = await opener(keys, site, envelopesOf({ traits }, site, fields))
  return openTraits(traits, site, fields, open)
}
