// The consent section of a site's config: validated by the collector (zod), served to the script
// tag as JSON. Browser code imports only its types, so zod stays out of the bundle.
import { z } from 'zod'
import { PURPOSES } from './state.ts'
import { LANGUAGES, STRINGS, type StringKey } from './strings.ts'

/** A cookie, storage key or database name; `*` matches any run of characters. */
const pattern = z.string().min(1).max(200)

export const serviceSchema = z.object({
  name: z.string().min(1).max(100),
  purpose: z.enum(PURPOSES),
  description: z.string().max(500).optional(),
  /** Cookies the service sets, deleted when its purpose is withdrawn. */
  cookies: z.array(pattern).default([]),
  /** localStorage and sessionStorage keys, deleted on withdrawal. */
  storage: z.array(pattern).default([]),
  /** IndexedDB database names, deleted on withdrawal. */
  indexedDB: z.array(pattern).default([]),
})

const stringKeys = Object.keys(STRINGS.en) as [StringKey, ...StringKey[]]
const overrides = z.partialRecord(z.enum(stringKeys), z.string().min(1).max(1000))

export const consentConfigSchema = z.object({
  /** The policy revision: raising it asks every visitor again. */
  version: z.number().int().min(1).default(1),
  /** How long a choice holds (default about 6 months; at most 13). */
  maxAgeDays: z.number().int().min(1).max(395).default(182),
  /** opt-in: nothing but necessary until granted (EU, UK, China). opt-out: on until refused (US). */
  mode: z.enum(['opt-in', 'opt-out']).default('opt-in'),
  language: z.enum(['auto', ...LANGUAGES]).default('auto'),
  /** The site owner's wording, per language, over the built-in texts. */
  strings: z.partialRecord(z.enum(LANGUAGES), overrides).default({}),
  services: z.array(serviceSchema).default([]),
})

export type ServiceConfig = z.infer<typeof serviceSchema>
export type ConsentConfig = z.infer<typeof consentConfigSchema>
