// The site config's destinations: where stored events are forwarded, with which consent, which of
// their fields and how many at a time. The config file, the admin API and the worker read this one
// schema. Secrets (a webhook's signing secret, a Segment-compatible endpoint's write key) live in
// the site's entry like its server key; the admin API never shows them after they were set.
import { z } from 'zod'
import { PURPOSES } from './consent-gate.ts'
import { emailSchema } from './email/config.ts'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

const url = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const u = new URL(value)
      return u.protocol === 'https:' || u.protocol === 'http:'
    } catch {
      return false
    }
  }, 'must be an http(s) URL')

/** A dot path into the event: `event`, `properties.sku`, `context.page.path`. */
const field = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dot path such as "properties.sku"')

const common = {
  key,
  name: z.string().min(1).max(200).optional(),
  /** Off: nothing new is queued for it; what is queued waits until it is on again. */
  enabled: z.boolean().default(true),
  url,
  /** Every purpose the consent stamped on an event must grant for it to go here. */
  purposes: z.array(z.enum(PURPOSES)).max(3).default(['analytics']),
  /** Only events matching (GrowthBook's condition language, over the Segment event). */
  where: z.record(z.string(), z.unknown()).optional(),
  /** Only these fields leave (with type, messageId and timestamp); all of them when absent. */
  fields: z.array(field).max(100).optional(),
  /** Fields whose string value leaves as SHA-256 of the trimmed lower-case value. */
  hash: z.array(field).max(20).optional(),
  /** Events per request: 1 sends each alone. */
  batch: z.number().int().min(1).max(100).default(1),
  /** Requests at once to it, per collector process. */
  concurrency: z.number().int().min(1).max(16).default(2),
  /** At most this many requests a second to it, per collector process; unlimited when absent. */
  ratePerSecond: z.number().positive().max(10_000).optional(),
}

export const webhookSchema = z.strictObject({
  ...common,
  kind: z.literal('webhook'),
  /** Standard Webhooks' secret: `whsec_` and base64 of at least 24 bytes. */
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ and the base64 of at least 24 bytes'),
})

export const segmentSchema = z.strictObject({
  ...common,
  /** Segment's HTTP API (`/v1/batch`): Segment, RudderStack or another Precis. */
  kind: z.literal('segment'),
  /** Sent as the Basic user name, as Segment's libraries do. */
  writeKey: z.string().min(1).max(256),
})

/** Email (email/config.ts) carries journeys' messages only, never events. */
export const destinationSchema = z.discriminatedUnion('kind', [webhookSchema, segmentSchema, emailSchema])

export const MAX_DESTINATIONS = 20

export const destinationsSchema = z
  .array(destinationSchema)
  .max(MAX_DESTINATIONS)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>()
    list.forEach((d, i) => {
      if (seen.has(d.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'duplicate key' })
      seen.add(d.key)
    })
  })

export type Destination = z.infer<typeof destinationSchema>
/** A destination events are posted to over HTTP. */
export type HttpDestination = Exclude<Destination, { kind: 'email' }>

/** Fields holding a secret: written, never shown again. */
export const SECRET_FIELDS = ['secret', 'writeKey', 'smtp'] as const
