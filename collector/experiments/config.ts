import type { Experiment } from '../../sdk/rules/experiment-schema.ts'
import type { Personalization } from '../../sdk/rules/personalization-schema.ts'

export interface ConfigIssue {
  /** Below the site: `['experiments', index, ...]`. */
  path: (string | number)[]
  message: string
}

/**
 * What the experiment schema cannot check alone: keys unique per site (results are looked up by
 * key), segments that exist, and slot changes that name a slot's variant.
 */
export const experimentIssues = (site: {
  experiments: readonly Experiment[]
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
  })
  return issues
}
