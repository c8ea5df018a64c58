import type { Experiment } from '../../rules/experiment-schema.ts'
import { changesPages } from '../../rules/experiment-status.ts'
import { assign } from '../../rules/experiments.ts'
import { hiding } from './hide.ts'
import { PLANNED } from './plan.ts'

export interface ExperimentEnv {
  win: Window
  experiments: readonly Experiment[]
  segments: readonly string[]
  attributes: Record<string, unknown>
  /** Stored assignments (sticky bucketing) and the experiments already logged for this visitor. */
  sticky: Record<string, string>
  exposed: Set<string>
  /** What a plan already showed on this page (experiment key → variation): it stands for the page. */
  shown?: Record<string, string>
  /** Slots a preview link shows on this page: never an exposure. */
  previewed?: ReadonlyMap<string, string>
  /** Persists sticky and exposed after a change. */
  save(): void
  track(event: string, properties: Record<string, unknown>): void
}

const slotSelector = (name: string) => `[data-precis-slot="${name}"]`

/** The elements an experiment changes; none means the page reads it with precis.variant(). */
const targetsOf = (e: Experiment) =>
  e.variations.flatMap((v) =>
    !v.change ? [] : 'class' in v.change ? [v.change.class.selector] : [slotSelector(v.change.slot.name)],
  )

/**
 * Decides each experiment once per page (QA link, sticky assignment, then the hash), applies its
 * change, and logs `Experiment Viewed` the first time this visitor really meets it: when one of
 * its elements is on the page, or when the page asks for its variant. QA previews, drafts and
 * visitors outside an experiment are never logged. Targets first met after the hiding window,
 * not shown by a plan, stay unchanged: that is `Experiment Late` (once per page), no exposure.
 */
export const runExperiments = (env: ExperimentEnv) => {
  const { win, sticky, exposed } = env
  const doc = win.document
  const decided = new Map<string, { key: string; log: boolean; experiment: Experiment }>()
  /** Running experiments this visitor takes part in, for the next page's plan. */
  const planned: Record<string, string> = {}
  /** slot name → the variant an experiment shows in it. */
  const slots = new Map<string, string>()
  const classes: { selector: string; add: string }[] = []
  const watched: { experiment: Experiment; selectors: string[] }[] = []

  for (const experiment of env.experiments) {
    const d = assign(experiment, {
      attributes: env.attributes,
      segments: env.segments,
      search: win.location.search,
      sticky,
      consent: true,
    })
    if (d.sticky) {
      sticky[d.sticky.key] = d.sticky.value
      env.save()
    }
    const live = changesPages(experiment)
    const shown = experiment.variations.findIndex((v) => v.key === env.shown?.[experiment.key])
    const variation = shown >= 0 && live ? shown : d.variation
    const key = experiment.variations[variation]?.key ?? d.key
    decided.set(experiment.key, { key, log: d.log, experiment })
    // A rollout is planned like an assignment (everyone gets it), and never logged.
    if (live && (d.log || d.reason === 'rollout')) planned[experiment.key] = key
    const change = experiment.variations[variation]?.change
    if (change && 'class' in change) classes.push(change.class)
    if (change && 'slot' in change) slots.set(change.slot.name, change.slot.variant)
    const selectors = targetsOf(experiment)
    if (selectors.length && live) watched.push({ experiment, selectors })
  }

  const expose = (key: string) => {
    const d = decided.get(key)
    const id = d && `${key}__${d.experiment.bucketVersion}`
    if (!d?.log || !id || exposed.has(id)) return
    exposed.add(id)
    env.save()
    env.track('Experiment Viewed', {
      experiment_id: key,
      variation_id: d.key,
      bucket_version: d.experiment.bucketVersion,
    })
  }

  /**
   * Applies classes, reveals the targets and logs exposures for what is on the page now. Only
   * while the targets are still hidden: what the visitor has seen is never changed. What a plan
   * applied before the first paint is an exposure whenever the chunk arrives.
   */
  /** Experiments a plan showed, not yet logged: after the hiding window only they need a look. */
  const awaiting = new Set(Object.keys(env.shown ?? {}))
  /** Logged experiments whose targets this page has not met yet: they may still come late. */
  const unmet = new Set(
    watched.filter((w) => decided.get(w.experiment.key)?.log).map((w) => w.experiment.key),
  )
  const sweep = (root: ParentNode) => {
    const hidden = hiding(doc)
    // Every DOM change of the page calls this: once nothing can change, it costs one check.
    if (!hidden && awaiting.size === 0 && unmet.size === 0) return
    if (hidden)
      for (const { selector, add } of classes)
        for (const el of root.querySelectorAll(selector)) el.classList.add(add)
    for (const { experiment, selectors } of watched) {
      const { key } = experiment
      if (!hidden && !awaiting.has(key) && !unmet.has(key)) continue
      let seen = false
      let late = false
      for (const selector of selectors)
        for (const el of root.querySelectorAll(selector)) {
          if (env.previewed?.has(el.getAttribute('data-precis-slot') ?? '')) continue
          // Shown, unchanged, after the hiding window: too late to change, so no exposure.
          if (!hidden && !el.hasAttribute(PLANNED)) late = true
          else {
            seen = true
            // Slots are revealed by their own decision (they may still be filled).
            if (!el.hasAttribute('data-precis-slot')) el.setAttribute('data-precis-ready', '')
          }
        }
      if (seen) expose(key)
      else if (late && unmet.has(key)) {
        const d = decided.get(key)!
        env.track('Experiment Late', {
          experiment_id: key,
          variation_id: d.key,
          bucket_version: experiment.bucketVersion,
        })
      }
      if (seen || late) {
        awaiting.delete(key)
        unmet.delete(key)
      }
    }
  }
  sweep(doc)
  // Targets a page renders later (a framework, a module script) get the same treatment.
  const Observer = (win as Window & { MutationObserver?: typeof MutationObserver }).MutationObserver
  if (watched.length && Observer)
    new Observer(() => sweep(doc)).observe(doc.documentElement, { childList: true, subtree: true })

  return {
    slots,
    planned,
    /** What the page reads with precis.variant(); reading it is the exposure of a value experiment. */
    variant(key: string) {
      const d = decided.get(key)
      if (d && !targetsOf(d.experiment).length) expose(key)
      return d?.key ?? null
    },
  }
}
