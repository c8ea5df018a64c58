// Pure: a slot's counted events and people as results per group, with plain conversion rates and
// lift against the holdout. Statistics (intervals, significance) come with experiments.

import type { SlotConfig } from '../../sdk/rules/personalization-schema.ts'
import { wilson } from '../experiments/intervals.ts'
import type { SlotEventCounts, SlotLateCounts, SlotVisitorCounts } from './types.ts'

export type GroupKind = 'variant' | 'holdout' | 'baseline' | 'unknown'

export interface GroupResult {
  /** A variant key, `holdout` or `baseline`. */
  group: string
  /** `unknown`: events named a variant the config no longer has (kept, not hidden). */
  kind: GroupKind
  /** `Slot Viewed` events. */
  impressions: number
  /**
   * Impressions that came late (decided after the hiding window: the visitor saw the baseline).
   * A variant (or unknown group): those decided for it, counted in the baseline's impressions. The
   * baseline: all of its impressions that came late. The holdout: 0.
   */
  late: number
  /** People whose first impression of the slot was in this group. */
  visitors: number
  /** `Slot Clicked` events. */
  clicks: number
  /** Visitors with a goal event after their first impression; null when the slot has no goal. */
  conversions: number | null
  /** conversions / visitors; null without a goal or without visitors. */
  conversionRate: number | null
  /** The rate's 95 % Wilson interval, inside [0, 1]; null where the rate is. */
  ci: [number, number] | null
  /** Variants only: rate minus the holdout's, and that over the holdout's (null when it is 0). */
  lift?: { absolute: number; relative: number | null } | null
  /** Holdout only: its visitors by the variant they were eligible for (`eligible`). */
  eligible?: Record<string, { visitors: number; conversions: number | null }>
}

const HOLDOUT = 'holdout'
const BASELINE = 'baseline'

export const slotResults = (
  slot: SlotConfig,
  events: readonly SlotEventCounts[],
  people: readonly SlotVisitorCounts[],
  late: readonly SlotLateCounts[] = [],
): GroupResult[] => {
  const hasGoal = slot.goal !== undefined
  const variants = [...new Set(slot.variants.map((v) => v.key))]
  const known = [...variants, HOLDOUT, BASELINE]
  const seen = [
    ...events.map((e) => e.group),
    ...people.map((p) => p.group),
    ...late.flatMap((l) => (l.eligible === null ? [] : [l.eligible])),
  ]
  const others = [...new Set(seen.filter((g) => !known.includes(g)))].sort()
  const kindOf = (g: string): GroupKind =>
    g === HOLDOUT ? 'holdout' : g === BASELINE ? 'baseline' : variants.includes(g) ? 'variant' : 'unknown'
  const lateOf = (group: string) =>
    late
      .filter((l) => group === BASELINE || (group !== HOLDOUT && l.eligible === group))
      .reduce((n, l) => n + l.late, 0)
  const rate = (conversions: number | null, visitors: number) =>
    conversions === null || visitors === 0 ? null : conversions / visitors

  const groups = [...known, ...others].map((group): GroupResult => {
    const counted = events.find((e) => e.group === group)
    const mine = people.filter((p) => p.group === group)
    const visitors = mine.reduce((n, p) => n + p.visitors, 0)
    const conversions = hasGoal ? mine.reduce((n, p) => n + p.conversions, 0) : null
    const result: GroupResult = {
      group,
      kind: kindOf(group),
      impressions: counted?.impressions ?? 0,
      late: lateOf(group),
      visitors,
      clicks: counted?.clicks ?? 0,
      conversions,
      conversionRate: rate(conversions, visitors),
      ci: conversions === null ? null : wilson(conversions, visitors),
    }
    if (group === HOLDOUT) {
      result.eligible = {}
      for (const p of mine) {
        const key = p.eligible ?? '(none)'
        const was = result.eligible[key] ?? { visitors: 0, conversions: hasGoal ? 0 : null }
        result.eligible[key] = {
          visitors: was.visitors + p.visitors,
          conversions: hasGoal ? (was.conversions ?? 0) + p.conversions : null,
        }
      }
    }
    return result
  })

  const holdout = groups.find((g) => g.group === HOLDOUT)!
  for (const g of groups) {
    if (g.kind !== 'variant') continue
    const base = holdout.conversionRate
    g.lift =
      base === null || g.conversionRate === null
        ? null
        : {
            absolute: g.conversionRate - base,
            relative: base === 0 ? null : (g.conversionRate - base) / base,
          }
  }
  return groups
}
