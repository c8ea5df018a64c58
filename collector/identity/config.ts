import { z } from 'zod'
import { DEFAULT_IDENTITY, type IdentitySettings } from './rules.ts'

const kind = z.enum(['user', 'email', 'anonymous'])

/** A site's identity rules; everything left out keeps the safe default. */
export const identitySchema = z
  .strictObject({
    /** Extra placeholder values that never identify anyone (the defaults stay blocked). */
    blockedValues: z.array(z.string().max(200)).max(1000).default([]),
    limits: z
      .strictObject({
        user: z.number().int().min(1).max(10).optional(),
        email: z.number().int().min(0).max(100).optional(),
        anonymous: z.number().int().min(1).max(10_000).optional(),
      })
      .default({}),
    priority: z
      .array(kind)
      .length(3)
      .refine((p) => new Set(p).size === 3, 'must name user, email and anonymous once each')
      .optional(),
    /** Trait names that identify a person, kept as salted hashes (default: email). */
    traitIdentifiers: z.array(z.string().min(1).max(100)).max(10).optional(),
    revenueProperty: z.string().min(1).max(100).optional(),
    /**
     * Traits (also in context.traits) and properties encrypted at rest with the person's key, so
     * that erasure reaches every copy (privacy/personal.ts; default: contact and name traits).
     */
    personal: z
      .strictObject({
        traits: z.array(z.string().min(1).max(100)).max(100).optional(),
        properties: z.array(z.string().min(1).max(100)).max(100).optional(),
      })
      .optional(),
  })
  .prefault({})

export type IdentityConfig = z.infer<typeof identitySchema>

export const identitySettings = (config: IdentityConfig | undefined): IdentitySettings => ({
  blockedValues: [
    ...DEFAULT_IDENTITY.blockedValues,
    ...(config?.blockedValues ?? []).map((v) => v.trim().toLowerCase()),
  ],
  limits: { ...DEFAULT_IDENTITY.limits, ...config?.limits },
  priority: config?.priority ?? DEFAULT_IDENTITY.priority,
  traitIdentifiers: config?.traitIdentifiers ?? DEFAULT_IDENTITY.traitIdentifiers,
  revenueProperty: config?.revenueProperty ?? DEFAULT_IDENTITY.revenueProperty,
  personal: {
    traits: config?.personal?.traits ?? DEFAULT_IDENTITY.personal.traits,
    properties: config?.personal?.properties ?? DEFAULT_IDENTITY.personal.properties,
  },
})

const rulesByConfig = new WeakMap<object, Record<string, IdentitySettings>>()

/** Every site's rules of a config, made once per config object (a new one at every change). */
export const siteRules = (config: { sites: readonly { id: string; identity?: IdentityConfig }[] }) => {
  let rules = rulesByConfig.get(config)
  if (!rules) {
    rules = Object.fromEntries(config.sites.map((s) => [s.id, identitySettings(s.identity)]))
    rulesByConfig.set(config, rules)
  }
  return rules
}
