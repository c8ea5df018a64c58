// The site config's personalization section: segments, content slots, the local history and RFM.
// The collector validates with it; the SDK takes its types only (zod stays out of the bundle).
import { z } from 'zod'
import { BEHAVIOUR_KEYS, type BehaviourKey } from './behaviour.ts'
import { isSafeUrl } from './content.ts'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')
const duration = z
  .string()
  .regex(/^\d{1,5}[mhd]$/, 'must be a number of minutes, hours or days: "45m", "12h", "30d"')
const condition = z.record(z.string(), z.unknown())
const events = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(20)])

const filter = { event: events.optional(), where: condition.optional(), within: duration.optional() }
const terms: Record<BehaviourKey, z.ZodType> = {
  count: z.strictObject(filter),
  recency: z.strictObject({ event: filter.event, where: filter.where }),
  first: z.strictObject(filter),
  frequency: z.strictObject(filter),
  monetary: z.strictObject(filter),
  top: z.strictObject({ ...filter, property: z.string().min(1).max(100) }),
  rfm: z.enum(['r', 'f', 'm', 'total']),
  nearest: z.unknown(), // checked by nearestIssues: its features are terms themselves
}

/** The terms a `nearest` feature may be: those whose value is a number. */
const NUMERIC_TERMS = ['count', 'recency', 'frequency', 'monetary', 'rfm'] as const
const nearestSchema = z.strictObject({
  features: z.array(z.record(z.string(), z.unknown())).min(1).max(10),
  center: z.array(z.number()),
  scale: z.array(z.number().positive()),
  centroids: z.array(z.array(z.number())).min(1).max(20),
})

/**
 * A `nearest` term's spec: 1-10 features, each one numeric term without operators, and a centre,
 * a scale and every centroid with a number per feature.
 */
const nearestIssues = (spec: unknown, issue: (message: string, at: (string | number)[]) => void) => {
  const parsed = nearestSchema.safeParse(spec)
  for (const problem of parsed.error?.issues ?? [])
    issue(problem.message, problem.path as (string | number)[])
  if (!parsed.data) return
  const { features, center, scale, centroids } = parsed.data
  features.forEach((f, i) => {
    const keys = Object.keys(f)
    const name = keys[0] as (typeof NUMERIC_TERMS)[number]
    if (keys.length !== 1 || !NUMERIC_TERMS.includes(name))
      issue(`a feature is one term of ${NUMERIC_TERMS.join(', ')}, without operators`, ['features', i])
    else
      for (const problem of terms[name].safeParse(f[name]).error?.issues ?? [])
        issue(problem.message, ['features', i, name, ...(problem.path as (string | number)[])])
  })
  const n = features.length
  if (center.length !== n) issue(`must have ${n} numbers, one per feature`, ['center'])
  if (scale.length !== n) issue(`must have ${n} numbers, one per feature`, ['scale'])
  centroids.forEach((c, i) => {
    if (c.length !== n) issue(`must have ${n} numbers, one per feature`, ['centroids', i])
  })
}

/**
 * A rule is a condition over the visitor's attributes (GrowthBook's syntax), where a clause may
 * instead be a behaviour term: one behaviour key and comparison operators, e.g.
 * `{ count: { event: 'Product Viewed', where: { category: 'outdoor' }, within: '30d' }, $gte: 3 }`.
 */
