// Funnels: how many people reach each step of a sequence of page views and events, counted once
// per person across their devices. Every number is the reports API's (no arithmetic here but
// formatting); the steps and options live in the address, so a funnel can be shared.
import { ApiError, apiCall, enc, session, token } from './api.js'
import { hbarChart } from './charts.js'
import { h, notice, scrollBox, table } from './dom.js'
import { count, percent } from './format.js'
import {
  addFilter,
  downloadButton,
  fieldOf,
  filterChips,
  go,
  NONE,
  periodOf,
  periodOptions,
  pickButton,
  select,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {{ kind: 'page' | 'event', value: string }} StepInput
 * @typedef {{ step: number, label: string, people: number, fromPrevious: number | null,
 *   fromFirst: number | null, dropOff: number, medianSeconds: number | null }} Step
 * @typedef {{ from: string, to: string, timezone: string, window: string, order: string, filter: string[],
 *   breakdown?: string, steps: Step[], groups?: { value: string | null, steps: Step[] }[], groupsTotal?: number }} Funnel
 */

const MAX_STEPS = 10
/** @type {[string, string][]} */
const WINDOWS = [
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['14d', '14 days'],
  ['30d', '30 days'],
]
/** @type {[string, string][]} dimension, label */
const DIMENSIONS = [
  ['channel', 'Channel'],
  ['referrer', 'Referrer'],
  ['utm_source', 'Source'],
  ['utm_medium', 'Medium'],
  ['utm_campaign', 'Campaign'],
  ['entry_page', 'Entry page'],
  ['browser', 'Browser'],
  ['os', 'Operating system'],
  ['device', 'Device'],
  ['country', 'Country'],
]
const GROUP_ROWS = 10

/** @param {number | null} seconds */
const duration = (seconds) => {
  if (seconds === null || !Number.isFinite(seconds)) return '–'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`
}

/** Edits the view's state in the address: `#/funnel?step=page:/&step=event:Order%20Completed&window=1d…`. */
const update = updater('funnel')

/** `page:/cart` or `event:Order Completed` → a step of the form. @param {string} raw @returns {StepInput} */
const stepOf = (raw) =>
  raw.startsWith('event:')
    ? { kind: 'event', value: raw.slice(6) }
    : { kind: 'page', value: raw.replace(/^page:/, '') }

/** @param {StepInput} s */
const bodyStep = (s) => (s.kind === 'event' ? { event: s.value } : { page: s.value })

/**
 * Saves the CSV the funnel answers: a POST, so api.js's apiDownload (GET) does not fit.
 * @param {string} path @param {unknown} body @param {string} filename
 */
const postDownload = async (path, body, filename) => {
  const bearer = token.get()
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' }
  if (bearer) headers.authorization = `Bearer ${bearer}`
  if (session.csrf) headers['x-csrf-token'] = session.csrf
  const res = await fetch(path, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    cache: 'no-store',
    credentials: 'same-origin',
  })
  if (!res.ok) throw new ApiError(res.status, 'error', `HTTP ${res.status}`, {})
  const url = URL.createObjectURL(await res.blob())
  const link = Object.assign(document.createElement('a'), { href: url, download: filename })
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** The rows of the step form: kind, value, remove; at least one, at most MAX_STEPS. @param {StepInput[]} initial */
const stepRows = (initial) => {
  const box = h('ol', { class: 'funnel-steps', id: 'funnel-steps' })
  /** @type {{ title: HTMLElement, kind: HTMLSelectElement, value: HTMLInputElement, el: HTMLElement }[]} */
  const rows = []
  const add = h('button', { type: 'button', id: 'funnel-add' }, 'Add a step')
  const renumber = () => {
    rows.forEach((r, i) => {
      r.title.textContent = `Step ${i + 1}`
      r.kind.setAttribute('aria-label', `Step ${i + 1}: kind`)
      r.value.setAttribute(
        'aria-label',
        `Step ${i + 1}: ${r.kind.value === 'event' ? 'event name' : 'page path'}`,
      )
      r.value.placeholder = r.kind.value === 'event' ? 'Order Completed' : '/cart or /shoes/*'
    })
    for (const r of rows) r.el.querySelector('button')?.toggleAttribute('disabled', rows.length === 1)
    add.toggleAttribute('disabled', rows.length >= MAX_STEPS)
  }
  const addRow = (/** @type {StepInput} */ s) => {
    const kind = h(
      'select',
      { onchange: renumber },
      h('option', { value: 'page', selected: s.kind === 'page' }, 'Page view'),
      h('option', { value: 'event', selected: s.kind === 'event' }, 'Event'),
    )
    const value = h('input', { type: 'text', value: s.value, required: true, maxlength: 200 })
    const title = h('span', { class: 'xp-row-title', 'aria-hidden': 'true' })
    const el = h('li', { class: 'repeat-row' }, title, kind, value)
    const row = { title, kind, value, el }
    el.append(
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            rows.splice(rows.indexOf(row), 1)
            el.remove()
            renumber()
          },
        },
        'Remove',
      ),
    )
    rows.push(row)
    box.append(el)
    renumber()
  }
  for (const s of initial) addRow(s)
  add.addEventListener('click', () => {
    addRow({ kind: 'page', value: '' })
    rows.at(-1)?.value.focus()
  })
  return {
    el: h('div', {}, box, add),
    /** @returns {string[]} */
    values: () => rows.map((r) => `${r.kind.value}:${r.value.value.trim()}`),
  }
}

