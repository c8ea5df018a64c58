// Decisions that came late: made after the hiding window, when the visitor had already seen the
// page, so it stayed as it was (a slot kept its baseline, an experiment changed nothing and logged
// no exposure). Shown on the slot and experiment pages; every value goes in as text.
import { h } from './dom.js'
import { count } from './format.js'

/**
 * @typedef {{ group: string, kind: string, impressions: number, late?: number }} LateGroup
 * @typedef {{ total: number, variations: { key: string, late: number }[] }} ExperimentLate
 */

/**
 * Of how many impressions a group's late ones are. A variant's late impressions showed the
 * baseline (they are counted there), so its decisions are its impressions and those; the
 * baseline's are among its own impressions.
 * @param {LateGroup} g
 */
const decisionsOf = (g) =>
  g.kind === 'variant' || g.kind === 'unknown' ? g.impressions + (g.late ?? 0) : g.impressions

/** A slot group's cell: "3 of 40", or 0. @param {LateGroup} g */
export const slotLateCell = (g) =>
  g.late ? `${count(g.late)} of ${count(decisionsOf(g))}` : count(g.late ?? 0)

/**
 * One line per variant some of whose impressions came late: "outdoor: 3 of 40 impressions came
 * late", and what that means; nothing when none did (or the collector does not count them).
 * @param {LateGroup[]} groups
 */
export const slotLateNote = (groups) => {
  const late = groups.filter((g) => g.kind !== 'baseline' && g.kind !== 'holdout' && (g.late ?? 0) > 0)
  if (late.length === 0) return ''
  return h(
    'div',
    { class: 'notice notice-warn', id: 'slot-late' },
    h(
      'p',
      {},
      'Decided after the hiding window: these visitors had already seen the baseline, so they kept it (counted as baseline impressions).',
    ),
    h(
      'ul',
      {},
      ...late.map((g) =>
        h('li', {}, `${g.group}: ${count(g.late)} of ${count(decisionsOf(g))} impressions came late`),
      ),
    ),
  )
}

/**
 * "N decisions came late" for one experiment, with the variations they were for; nothing when the
 * collector does not count them.
 * @param {{ experiment: { variations: { key: string, name?: string }[] }, late?: ExperimentLate }} r
 */
export const experimentLateNote = (r) => {
  if (!r.late) return ''
  const { total, variations } = r.late
  const nameOf = (/** @type {string} */ key) =>
    r.experiment.variations.find((v) => v.key === key)?.name ?? key
  const per = variations.filter((v) => v.late > 0).map((v) => `${nameOf(v.key)} ${count(v.late)}`)
  return h(
    'p',
    { class: total > 0 ? 'notice notice-warn' : 'muted', id: 'experiment-late' },
    `${count(total)} ${total === 1 ? 'decision' : 'decisions'} came late${per.length ? ` (${per.join(', ')})` : ''}: `,
    'their targets were already shown, so the page stayed as it was and they are not counted as exposures.',
  )
}
