// What the report pages share: their view's state in the address (`#/<page>?…`, so a view can be
// shared), the period presets and dates in the site's time zone, and the controls built on them.
// Each page keeps its own ids and words; these only build them alike.
import { h } from './dom.js'

/**
 * @typedef {[key: string, label: string, days: number]} Preset
 * @typedef {(edit: (s: URLSearchParams) => void) => void} Update
 * @typedef {{ today: string, preset: string, from: string, to: string }} Period
 */

/** How the API names a missing value (a visit without a campaign, say) in rows and filters. */
export const NONE = '(none)'

/** The periods a report offers: the last N days, today included (so 6 days before it for 7d). @type {Preset[]} */
export const PRESETS = [
  ['7d', 'Last 7 days', 6],
  ['30d', 'Last 30 days', 29],
  ['90d', 'Last 90 days', 89],
]

/** The day of an instant in a time zone, as YYYY-MM-DD (how Swedish writes dates). @param {number} ms @param {string} zone */
export const dateIn = (ms, zone) => new Date(ms).toLocaleDateString('sv-SE', { timeZone: zone })

/** The view's state from the address: the query after `#/<page>?`. */
export const stateOf = () => new URLSearchParams(location.hash.split('?')[1] ?? '')

/** Shows a report with the state given. @param {string} page @param {URLSearchParams} state */
export const go = (page, state) => {
  location.hash = `#/${page}?${state}`
}

/**
 * A page's edits of its state: each reads the address afresh (not the state the view was drawn
 * with), changes it and goes there. @param {string} page @returns {Update}
 */
export const updater = (page) => (edit) => {
  const next = stateOf()
  edit(next)
  go(page, next)
}

/**
 * The period the state asks for: a preset ending today (30d unless the state names one or gives
 * dates), or the dates given, a missing one the same as the other.
 * @param {URLSearchParams} state @param {string} zone @param {Preset[]} [presets] @returns {Period}
 */
export const periodOf = (state, zone, presets = PRESETS) => {
  const today = dateIn(Date.now(), zone)
  const preset = state.get('period') ?? (state.has('from') ? 'custom' : '30d')
  const days = presets.find(([key]) => key === preset)?.[2]
  const to = days === undefined ? (state.get('to') ?? today) : today
  const from =
    days === undefined
      ? (state.get('from') ?? to)
      : dateIn(Date.parse(`${today}T12:00:00Z`) - days * 86_400_000, 'UTC')
  return { today, preset, from, to }
}

/** The choices of a period select: the presets, then custom dates. @param {Preset[]} [presets] @returns {[string, string][]} */
export const periodOptions = (presets = PRESETS) => [
  ...presets.map(([key, label]) => /** @type {[string, string]} */ ([key, label])),
  ['custom', 'Custom dates'],
]

/**
 * A select of `[value, text]` options; `set`, if given, gets each choice.
 * @param {string} id @param {string} value @param {[string, string][]} options @param {(value: string) => void} [set]
 */
export const select = (id, value, options, set) =>
  h(
    'select',
    { id, onchange: set && ((e) => set(/** @type {HTMLSelectElement} */ (e.target).value)) },
    ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  )

/** Puts a value in the address under `key`, or drops the key when it is empty. @param {Update} update @param {string} key */
export const setOrDrop = (update, key) => (/** @type {string} */ value) =>
  update((s) => {
    if (value) s.set(key, value)
    else s.delete(key)
  })

/** A control's change as its new value. @param {(value: string) => void} set */
export const onValue = (set) => (/** @type {Event} */ e) =>
  set(/** @type {HTMLInputElement | HTMLSelectElement} */ (e.target).value)

/**
 * The period select: a preset drops the dates from the address; custom dates start from the
 * period shown. @param {string} id @param {Period} period @param {Update} update @param {Preset[]} [presets]
 */
export const periodSelect = (id, period, update, presets = PRESETS) =>
  select(id, period.preset, periodOptions(presets), (value) =>
    update((s) => {
      s.set('period', value)
      if (value === 'custom') {
        s.set('from', period.from)
        s.set('to', period.to)
      } else {
        s.delete('from')
        s.delete('to')
      }
    }),
  )

/**
 * The `<page>-from` or `<page>-to` date input: a change makes the period custom, the other date
 * kept as shown. @param {string} page @param {'from' | 'to'} which @param {Period} period @param {Update} update
 */
export const dateInput = (page, which, period, update) =>
  h('input', {
    id: `${page}-${which}`,
    type: 'date',
    value: period[which],
    max: period.today,
    onchange: (e) =>
      update((s) => {
        s.set('period', 'custom')
        s.set('from', period.from)
        s.set('to', period.to)
        s.set(which, /** @type {HTMLInputElement} */ (e.target).value)
      }),
  })

/** A whole number from the address, within bounds, or the fallback. @param {string | null} raw @param {number} min @param {number} max @param {number} fallback */
export const bounded = (raw, min, max, fallback) =>
  Math.min(max, Math.max(min, Math.round(Number(raw ?? fallback)) || fallback))

/** A whole-number input. @param {string} id @param {string} value @param {number} min @param {number} max @param {(e: Event) => void} onchange */
export const numberInput = (id, value, min, max, onchange) =>
  h('input', { id, type: 'number', min: String(min), max: String(max), step: '1', value, onchange })

/** Copies the keys the state has (and are not empty) to a query. @param {URLSearchParams} state @param {URLSearchParams} query @param {string[]} keys */
export const copyKeys = (state, query, keys) => {
  for (const key of keys) {
    const value = state.get(key)
    if (value) query.set(key, value)
  }
}

/** Adds a filter to the state unless it is there already. @param {string} filter @returns {(s: URLSearchParams) => void} */
export const addFilter = (filter) => (s) => {
  if (!s.getAll('filter').includes(filter)) s.append('filter', filter)
}

/**
 * The filters of the address as chips that remove themselves, after the words that lead in;
 * nothing when there are none. @param {string} page @param {string[]} filters @param {Update} update @param {string} [lead]
 */
export const filterChips = (page, filters, update, lead = 'Only visits with ') =>
  filters.length
    ? [
        h(
          'div',
          { class: 'chips', id: `${page}-filters` },
          lead,
          ...filters.map((f) =>
            h(
              'button',
              {
                type: 'button',
                class: 'chip',
                'aria-label': `Remove filter ${f}`,
                onclick: () =>
                  update((s) => {
                    const rest = s.getAll('filter').filter((x) => x !== f)
                    s.delete('filter')
                    for (const x of rest) s.append('filter', x)
                  }),
              },
              `${f.replace(':', ': ')} ×`,
            ),
          ),
        ),
      ]
    : []

/** A row's value as a link that filters the report to it. @param {string | null} value @param {(value: string | null) => void} pick */
export const pickButton = (value, pick) =>
  h(
    'button',
    { type: 'button', class: 'link', title: 'Show only these visits', onclick: () => pick(value) },
    value ?? NONE,
  )

/** A button that saves a CSV. @param {string} id @param {() => void} download @param {string} [label] */
export const downloadButton = (id, download, label = 'Download CSV') =>
  h('button', { type: 'button', id, onclick: download }, label)

/**
 * Labels and their controls in the class a page styles them with, kept together when the controls
 * wrap on a phone. @param {string} className @param {'span' | 'div'} [tag]
 */
export const fieldOf =
  (className, tag = 'span') =>
  (/** @type {string} */ id, /** @type {string} */ label, /** @type {Node} */ control) =>
    h(tag, { class: className }, h('label', { for: id }, label), control)