/** @param {Step[]} steps */
const stepsTable = (steps) =>
  table({
    id: 'funnel-table',
    caption: 'People at each step',
    columns: [
      'Step',
      { label: 'People', numeric: true },
      { label: 'From previous', numeric: true },
      { label: 'From first', numeric: true },
      { label: 'Dropped off', numeric: true },
      { label: 'Median time from previous', numeric: true },
    ],
    rows: steps.map((s) => [
      `${s.step}. ${s.label}`,
      count(s.people),
      s.step === 1 ? '–' : percent(s.fromPrevious),
      percent(s.fromFirst),
      s.step === 1 ? '–' : count(s.dropOff),
      duration(s.medianSeconds),
    ]),
  })

/**
 * @param {Funnel} d @param {string} title
 * @param {(value: string | null) => void} pick
 */
const groupsTable = (d, title, pick) => {
  const groups = (d.groups ?? []).slice(0, GROUP_ROWS)
  const total = d.groupsTotal ?? groups.length
  return table({
    id: 'funnel-groups',
    caption: total > groups.length ? `By ${title} (top ${groups.length} of ${count(total)})` : `By ${title}`,
    columns: [
      title,
      ...d.steps.map((s) => ({ label: `${s.step}. ${s.label}`, numeric: true })),
      { label: 'Converted', numeric: true },
    ],
    rows: groups.map((g) => [
      pickButton(g.value, pick),
      ...g.steps.map((s) => count(s.people)),
      percent(g.steps.at(-1)?.fromFirst ?? null),
    ]),
  })
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const { today, preset, from, to } = periodOf(state, zone)
  const steps = state.getAll('step').slice(0, MAX_STEPS).map(stepOf)
  const window = state.get('window') ?? '1d'
  const order = state.get('order') === 'strict' ? 'strict' : 'any'
  const breakdown = state.get('breakdown') ?? ''
  const filters = state.getAll('filter')

  const form = stepRows(
    steps.length
      ? steps
      : [
          { kind: 'page', value: '/' },
          { kind: 'event', value: '' },
        ],
  )
  // Nothing goes to the address before the form is sent.
  const period = select('funnel-period', preset, periodOptions())
  const fromInput = h('input', { id: 'funnel-from', type: 'date', value: from, max: today })
  const toInput = h('input', { id: 'funnel-to', type: 'date', value: to, max: today })
  /** @type {[string, string][]} */
  const windows = WINDOWS.some(([key]) => key === window) ? WINDOWS : [...WINDOWS, [window, window]]
  const windowSelect = select('funnel-window', window, windows)
  const orderSelect = select('funnel-order', order, [
    ['any', 'In order, other steps between allowed'],
    ['strict', 'Strictly in order'],
  ])
  const breakdownSelect = select('funnel-breakdown', breakdown, [['', 'None'], ...DIMENSIONS])
  const field = fieldOf('field', 'div')

  const submit = (/** @type {Event} */ e) => {
    e.preventDefault()
    const next = new URLSearchParams()
    for (const s of form.values()) next.append('step', s)
    next.set('window', windowSelect.value)
    next.set('order', orderSelect.value)
    if (breakdownSelect.value) next.set('breakdown', breakdownSelect.value)
    const custom = period.value === 'custom' || fromInput.value !== from || toInput.value !== to
    next.set('period', custom ? 'custom' : period.value)
    if (custom) {
      next.set('from', fromInput.value)
      next.set('to', toInput.value)
    }
    for (const f of filters) next.append('filter', f)
    go('funnel', next)
  }

  const body = {
    steps: steps.map(bodyStep),
    from,
    to,
    window,
    order,
    ...(breakdown ? { breakdown } : {}),
    filter: filters,
  }
  const path = `/admin/api/reports/funnel?site=${enc(ctx.site.id)}`
  const holder = h('div', { id: 'funnel-report', 'aria-busy': 'true' })
  ctx.main.append(
    h('h2', {}, 'Funnels'),
    h(
      'p',
      { class: 'muted' },
      `People who reach each step in order: the first step between the dates (${zone}), each later one within the window after it. A person on a phone and a laptop counts once.`,
    ),
    h(
      'form',
      { id: 'funnel-form', class: 'funnel-form', onsubmit: submit },
      h('fieldset', {}, h('legend', {}, 'Steps'), form.el),
      h(
        'div',
        { class: 'funnel-options' },
        field('funnel-window', 'Window', windowSelect),
        field('funnel-order', 'Order', orderSelect),
        field('funnel-breakdown', 'Break down by', breakdownSelect),
        field('funnel-period', 'Period', period),
        field('funnel-from', 'From', fromInput),
        field('funnel-to', 'To', toInput),
      ),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'submit', id: 'funnel-show' }, 'Show the funnel'),
        steps.length > 0 &&
          downloadButton('funnel-csv', () =>
            postDownload(`${path}&format=csv`, body, `${ctx.site.id}-funnel-${from}-${to}.csv`).catch((err) =>
              holder.prepend(notice(err instanceof Error ? err.message : String(err), 'error')),
            ),
          ),
      ),
    ),
    ...filterChips('funnel', filters, update),
    holder,
  )
  if (steps.length === 0) {
    holder.append(notice('Give the steps, a page path or an event name each, and show the funnel.'))
    holder.setAttribute('aria-busy', 'false')
    return
  }
  /** @type {Funnel} */
  const d = (await apiCall('POST', path, body, { signal: ctx.signal })).body
  if (ctx.signal.aborted) return
  const title = DIMENSIONS.find(([key]) => key === d.breakdown)?.[1] ?? ''
  const pick = (/** @type {string | null} */ value) => update(addFilter(`${d.breakdown}:${value ?? NONE}`))
  holder.replaceChildren(
    ...(d.steps[0]?.people === 0 ? [notice('Nobody reached the first step in this period.')] : []),
    hbarChart({
      title: `People at each step (${d.from} to ${d.to}, within ${d.window}${d.order === 'strict' ? ', strictly in order' : ''})`,
      rows: d.steps.map((s) => ({ label: `${s.step}. ${s.label}`, values: [s.people] })),
      series: ['People'],
      format: (x) => count(Math.round(x)),
    }),
    scrollBox('Funnel steps', stepsTable(d.steps)),
    ...(d.breakdown ? [scrollBox(`Funnel by ${title}`, groupsTable(d, title, pick))] : []),
  )
  holder.setAttribute('aria-busy', 'false')
}
