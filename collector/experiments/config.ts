import type { Experiment, Metric } from '../../sdk/rules/experiment-schema.ts'
import type { Goal, Goals } from '../../sdk/rules/goal-schema.ts'
import type { Personalization } from '../../sdk/rules/personalization-schema.ts'

export interface ConfigIssue {
  /** Below the site: `['experiments', index, ...]`. */
  path: (string | number)[]
  message: string
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The event a metric counting a page goal shows: it counts page views, not a track event. */
export const PAGE_GOAL_EVENT = 'page'

/**
 * A config as written with each experiment metric written `{ goal }` completed from the site's
 * goal of that key: its event (PAGE_GOAL_EVENT for a page goal), and its revenue as the property
 * (a conversion without one). Runs before validation, on the JSON as written (not changed: copies
 * where needed). A reference to no goal gets the key as a stand-in event so the schema's own checks
 * go on; goalIssues then refuses it, so the stand-in never reaches a valid config.
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
      const event =
        typeof goal.event === 'string' ? goal.event : typeof goal.page === 'string' ? PAGE_GOAL_EVENT : m.goal
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
 * The site goal a metric counts when the stores' SQL cannot count it by event name and property (a
 * page goal, or a goal with `where`): such a metric is counted from report rows (goal-metrics.ts).
 */
export const rowGoalOf = (m: Pick<Metric, 'goal'>, goals: Goals): Goal | undefined => {
  const goal = m.goal !== undefined && Object.hasOwn(goals, m.goal) ? goals[m.goal] : undefined
  return goal && (goal.page !== undefined || goal.where !== undefined) ? goal : undefined
}

/**
 * Metrics naming a site goal must name one the site has, with the goal's event and revenue as
 * withGoalMetrics fills them in. Deleting a goal that an experiment counts is refused here too, as
 * the whole site is validated together.
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
    const goal = Object.hasOwn(goals, m.goal) ? goals[m.goal] : undefined
    const event = goal?.event ?? PAGE_GOAL_EVENT
    const message =
      goal === undefined
        ? `experiment ${x.key} counts ${name}, which is not among the site's goals: keep the goal, or give the metric { event }`
        : m.event !== event || m.property !== goal.revenue
          ? `${name} counts ${goal.event === undefined ? `page views of ${goal.page}` : `event "${goal.event}"`}${goal.revenue === undefined ? '' : ` by "${goal.revenue}"`}: write { goal } alone, its event and property come from the goal`
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
 * a goal of the site (goalIssues).
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
