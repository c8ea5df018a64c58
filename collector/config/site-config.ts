import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { consentConfigSchema } from '../../consent/core/config.ts'
import { experimentsSchema } from '../../sdk/rules/experiment-schema.ts'
import { goalsSchema } from '../../sdk/rules/goal-schema.ts'
import { personalizationSchema } from '../../sdk/rules/personalization-schema.ts'
import { audienceIssues, audiencesSchema } from '../audiences/config.ts'
import { destinationsSchema } from '../destinations/config.ts'
import { BUILT_IN_TEMPLATES } from '../destinations/email/templates.ts'
import { enrichmentSchema } from '../enrich/config.ts'
import { experimentIssues, withGoalMetrics } from '../experiments/config.ts'
import { identitySchema } from '../identity/config.ts'
import { journeyIssues, journeysSchema, messagingSchema } from '../journeys/config.ts'

const origin = z.string().refine(
  (value) => {
    try {
      return new URL(value).origin === value
    } catch {
      return false
    }
  },
  { message: 'must be an origin like https://shop.example (scheme, host, optional port; no path)' },
)

const rate = (perSecond: number, burst: number) =>
  z
    .strictObject({
      perSecond: z.number().positive('must be above 0').max(1_000_000).default(perSecond),
      burst: z.number().int().min(1, 'must be at least 1').max(10_000_000).default(burst),
    })
    .prefault({})

/**
 * Token buckets on the write routes (/v1/*), per collector process: perIp per client address
 * (enrichment.trustProxy decides which), perSite for all of the site's traffic. The defaults are
 * far above what a visitor's browser or one server-side client sends, and below what floods a
 * collector.
 */
export const rateLimitSchema = z
  .strictObject({ perIp: rate(1_000, 2_000), perSite: rate(5_000, 10_000) })
  .prefault({})

/** Whether Intl knows the zone (Node ships full ICU, so every IANA name). */
const validTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const siteSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"'),
  name: z.string().min(1).max(200).optional(),
  /** The site's IANA time zone: the dashboard shows times in it (reports will count days in it). */
  timezone: z
    .string()
    .max(64)
    .refine(validTimeZone, 'must be an IANA time zone such as "Europe/Berlin", "Asia/Shanghai" or "UTC"')
    .default('UTC'),
  /** Public for browser sites (it ships to every visitor); the origin allowlist guards browser use. */
  writeKey: z.string().min(8, 'must be at least 8 characters').max(256),
  /**
   * Secret, for servers only (Segment's server libraries send it as the Basic user name): required
   * for events without a consent stamp and for /v1/import; refused from browser pages. Rotation:
   * the new one here, the old one in previousServerKey until every server uses the new one.
   */
  serverKey: z.string().min(24, 'must be at least 24 characters').max(256).optional(),
  previousServerKey: z.string().min(24, 'must be at least 24 characters').max(256).optional(),
  /** Until when the previous server key still works (ISO time); absent: until it is removed. */
  previousServerKeyUntil: z.iso.datetime({ offset: true }).optional(),
  /**
   * The write key a rotation replaced (POST /admin/api/sites/:id/rotate-key): pages that loaded the
   * old config and events waiting in browsers' outboxes still arrive until `previousWriteKeyUntil`.
   */
  previousWriteKey: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
  previousWriteKeyUntil: z.iso.datetime({ offset: true }).optional(),
  allowedOrigins: z.array(origin).default([]),
  consent: consentConfigSchema.prefault({}),
  identity: identitySchema,
  /** What the collector derives from requests and keeps: bots, IP, geo (defaults keep little). */
  enrichment: enrichmentSchema,
  /** Segments, content slots, the browser's history and RFM cuts: public (the browser needs them). */
  personalization: personalizationSchema,
  /** A/B tests decided in the browser (sdk/rules/experiment-schema.ts). */
  experiments: experimentsSchema,
  /** What counts as a conversion, by key (sdk/rules/goal-schema.ts): stored for reports to count. */
  goals: goalsSchema,
  /** Where stored events are forwarded, by key (destinations/config.ts): never served to browsers. */
  destinations: destinationsSchema,
  /** Segments kept as audiences, announced to destinations and exported (audiences/config.ts): never served. */
  audiences: audiencesSchema,
  /** When an event happens, wait, then send to a destination (journeys/config.ts): never served to browsers. */
  journeys: journeysSchema,
  /** What every journey of the site keeps to: a frequency cap per person, quiet hours. */
  messaging: messagingSchema,
  /**
   * Events older than this, and the profiles of people not seen since, are deleted by the daily
   * retention job (default: 13 months).
   */
  retentionDays: z.number().int().min(1).max(3650).default(395),
  /**
   * Proof of consent is kept longer than the data it covers: records older than this are deleted
   * by the same job, the chain's beginning at a time (default: 5 years, a common limitation period).
   */
  consentRetentionDays: z.number().int().min(30).max(7300).default(1825),
  /** Requests a second per client address and per site before 429 rate_limited (rateLimitSchema). */
  rateLimit: rateLimitSchema,
})