const checkRule = (rule: unknown, path: (string | number)[], ctx: z.RefinementCtx, depth = 0) => {
  const issue = (message: string, at = path) => ctx.addIssue({ code: 'custom', path: at, message })
  if (depth > 20) return issue('rule is nested too deeply')
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return issue('must be an object')
  const entries = Object.entries(rule)
  const behaviour = entries.filter(([k]) => (BEHAVIOUR_KEYS as readonly string[]).includes(k))
  if (behaviour.length) {
    const [[name, spec]] = behaviour as [[BehaviourKey, unknown]]
    if (behaviour.length > 1 || entries.some(([k]) => k !== name && !k.startsWith('$')))
      return issue(`a ${name} term takes only comparison operators`)
    if (name === 'nearest')
      return nearestIssues(spec, (message, at) => issue(message, [...path, name, ...at]))
    const parsed = terms[name].safeParse(spec)
    for (const problem of parsed.error?.issues ?? [])
      issue(problem.message, [...path, name, ...(problem.path as (string | number)[])])
    return
  }
  for (const [k, v] of entries) {
    if (k === '$and' || k === '$or' || k === '$nor') {
      if (!Array.isArray(v)) issue('must be a list of rules', [...path, k])
      else
        v.forEach((r, i) => {
          checkRule(r, [...path, k, i], ctx, depth + 1)
        })
    } else if (k === '$not') checkRule(v, [...path, k], ctx, depth + 1)
  }
}

const rule = z.record(z.string(), z.unknown()).superRefine((r, ctx) => checkRule(r, [], ctx))

export const segment = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(1000).optional(),
  rule,
})

/** Links and images: http(s) or a path on the site; never javascript:, data: or the like. */
const safeUrl = z
  .string()
  .max(2000)
  .refine(isSafeUrl, { message: 'must be an http(s) URL or a path on the site' })
const text = z.string().max(2000)

export const slotContentSchema = z.strictObject({
  heading: z.string().max(200).optional(),
  text: text.optional(),
  image: z.strictObject({ src: safeUrl, alt: z.string().max(300) }).optional(),
  link: z.strictObject({ href: safeUrl, text: z.string().max(200) }).optional(),
})

export const slot = z.strictObject({
  /** Share of visitors who keep the baseline, so lift can be measured. */
  holdout: z.number().min(0).max(0.5).default(0.05),
  /** Longest time (ms) a slot with a possible variant stays hidden. */
  timeout: z.number().int().min(0).max(3000).default(300),
  /** The event that counts as a conversion in the slot's results. */
  goal: z.string().min(1).max(200).optional(),
  variants: z
    .array(
      z.strictObject({
        key,
        /** Without one, the variant is for everyone personalized (still subject to the holdout). */
        segment: key.optional(),
        /** Higher first; equal priorities keep their order. */
        priority: z.number().default(0),
        content: slotContentSchema,
      }),
    )
    .min(1)
    .max(20),
})

const thresholds = z.array(z.number().nonnegative()).length(4)

export const personalizationSchema = z
  .strictObject({
    segments: z.record(key, segment).default({}),
    slots: z.record(key, slot).default({}),
    /** The browser's local history (personalization consent only). */
    history: z
      .strictObject({
        maxEvents: z.number().int().min(0).max(5000).default(1000),
        maxDays: z.number().int().min(1).max(400).default(90),
        /** Properties kept besides those the rules use. */
        properties: z.array(z.string().min(1).max(100)).max(50).default([]),
      })
      .prefault({}),
    /** How RFM scores (1-5, 0 for never) are cut; thresholds ascending. */
    rfm: z
      .strictObject({
        event: z.string().min(1).max(200).default('Order Completed'),
        revenue: z.string().min(1).max(100).default('revenue'),
        within: duration.default('365d'),
        recency: thresholds.default([7, 30, 90, 180]),
        frequency: thresholds.default([2, 3, 5, 8]),
        monetary: thresholds.default([50, 200, 500, 1000]),
      })
      .prefault({}),
  })
  .superRefine((p, ctx) => {
    for (const [name, s] of Object.entries(p.slots))
      s.variants.forEach((v, i) => {
        if (v.segment !== undefined && !Object.hasOwn(p.segments, v.segment))
          ctx.addIssue({
            code: 'custom',
            path: ['slots', name, 'variants', i, 'segment'],
            message: `no segment named ${v.segment}`,
          })
      })
  })
  .prefault({})

export type Personalization = z.infer<typeof personalizationSchema>
export type SlotConfig = Personalization['slots'][string]
export type SlotContent = z.infer<typeof slotContentSchema>
export type RfmConfig = Personalization['rfm']
