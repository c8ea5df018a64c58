// The site config's audiences: segments marked as audiences. Their membership is kept current as
// people's events arrive, each entry and exit is announced to the chosen destinations (Segment
// Engage's `Audience Entered` / `Audience Exited`), and an audience can be exported as hashed
// identifiers for ad platforms' customer-match uploads.
import { z } from 'zod'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

export const audienceSchema = z.strictObject({
  /** The segment's key (personalization.segments). */
  key,
  name: z.string().min(1).max(200).optional(),
  /** Off: membership is no longer kept or announced. */
  enabled: z.boolean().default(true),
  /** Webhooks or Segment-compatible destinations told of each entry and exit (none: export only). */
  destinations: z.array(key).max(20).default([]),
})

export const audiencesSchema = z
  .array(audienceSchema)
  .max(50)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>()
    list.forEach((a, i) => {
      if (seen.has(a.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'duplicate key' })
      seen.add(a.key)
    })
  })

export type Audience = z.infer<typeof audienceSchema>

/** What an audience names must exist: its segment, and destinations that take events. */
export const audienceIssues = (site: {
  audiences: readonly Audience[]
  destinations: readonly { key: string; kind: string }[]
  personalization: { segments: Record<string, unknown> }
}) => {
  const issues: { path: (string | number)[]; message: string }[] = []
  site.audiences.forEach((a, i) => {
    if (!(a.key in site.personalization.segments))
      issues.push({ path: ['audiences', i, 'key'], message: `no segment "${a.key}"` })
    a.destinations.forEach((d, j) => {
      const found = site.destinations.find((x) => x.key === d)
      if (!found) issues.push({ path: ['audiences', i, 'destinations', j], message: `no destination "${d}"` })
      else if (found.kind === 'email')
        issues.push({
          path: ['audiences', i, 'destinations', j],
          message: 'an email destination takes journeys only',
        })
    })
  })
  return issues
}