// Experiment metrics written `{ goal }` take the site goal's event and revenue first (withGoalMetrics).
export const configSchema = z.preprocess(
  withGoalMetrics,
  z
    .object({ sites: z.array(siteSchema).min(1, 'must list at least one site') })
    .superRefine((config, ctx) => {
      const seen = { id: new Set<string>(), key: new Set<string>() }
      config.sites.forEach((site, index) => {
        if (seen.id.has(site.id))
          ctx.addIssue({ code: 'custom', path: ['sites', index, 'id'], message: 'duplicate id' })
        seen.id.add(site.id)
        // Every key names one site and one kind: a server key is never also someone's write key.
        for (const key of ['writeKey', 'previousWriteKey', 'serverKey', 'previousServerKey'] as const) {
          const value = site[key]
          if (value === undefined) continue
          if (seen.key.has(value))
            ctx.addIssue({ code: 'custom', path: ['sites', index, key], message: `duplicate ${key}` })
          seen.key.add(value)
        }
        for (const issue of [
          ...experimentIssues(site),
          ...journeyIssues(site, BUILT_IN_TEMPLATES),
          ...audienceIssues(site),
        ])
          ctx.addIssue({ code: 'custom', path: ['sites', index, ...issue.path], message: issue.message })
      })
    }),
)

export type SiteConfig = z.infer<typeof siteSchema>
export type CollectorConfig = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** A zod issue's path as written in messages: `sites[0].experiments[1].key`. */
export const formatPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  )

/** Validates a parsed config; the error lists every problem with its path, one per line. */
export const parseConfig = (input: unknown, source = 'config'): CollectorConfig => {
  const result = configSchema.safeParse(input)
  if (result.success) return result.data
  const lines = result.error.issues.map(
    (issue) => `  - ${formatPath(issue.path) || '(root)'}: ${issue.message}`,
  )
  return fail(`${source} is invalid:\n${lines.join('\n')}`)
}

/** A config file as written (its JSON) and as validated. */
export interface ConfigFile {
  path: string
  /** Each site's entry exactly as written: what the database keeps (config/versions.ts). */
  entries: Record<string, unknown>[]
  config: CollectorConfig
}

/** Reads and validates a config file; `hint` ends the message when the file cannot be read. */
export const readConfigFile = (path: string, hint = ' (set PRECIS_CONFIG to its path)'): ConfigFile => {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return fail(`cannot read site config ${path}: ${(err as Error).message}${hint}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return fail(`site config ${path} is not valid JSON: ${(err as Error).message}`)
  }
  const config = parseConfig(json, `site config ${path}`)
  return { path, entries: (json as { sites: Record<string, unknown>[] }).sites, config }
}

export const loadConfig = (path: string, hint?: string): CollectorConfig => readConfigFile(path, hint).config

const fail = (message: string): never => {
  throw new ConfigError(message)
}
