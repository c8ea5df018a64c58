// The parts of the experiment editor (page-experiment-edit.js) that repeat: percent inputs that
// read back exactly what was loaded when left alone, rows that can be added and removed (variations,
// goals, guardrails), and each kind of row.
import { h } from './dom.js'
import { checkbox, field, input, numberOf, select, showField, textOf } from './edit.js'

/**
 * @typedef {{ slot?: { name: string, variant: string }, class?: { selector: string, add: string } }} Change
 * @typedef {{ key: string, name?: string, weight?: number, change?: Change }} Variation
 * @typedef {{ event?: string, property?: string, goal?: string, signed?: boolean, cap?: { percentile: number } }} Metric
 * @typedef {{ key: string, label: string }} GoalChoice a site goal a metric can count
 */

/** Each percent input's text as loaded and the fraction it came from. @type {WeakMap<HTMLInputElement, [string, number]>} */
const loaded = new WeakMap()

/**
 * An input of a share (0–1) shown as a percent. @param {string} name @param {unknown} fraction
 * @param {Record<string, string>} [attrs]
 */
export const percentInput = (name, fraction, attrs = {}) => {
  const shown = typeof fraction === 'number' ? String(Math.round(fraction * 1e6) / 1e4) : ''
  const el = input(name, shown, { type: 'number', step: 'any', min: '0', max: '100', ...attrs })
  if (typeof fraction === 'number') loaded.set(el, [shown, fraction])
  return el
}

/**
 * The share a percent input says, undefined when empty. Left as loaded, it is the loaded number
 * exactly: rounding for display must never look like a change of the split.
 * @param {HTMLInputElement} el
 */
export const fractionOf = (el) => {
  const was = loaded.get(el)
  if (was && el.value === was[0]) return was[1]
  const n = numberOf(el)
  return n === undefined || Number.isNaN(n) ? n : Math.round(n * 1e4) / 1e6
}

/**
 * @template {{ fields: (Node | string)[] }} B
 * @typedef {{ element: HTMLFieldSetElement, rows: () => B[], add: (item?: unknown) => void }} Repeater
 */

/**
 * A fieldset of rows that can be added (up to `max`) and removed (down to `min`), numbered.
 * @template {{ fields: (Node | string)[] }} B
 * @param {{ legend: string, noun: string, items: unknown[], min: number, max: number, build: (item: unknown) => B, title?: (n: number) => string, hint?: string, tools?: Node[], changed?: () => void }} spec
 * @returns {Repeater<B>}
 */
export const repeater = ({ legend, noun, items, min, max, build, title, hint, tools = [], changed }) => {
  const box = h('div', { class: 'repeat-rows' })
  /** @type {{ el: HTMLElement, built: B, label: HTMLElement, remove: HTMLButtonElement }[]} */
  const rows = []
  const Noun = `${noun[0]?.toUpperCase()}${noun.slice(1)}`
  const addButton = h('button', { type: 'button' }, `Add a ${noun}`)
  let ready = false
  const sync = () => {
    rows.forEach((r, i) => {
      const name = title ? title(i + 1) : `${Noun} ${i + 1}`
      r.label.textContent = name
      r.el.setAttribute('aria-label', name)
      r.remove.setAttribute('aria-label', `Remove ${noun} ${i + 1}`)
      r.remove.disabled = rows.length <= min
    })
    addButton.disabled = rows.length >= max
    if (ready) changed?.()
  }
  /** @param {unknown} item */
  const add = (item) => {
    const built = build(item)
    const label = h('p', { class: 'xp-row-title' })
    const remove = h('button', { type: 'button', class: 'remove' }, 'Remove')
    const el = h('div', { class: 'repeat-row', role: 'group' }, label, ...built.fields, remove)
    const row = { el, built, label, remove }
    remove.addEventListener('click', () => {
      const at = rows.indexOf(row)
      rows.splice(at, 1)
      el.remove()
      sync()
      // Focus stays in the list: on the row that took its place, or on "Add".
      const next = rows[Math.min(at, rows.length - 1)]?.el.querySelector('input, select')
      if (next instanceof HTMLElement) next.focus()
      else addButton.focus()
    })
    rows.push(row)
    box.append(el)
    sync()
  }
  addButton.addEventListener('click', () => {
    add(undefined)
    const first = rows.at(-1)?.el.querySelector('input, select')
    if (first instanceof HTMLElement) first.focus()
  })
  for (const item of items) add(item)
  ready = true
  const element = h(
    'fieldset',
    { class: 'repeat' },
    h('legend', {}, legend),
    hint ? h('p', { class: 'hint' }, hint) : '',
    box,
    h('div', { class: 'actions' }, addButton, ...tools),
  )
  return { element, rows: () => rows.map((r) => r.built), add }
}

/** @type {[string, string][]} */
const CHANGES = [
  ['', 'None: the page as it is'],
  ['slot', "Show a slot's variant"],
  ['class', 'Add a CSS class'],
]

/**
 * One variation: key, name, weight and what it changes. `weight` is its input, for "split equally".
 * @param {unknown} item a Variation, or undefined for a new one
 * @param {string[]} slots the site's slots, offered as suggestions
 */
