// Personal values in events, pure: which positions hold them, sealing them with a data key before
// the write, and opening them again for a reader. Only the declared positions are ever opened, and
// whatever a client sends there is sealed, even text that already looks sealed: a browser cannot
// plant someone else's ciphertext where the collector would open it for them.
import type { JsonValue } from './crypto.ts'

/** Trait and property names a site declares personal (identity.personal in the site config). */
export interface PersonalFields {
  /** In `traits` and `context.traits`. */
  traits: readonly string[]
  /** In track and page `properties`. */
  properties: readonly string[]
}

export const DEFAULT_PERSONAL: PersonalFields = {
  traits: [
    'email',
    'phone',
    'name',
    'firstName',
    'lastName',
    'first_name',
    'last_name',
    'address',
    'birthday',
  ],
  properties: [],
}

/** The additional data a sealed value is bound to: its site and its kind of position and name. */
export const traitAad = (site: string, name: string) => `${site}\0trait\0${name}`
export const propertyAad = (site: string, name: string) => `${site}\0property\0${name}`
export const idAad = (site: string, name: string) => `${site}\0id\0${name}`

/** Clear ids an event keeps sealed under `ids` (its columns hold pseudonyms: privacy/pseudonyms.ts). */
export const SEALED_IDS = ['userId', 'previousId'] as const

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** An event body as stored (see normalize.ts): only the parts that may hold personal values. */
export interface Body {
  traits?: unknown
  /** The clear ids whose pseudonyms the row holds. */
  ids?: unknown
  properties?: unknown
  context?: unknown
  [key: string]: unknown
}

/** Each personal position of the body: its container, its name and its aad. */
const positions = (body: Body, site: string, fields: PersonalFields) => {
  const found: { in: Dict; name: string; aad: string }[] = []
  const traits = (dict: unknown) => {
    if (!isDict(dict)) return
    for (const name of fields.traits)
      if (name in dict) found.push({ in: dict, name, aad: traitAad(site, name) })
  }
  traits(body.traits)
  if (isDict(body.context)) traits(body.context.traits)
  if (isDict(body.ids))
    for (const name of SEALED_IDS)
      if (name in body.ids) found.push({ in: body.ids, name, aad: idAad(site, name) })
  if (isDict(body.properties))
    for (const name of fields.properties)
      if (name in body.properties) found.push({ in: body.properties, name, aad: propertyAad(site, name) })
  return found
}

/** Whether the body has any personal value to seal (most events have none). */
export const holdsPersonal = (body: Body, fields: PersonalFields) =>
  positions(body, '', fields).some((p) => p.in[p.name] !== undefined && p.in[p.name] !== null)

/** A copy of the body whose personal values are sealed by `seal(value, aad)`; null stays null. */
export const sealBody = (
  body: Body,
  site: string,
  fields: PersonalFields,
  seal: (value: JsonValue, aad: string) => string,
): Body => {
  const copy = structuredClone(body)
  for (const p of positions(copy, site, fields)) {
    const value = p.in[p.name]
    if (value !== undefined && value !== null) p.in[p.name] = seal(value as JsonValue, p.aad)
  }
  return copy
}

/**
 * A copy of the body with its personal values opened by `open(envelope, aad)`, which answers
 * undefined when the value cannot be opened (its key was destroyed): such a value reads as null.
 */
export const openBody = (
  body: Body,
  site: string,
  fields: PersonalFields,
  open: (envelope: unknown, aad: string) => JsonValue | undefined,
): Body => {
  const copy = structuredClone(body)
  for (const p of positions(copy, site, fields)) {
    const value = p.in[p.name]
    if (value !== undefined && value !== null) p.in[p.name] = open(value, p.aad) ?? null
  }
  return copy
}

/** A profile's traits opened (they merge `traits` and `context.traits`: the same positions). */
export const openTraits = (
  traits: Record<string, unknown>,
  site: string,
  fields: PersonalFields,
  open: (envelope: unknown, aad: string) => JsonValue | undefined,
) => openBody({ traits }, site, fields, open).traits as Record<string, unknown>
