// The site config's experiments. The collector validates with it; the SDK takes its types only.
import { z } from 'zod'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

/** What a variation changes on the page; a variation without a change is the page as it is. */
const change = z.union([
  /** Shows a slot's variant (from personalization.slots) instead of the slot's baseline. */
  z.strictObject({ slot: z.strictObject({ name: key, variant: key }) }),
  /** Adds a CSS class to the elements a selector finds. */
  z.strictObject({
    class: z.strictObject({ selector: z.string().min(1).max(200), add: z.string().regex(/^[\w-]{1,100}$/) }),
  }),
])

const variation = z.strictObject({
  key,
  name: z.string().min(1).max(200).optional(),
  /** Share of traffic; equal shares when no variation gives one. */
  weight: z.number().min(0).max(1).optional(),
  change: change.optional(),
})

const metricOptions = {
  /** Sum of this numeric property per user (revenue-like); absent: whether the user converted. */
  property: z.string().min(1).max(100).optional(),
  /** The site goal (`goals`) this metric counts: its event and revenue; results show its name. */
  goal: key.optional(),
  /** The property can be negative (refunds): its intervals may go below 0. Default: it cannot. */
  signed: z.boolean().optional(),
  /**
   * Winsorizing: each person's value is capped at this percentile of the values > 0 of everyone
   * in the experiment before means are taken, so one whale cannot decide a revenue test.
   */
  cap: z.strictObject({ percentile: z.number().min(0.5).max(0.9999) }).optional(),
}
const eventName = z.string().min(1).max(200)

/**
 * An event whose users (proportion) or whose property per user (mean, e.g. revenue) is compared.
 * Or a site goal, written `{ goal }` (with signed and cap if wanted): the collector's site config
 * fills in the goal's event and revenue (collector/experiments/config.ts), so what is counted is
 * always an event: the output has one, and an experiment parsed alone cannot name a goal.
 */
const metric = z
  .strictObject({ event: eventName.optional(), ...metricOptions })
  .superRefine((m, ctx) => {
    if (m.event === undefined)
      ctx.addIssue(
        m.goal === undefined
          ? { code: 'custom', path: ['event'], message: "give an event, or a site goal's key as goal" }
          : {
              code: 'custom',
              path: ['goal'],
              message: `goal "${m.goal}" is one of a site's goals: name it in a site config, which resolves it`,
            },
      )
    if (m.cap !== undefined && m.property === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['cap'],
        message: `a cap needs a property: only a mean (e.g. revenue) can be capped, not a conversion${
          m.goal === undefined ? '' : ` (goal "${m.goal}" has no revenue)`
        }`,
      })
  })
  .pipe(z.strictObject({ event: eventName, ...metricOptions }))

export const experimentSchema = z
  .strictObject({
    key,
    name: z.string().min(1).max(200).optional(),
    /** Archived: stopped and put away; its results stay readable (experiments are never deleted once run). */
    status: z.enum(['draft', 'running', 'stopped', 'archived']).default('draft'),
    /**
     * A stopped experiment's winner, shown to everyone experiments run for (a rollout): every
     * visitor with personalization consent gets its change, none is logged. Visitors without that
     * consent keep seeing the page as it is, as during the test.
     */
    rollout: key.optional(),
    /** Hash seed (default: the key). */
    seed: z.string().min(1).max(200).optional(),
    hashVersion: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Whose id decides: `anonymousId` (default) or `userId` (the anonymous assignment stays sticky). */
    hashAttribute: z.enum(['anonymousId', 'userId']).default('anonymousId'),
    /** Raise it to re-randomize everyone on purpose (sticky assignments of older versions are ignored). */
    bucketVersion: z.number().int().min(0).max(1000).default(0),
    /** Share of eligible visitors in the experiment. */
    coverage: z.number().min(0).max(1).default(1),
    /** Mutual exclusion: experiments of one namespace with disjoint ranges never share a visitor. */
    namespace: z
      .tuple([z.string().min(1).max(100), z.number().min(0).max(1), z.number().min(0).max(1)])
      .optional(),
    /** Who is eligible: a condition on the visitor's attributes and/or a segment. */
    condition: z.record(z.string(), z.unknown()).optional(),
    segment: key.optional(),
    /** The first is the control. */
    variations: z.array(variation).min(2).max(10),
    goals: z.array(metric).min(1).max(10),
    guardrails: z.array(metric).max(10).default([]),
    /** The smallest relative lift of the first goal worth finding, and the chance to find it. */
    plan: z
      .strictObject({
        mde: z.number().gt(0).max(10).default(0.1),
        power: z.number().min(0.5).max(0.99).default(0.8),
      })
      .default({ mde: 0.1, power: 0.8 }),
  })
  .superRefine((e, ctx) => {
    const weights = e.variations.map((v) => v.weight)
    const given = weights.filter((w) => w !== undefined)
    if (given.length && given.length !== weights.length)
      ctx.addIssue({
        code: 'custom',
        path: ['variations'],
        message: 'give every variation a weight, or none',
      })
    else if (given.length && Math.abs(given.reduce((a, b) => a + b, 0) - 1) > 0.001)
      ctx.addIssue({ code: 'custom', path: ['variations'], message: 'weights must add up to 1' })
    const keys = e.variations.map((v) => v.key)
    if (new Set(keys).size !== keys.length)
      ctx.addIssue({ code: 'custom', path: ['variations'], message: 'variation keys must differ' })
    if (e.rollout !== undefined && e.status !== 'stopped')
      ctx.addIssue({
        code: 'custom',
        path: ['rollout'],
        message: 'only a stopped experiment rolls out a winner',
      })
    else if (e.rollout !== undefined && !keys.includes(e.rollout))
      ctx.addIssue({ code: 'custom', path: ['rollout'], message: `no variation ${e.rollout}` })
    if (e.namespace && e.namespace[1] >= e.namespace[2])
      ctx.addIssue({
        code: 'custom',
        path: ['namespace'],
        message: 'the range must be [name, start, end] with start < end',
      })
  })

export const experimentsSchema = z.array(experimentSchema).max(100).default([])

export type Experiment = z.infer<typeof experimentSchema>
export type Variation = Experiment['variations'][number]
export type Metric = z.infer<typeof metric>
