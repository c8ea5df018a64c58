// The site config's goals: what a visitor reaching counts as a conversion, named once per site so
// reports (and, later, experiments' metrics) can refer to it by key. The collector validates with
// it; nothing of it ships to the browser.
import { z } from 'zod'

const key = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "-" or "_"')

// A page path where `*` matches any characters: `/thank-you`, `/orders/*/done`.
export const pagePattern = z
  .string()
  .max(500)
  .regex(/^\/\S*$/, 'must be a path starting with "/", without spaces ("*" matches any characters)')

/** Whether a page path matches a goal's `page` pattern (the whole path; `*` is any characters). */
export const pageMatches = (pattern: string, path: string) => {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`).test(path)
}

export const goalSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(1000).optional(),
    /** A track event's name: reaching the goal is sending it. */
    event: z.string().min(1).max(200).optional(),
    /** Only events whose properties match (GrowthBook's condition syntax, as experiments'). */
    where: z.record(z.string(), z.unknown()).optional(),
    /** Or a page view whose path matches. */
    page: pagePattern.optional(),
    /** The event's numeric property holding the value reached (revenue-like). */
    revenue: z.string().min(1).max(100).optional(),
  })
  .superRefine((g, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    if (g.event === undefined && g.page === undefined)
      issue([], 'give an event or a page: what a visitor does to reach the goal')
    else if (g.event !== undefined && g.page !== undefined)
      issue(['page'], 'give an event or a page, not both')
    else if (g.page !== undefined) {
      // A page view has no event properties to filter on or take a value from.
      if (g.where !== undefined) issue(['where'], 'only an event goal takes where')
      if (g.revenue !== undefined) issue(['revenue'], 'only an event goal takes revenue')
    }
  })

export const MAX_GOALS = 100

export const goalsSchema = z
  .record(key, goalSchema)
  .refine((goals) => Object.keys(goals).length <= MAX_GOALS, `at most ${MAX_GOALS} goals`)
  .default({})

export type Goal = z.infer<typeof goalSchema>
export type Goals = z.infer<typeof goalsSchema>
