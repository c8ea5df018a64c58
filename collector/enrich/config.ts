// The enrichment section of a site's config: what the collector derives from a request and how
// little of it it keeps.
import { z } from 'zod'

/** An HTTP header name, like cf-ipcountry (any case: header names are case-insensitive). */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a header name, like cf-ipcountry')
  .transform((name) => name.toLowerCase())

export const enrichmentSchema = z
  .strictObject({
    /** flag: store bot and crawler events with context.bot = true. drop: refuse them (bot_traffic). */
    bots: z.enum(['flag', 'drop'], { error: 'must be "flag" or "drop"' }).default('flag'),
    /** truncate: keep the network only (IPv4 /24, IPv6 /48) as context.ip. discard: keep none. */
    ip: z.enum(['truncate', 'discard'], { error: 'must be "truncate" or "discard"' }).default('truncate'),
    /**
     * The collector runs behind a proxy of yours: the visitor's address is the first
     * X-Forwarded-For entry, and the geo headers below are believed. Never set it without such a
     * proxy, or any client can say where it is.
     */
    trustProxy: z.boolean({ error: 'must be true or false' }).default(false),
    /** Headers in which the trusted proxy puts the visitor's country and region (coarse geo only). */
    geoHeaders: z.strictObject({ country: headerName.optional(), region: headerName.optional() }).optional(),
  })
  .refine((config) => config.geoHeaders === undefined || config.trustProxy, {
    message: 'geoHeaders needs trustProxy: true (without a trusted proxy, clients could set them)',
    path: ['geoHeaders'],
  })
  .prefault({})

export type EnrichmentConfig = z.infer<typeof enrichmentSchema>
