// The site config's journeys: "when this event happens (if the person is, or is not, in a segment),
// wait, unless that event happens first, then send to a destination or an email template", with a
// holdout that measures it, and the site's messaging rules every journey shares (frequency cap,
// quiet hours). The config file, the admin API and the journey worker read this one schema.
import { z } from 'zod'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** `30s`, `30m`, `1h`, `2d`, `1w` → milliseconds; undefined when not such a duration. */
export const durationMs = (text: string): number | undefined => {
  const m = /^([1-9][0-9]{0,5})([smhdw])$/.exec(text)
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined
}

/** The longest wait or window: a journey's entries live at most this long plus retention. */
export const MAX_DURATION_MS = 365 * UNIT_MS.d

const duration = z.string().refine((text) => {
  const ms = durationMs(text)
  return ms !== undefined && ms <= MAX_DURATION_MS
}, 'must be a duration such as "30m", "1h", "2d" or "1w" (s, m, h, d, w; at most 365 days)')

const condition = z
  .record(z.string(), z.unknown())
  .refine((c) => JSON.stringify(c).length <= 4000, 'must be at most 4,000 characters of JSON')

/** An event that starts or ends an entry: a track event by name, or a page view, with a condition over the Segment event. */
const eventMatch = z.strictObject({
  /** A track event's name, or "page" for any page view. */
  event: z.string().min(1).max(200),
  /** GrowthBook's condition language over the whole Segment event (`properties.total`, `context.page.path`). */
  where: condition.optional(),
})

const clock = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time such as "21:00"')

export const journeySchema = z.strictObject({
  key,
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(1000).optional(),
  /** Off: nobody new enters; entries already waiting are still settled (sent or held). */
  enabled: z.boolean().default(true),
  trigger: eventMatch,
  /** Checked when the entry is due: the person must be (`in: true`) or must not be in the segment. */
  segment: z.strictObject({ key, in: z.boolean().default(true) }).optional(),
  /** How long after the trigger the message goes. */
  delay: duration,
  /** The entry ends without a message when this event happens before it goes (within the delay). */
  unless: eventMatch.optional(),
  /** A site goal: reaching it ends the entry, and results compare it between reached and held-out people. */
  goal: key.optional(),
  /** How long after entering a goal reached still counts for results. */
  goalWindow: duration.default('7d'),
  /** The message: a destination (webhook or Segment-compatible: a `Journey Message` event; email: `template`). */
  action: z.strictObject({
    destination: key,
    /** An email destination's template (built-in: welcome, abandoned-cart, win-back; or the destination's own). */
    template: key.optional(),
  }),
  /** Share of entries held out (sticky per person with the experiments' hashing): they get nothing and are counted. */
  holdout: z.number().min(0).max(0.5).default(0.1),
  /** `again`: a person may enter again once their last entry is over; `once`: never again. */
  reentry: z.enum(['once', 'again']).default('again'),
})

export const MAX_JOURNEYS = 50

export const journeysSchema = z
  .array(journeySchema)
  .max(MAX_JOURNEYS)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>()
    list.forEach((j, i) => {
      if (seen.has(j.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'duplicate key' })
      seen.add(j.key)
    })
  })

/** Rules every journey of the site shares. */
export const messagingSchema = z
  .strictObject({
    /** At most `messages` journey messages a person in `per`, across journeys; more are skipped. */
    frequencyCap: z
      .strictObject({ messages: z.number().int().min(1).max(1000), per: duration })
      .default({ messages: 3, per: '1d' }),
    /** No message between `from` and `to` in the visitor's time zone (else the site's); it waits until `to`. */
    quietHours: z.strictObject({ from: clock, to: clock }).optional(),
  })
  .default({ frequencyCap: { messages: 3, per: '1d' } })

export type Journey = z.infer<typeof journeySchema>
export type Messaging = z.infer<typeof messagingSchema>

interface SiteParts {
  journeys: readonly Journey[]
  destinations: readonly { key: string; kind: string; templates?: Record<string, unknown> }[]
  goals: Record<string, unknown>
  personalization: { segments: Record<string, unknown> }
}

/** What a journey names must exist: its destination (and an email's template), goal and segment. */
export const journeyIssues = (site: SiteParts, builtInTemplates: readonly string[]) => {
  const issues: { path: (string | number)[]; message: string }[] = []
  site.journeys.forEach((j, i) => {
    const at = (...path: (string | number)[]) => ['journeys', i, ...path]
    const d = site.destinations.find((x) => x.key === j.action.destination)
    if (!d)
      issues.push({ path: at('action', 'destination'), message: `no destination "${j.action.destination}"` })
    else if (d.kind === 'email') {
      const t = j.action.template
      if (t === undefined)
        issues.push({ path: at('action', 'template'), message: 'an email destination needs a template' })
      else if (!builtInTemplates.includes(t) && !(d.templates && t in d.templates))
        issues.push({
          path: at('action', 'template'),
          message: `no template "${t}" (built-in: ${builtInTemplates.join(', ')})`,
        })
    } else if (j.action.template !== undefined)
      issues.push({ path: at('action', 'template'), message: 'only an email destination takes a template' })
    if (j.goal !== undefined && !(j.goal in site.goals))
      issues.push({ path: at('goal'), message: `no goal "${j.goal}"` })
    if (j.segment && !(j.segment.key in site.personalization.segments))
      issues.push({ path: at('segment', 'key'), message: `no segment "${j.segment.key}"` })
  })
  return issues
}
