import type { Experiment, Metric } from '../../sdk/rules/experiment-schema.ts'
import type { Goals } from '../../sdk/rules/goal-schema.ts'
import type { Personalization } from '../../sdk/rules/personalization-schema.ts'

export interface ConfigIssue {
  /** Below the site: `['experiments', index, ...]`. */
  path: (string | number)[]
  message: string
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A config as written with each experiment metric written `{ goal }` completed from the site's
 * goal of that key: its event, and its revenue as the property (a conversion without one). Runs
 * before validation, on the JSON as written (not changed: copies where needed). A reference that
 * cannot be counted (no such goal, a page goal, a goal with `where`) gets the goal's key as a
 * stand-in event so the schema's own checks go on; goalIssues then refuses it, so the stand-in
 * never reaches a valid config.
 */
export const withGoalMetrics = (input: unknown): unknown => {
  if (!isObject(input) || !Array.isArray(input.sites)) return input
  const site = (entry: unknown) => {
    if (!isObject(entry) || !Array.isArray(entry.experiments)) return entry
    const goals = isObject(entry.goals) ? entry.goals : {}
    const metric = (m: unknown) => {
      if (!isObject(m) || typeof m.goal !== 'string' || m.event !== undefined) return m
      const found = Object.hasOwn(goals, m.goal) ? goals[m.goal] : undefined
      const goal = isObject(found) ? found : {}
      const event = typeof goal.event === 'string' ? goal.event : m.goal
      const property = m.property ?? (typeof goal.revenue === 'string' ? goal.revenue : undefined)
      return { ...m, event, ...(property !== undefined ? { property } : {}) }
    }
    const metrics = (list: unknown) => (Array.isArray(list) ? list.map(metric) : list)
    const experiments = entry.experiments.map((x) =>
      isObject(x) ? { ...x, goals: metrics(x.goals), guardrails: metrics(x.guardrails) } : x,
    )
    return { ...entry, experiments }
  }
  return { ...input, sites: input.sites.map(site) }
}

/**
 * Metrics naming a site goal must name one the experiment pipeline can count: an event goal
 * without `where` (it counts events by name and numeric property only, not page patterns or
 * property conditions), with the goal's event and revenue. Deleting or changing a goal that an
 * experiment counts is refused here too, as the whole site is validated together.
 */
const goalIssues = (
  x: Experiment,
  goals: Goals,
  at: (...path: (string | number)[]) => (string | number)[],
) => {
  const issues: ConfigIssue[] = []
  const check = (list: 'goals' | 'guardrails') => (m: Metric, i: number) => {
    if (m.goal === undefined) return
    const name = `goal "${m.goal}"`
    const instead = 'name an event goal without where, or give { event }'
    const goal = Object.hasOwn(goals, m.goal) ? goals[m.goal] : undefined
    const message =
      goal === undefined
        ? `experiment ${x.key} counts ${name}, which is not among the site's goals: keep the goal, or give the metric { event }`
        : goal.event === undefined
          ? `${name} is a page goal; experiments count events by name and property, so ${instead} (experiment ${x.key})`
          : goal.where !== undefined
            ? `${name} counts only events matching its where; experiments count events by name and property, so ${instead} (experiment ${x.key})`
            : m.event !== goal.event || m.property !== goal.revenue
              ? `${name} counts event "${goal.event}"${goal.revenue === undefined ? '' : ` by "${goal.revenue}"`}: write { goal } alone, its event and property come from the goal`
              : undefined
    if (message !== undefined) issues.push({ path: at(list, i, 'goal'), message })
  }
  x.goals.forEach(check('goals'))
  x.guardrails.forEach(check('guardrails'))
  return issues
}

/**
 * What the experiment schema cannot check alone: keys unique per site (results are looked up by
 * key), segments that exist, slot changes that name a slot's variant, and goal metrics that name
 * a countable goal (goalIssues).
 */
export const experimentIssues = (site: {
  experiments: readonly Experiment[]
  goals: Goals
  personalization: Pick<Personalization, 'segments' | 'slots'>
}): ConfigIssue[] => {
  const { segments, slots } = site.personalization
  const issues: ConfigIssue[] = []
  const seen = new Set<string>()
  site.experiments.forEach((x, index) => {
    const at = (...path: (string | number)[]) => ['experiments', index, ...path]
    if (seen.has(x.key)) issues.push({ path: at('key'), message: `duplicate experiment key ${x.key}` })
    seen.add(x.key)
    if (x.segment !== undefined && !Object.hasOwn(segments, x.segment))
      issues.push({ path: at('segment'), message: `no segment named ${x.segment}` })
    x.variations.forEach((v, i) => {
      const slot = v.change && 'slot' in v.change ? v.change.slot : undefined
      if (!slot) return
      const variants = Object.hasOwn(slots, slot.name) ? slots[slot.name]!.variants : undefined
      if (!variants?.some((s) => s.key === slot.variant))
        issues.push({
          path: at('variations', i, 'change', 'slot'),
          message: variants
            ? `slot ${slot.name} has no variant ${slot.variant}`
            : `no slot named ${slot.name}`,
        })
    })
    issues.push(...goalIssues(x, site.goals, at))
  })
  return issues
}
