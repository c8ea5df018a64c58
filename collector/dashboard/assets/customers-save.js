// Saving a group of the customers report as a segment: an RFM group, a cluster or a cohort, each
// with the rule the API gives it, through the segments admin API.
import { enc } from './api.js'
import { h } from './dom.js'
import { compact, field as editField, editForm, input, mayEdit, saveItem, textarea, textOf } from './edit.js'
import { count } from './format.js'

/**
 * What of the report (page-customers.js) names and describes a saved segment:
 * @typedef {{ site: string, goal: string, from: string, to: string, timezone: string }} Customers
 * @typedef {{ rule: Record<string, unknown> | null, ruleRefusal: string | null, customers: number }} Ruled
 * @typedef {Ruled & { segment: string, name: string }} Segment
 * @typedef {Ruled & { cluster: number, description: string }} Cluster
 * @typedef {Ruled & { cohort: string }} Cohort
 * @typedef {{ title: string, key: string, name: string, description: string, note: string,
 *   rule: Record<string, unknown> | null, ruleRefusal: string | null }} Savable a group or cohort
 *   (`title`) as a segment: the key, name and description proposed
 */

/**
 * Opens the form that saves `s` as a segment in `box`: key, name and description proposed, the
 * API's rule as it is, created through the segments admin API; then a link to the new segment.
 * Cancel (or Escape) closes it and gives focus back to `opener`.
 * @param {Customers} d @param {Savable} s @param {HTMLElement} box @param {HTMLElement} opener
 */
const openSave = (d, s, box, opener) => {
  const key = input('key', s.key, { autocomplete: 'off', spellcheck: 'false' })
  const name = input('name', s.name)
  const description = textarea('description', s.description)
  const close = () => {
    box.replaceChildren()
    opener.focus()
  }
  const form = editForm({
    label: `Save ${s.title} as a segment`,
    submit: 'Save segment',
    children: [
      h('h4', {}, `Save ${s.title} as a segment`),
      h('p', { class: 'muted' }, s.note),
      editField('Key', key, 'Lowercase letters, digits, "-" or "_"; rules and slots name it.'),
      editField('Name', name),
      editField('Description', description),
      h(
        'details',
        {},
        h('summary', {}, 'Rule'),
        h('pre', { class: 'customers-rule' }, JSON.stringify(s.rule, null, 2)),
      ),
    ],
    save: () =>
      saveItem({
        site: d.site,
        resource: 'segments',
        key: key.value.trim(),
        config: compact({ name: textOf(name), description: textOf(description), rule: s.rule }),
        etag: null,
        isNew: true,
      }),
    saved: () => {
      const k = key.value.trim()
      const link = h('a', { href: `#/segments/${enc(k)}/edit` }, `Open segment ${k}`)
      box.replaceChildren(
        h('p', { class: 'notice notice-info', role: 'status' }, `Saved ${s.title} as segment ${k}. `, link),
      )
      link.focus()
    },
    extra: [h('button', { type: 'button', onclick: close }, 'Cancel')],
  })
  form.addEventListener('keydown', (e) => e.key === 'Escape' && close())
  box.replaceChildren(form)
  key.focus()
}

/** The last cell of a row: its save button, or why it cannot be saved. @param {Customers} d @param {Savable} s @param {HTMLElement} box */
export const saveCell = (d, s, box) => {
  if (!s.rule) return h('small', { class: 'customers-refusal' }, s.ruleRefusal ?? '')
  if (!mayEdit('config')) return h('small', {}, 'An editor can save it.')
  const button = h(
    'button',
    { type: 'button', 'aria-label': `Save ${s.title} as a segment`, 'aria-controls': box.id },
    'Save as segment',
  )
  button.addEventListener('click', () => openSave(d, s, box, button))
  return button
}

/** An RFM group to save, its cut points frozen. @param {Customers} d @param {Segment} s @returns {Savable} */
export const groupToSave = (d, s) => ({
  title: s.name,
  key: `${s.segment}-${d.to}`,
  name: `${s.name} ${d.to}`,
  description: `RFM group ${s.name} of the customers report (goal ${d.goal}, ${d.from} to ${d.to}), its cut points frozen as of ${d.to}.`,
  note: `The rule holds this report's cut points as of ${d.to}: it selects the ${count(s.customers)} customers of the group then. As customers order or lapse, membership follows these thresholds, not new quintiles.`,
  rule: s.rule,
  ruleRefusal: s.ruleRefusal,
})

/** A cluster to save, its centroids frozen. @param {Customers} d @param {Cluster} k @returns {Savable} */
export const clusterToSave = (d, k) => ({
  title: `cluster ${k.cluster}`,
  key: `cluster-${k.cluster}-${d.to}`,
  name: `Cluster ${k.cluster} ${d.to}: ${k.description}`.slice(0, 200),
  description: `Customers nearest cluster ${k.cluster} (${k.description}) of the customers report (goal ${d.goal}, ${d.from} to ${d.to}), its centroids frozen as of ${d.to}.`,
  note: `The rule holds this report's centroids as of ${d.to}: it selects the ${count(k.customers)} customers of the cluster then. As customers order, lapse or browse, each is in the cluster whose frozen centroid is nearest.`,
  rule: k.rule,
  ruleRefusal: k.ruleRefusal,
})

/** A cohort to save. @param {Customers} d @param {Cohort} k @returns {Savable} */
export const cohortToSave = (d, k) => ({
  title: `First order ${k.cohort}`,
  key: `first-order-${k.cohort}`,
  name: `First order ${k.cohort}`,
  description: `Customers whose first order (goal ${d.goal}) from ${d.from} on was in ${k.cohort} (${d.timezone}), from the customers report up to ${d.to}.`,
  note: `The rule selects the ${count(k.customers)} customers whose first order since ${d.from} was in ${k.cohort}, as of ${d.to}. It looks back as far from the day it is evaluated, so a customer whose earlier orders fall out of that span moves to a later cohort.`,
  rule: k.rule,
  ruleRefusal: k.ruleRefusal,
})