export const variationRow = (item, slots) => {
  const v = /** @type {Variation} */ (item ?? { key: '' })
  const key = input('key', v.key, { autocomplete: 'off', spellcheck: 'false' })
  const name = input('name', v.name)
  const weight = percentInput('weight', v.weight, { class: 'short' })
  const kind = select('change', CHANGES, v.change?.slot ? 'slot' : v.change?.class ? 'class' : '')
  const listId = `slots-${Math.random().toString(36).slice(2, 8)}`
  const slot = input('slot', v.change?.slot?.name, { list: listId, autocomplete: 'off' })
  const variant = input('variant', v.change?.slot?.variant, { autocomplete: 'off' })
  const selector = input('selector', v.change?.class?.selector, { placeholder: '#add-to-cart' })
  const cls = input('class', v.change?.class?.add, { placeholder: 'cta-green' })
  const shape = () => {
    showField(slot, kind.value === 'slot')
    showField(variant, kind.value === 'slot')
    showField(selector, kind.value === 'class')
    showField(cls, kind.value === 'class')
  }
  kind.addEventListener('change', shape)
  const fields = [
    field('Key', key),
    field('Name', name),
    field('Weight (%)', weight),
    field('Change', kind),
    h('datalist', { id: listId }, ...slots.map((s) => h('option', { value: s }))),
    field('Slot', slot),
    field('Variant key', variant),
    field('CSS selector', selector),
    field('Class to add', cls),
  ]
  shape()
  /** @returns {Variation} */
  const read = () => {
    /** @type {Variation} */
    const out = { ...v, key: key.value.trim() }
    const set = (/** @type {'name' | 'weight' | 'change'} */ k, /** @type {unknown} */ value) => {
      if (value === undefined) delete out[k]
      else Object.assign(out, { [k]: value })
    }
    set('name', textOf(name))
    set('weight', fractionOf(weight))
    set(
      'change',
      kind.value === 'slot'
        ? { slot: { name: slot.value.trim(), variant: variant.value.trim() } }
        : kind.value === 'class'
          ? { class: { selector: selector.value.trim(), add: cls.value.trim() } }
          : undefined,
    )
    return out
  }
  return { fields, read, weight, key }
}

/**
 * One goal or guardrail: a site goal, or an event and for a mean its property; then its sign and
 * cap. The site's goals are offered by name.
 * @param {unknown} item a Metric, or undefined for a new one
 * @param {GoalChoice[]} [goals] the site's goals
 */
export const metricRow = (item, goals = []) => {
  const m = /** @type {Metric} */ (item ?? { event: '' })
  // A goal the site no longer lists stays chosen, so saving shows the API's reason, not a change.
  const listed = m.goal === undefined || goals.some((g) => g.key === m.goal)
  const goal = select(
    'goal',
    [
      ['', 'An event, named below'],
      ...goals.map((g) => /** @type {[string, string]} */ ([g.key, g.label])),
      ...(listed ? [] : [/** @type {[string, string]} */ ([m.goal ?? '', m.goal ?? ''])]),
    ],
    m.goal ?? '',
  )
  const event = input('event', m.event, { autocomplete: 'off', placeholder: 'Order Completed' })
  const property = input('property', m.property, { autocomplete: 'off', placeholder: 'revenue' })
  const signed = checkbox('signed', m.signed === true, 'Can be negative (refunds)')
  const cap = percentInput('cap', m.cap?.percentile, { min: '50', max: '99.99', class: 'short' })
  const box = /** @type {HTMLInputElement} */ (signed.querySelector('input'))
  const fields = [
    field('Counts', goal, "One of the site's goals (its event and revenue), or an event"),
    field('Event', event),
    field(
      'Property (optional)',
      property,
      'Sum of this property per user, e.g. revenue; empty: whether the user did the event',
    ),
    h('div', { class: 'field' }, signed),
    field('Cap at percentile (optional)', cap, 'e.g. 99: no one counts above it'),
  ]
  const shape = () => {
    showField(event, goal.value === '')
    showField(property, goal.value === '')
  }
  goal.addEventListener('change', shape)
  shape()
  /** @returns {Metric} */
  const read = () => {
    /** @type {Record<string, unknown>} */
    const out = goal.value ? { goal: goal.value } : { event: event.value.trim(), property: textOf(property) }
    if (box.checked) out.signed = true
    else if (m.signed === false) out.signed = false
    const percentile = fractionOf(cap)
    if (percentile !== undefined) out.cap = { percentile }
    return /** @type {Metric} */ (
      Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined))
    )
  }
  return { fields, read }
}

/**
 * Weights in % of "split equally": 33.33, 33.33, 33.34 for three, adding up to 100 exactly.
 * @param {number} n
 */
export const equalSplit = (n) => {
  const each = Math.floor(10000 / n) / 100
  return Array.from({ length: n }, (_, i) =>
    i === n - 1 ? Math.round((100 - each * (n - 1)) * 100) / 100 : each,
  )
}
