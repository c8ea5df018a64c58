// A condition builder: rows of "attribute, operator, value" (and, for segments, behaviour terms
// such as "times done Product Viewed within 30d ≥ 3"), joined by all or any. What rows cannot say
// (nesting, `where`, `top`, `rfm`, rarer operators) is edited as JSON, as GrowthBook's editor does.
import { h } from './dom.js'
import { field, input, select, showField } from './edit.js'

/** The attributes conditions read (docs/developers.md), offered as suggestions. */
const ATTRIBUTES = [
  'traits.',
  'userId',
  'page.path',
  'page.url',
  'page.search',
  'page.title',
  'referrer',
  'campaign.source',
  'campaign.medium',
  'campaign.name',
  'device.type',
  'language',
  'timezone',
  'hour',
  'weekday',
  'geo.country',
]

/** @type {[string, string][]} */
const OPERATORS = [
  ['$eq', 'is'],
  ['$ne', 'is not'],
  ['$in', 'is one of'],
  ['$nin', 'is none of'],
  ['$regex', 'matches (regex)'],
  ['$gt', '>'],
  ['$gte', '≥'],
  ['$lt', '<'],
  ['$lte', '≤'],
  ['$exists', 'exists (true/false)'],
]

/** Behaviour terms the rows can say; `top` and `rfm` are JSON only. */
const TERMS = /** @type {const} */ (['count', 'recency', 'frequency', 'monetary'])
/** @type {[string, string][]} */
const KINDS = [
  ['attribute', 'Attribute'],
  ['count', 'Times done'],
  ['recency', 'Days since last'],
  ['frequency', 'Days with'],
  ['monetary', 'Revenue from'],
]
const ANY = 'any'

/**
 * @typedef {{ kind: string, attribute: string, event: string, within: string, op: string, value: string }} Row
 * @typedef {Record<string, unknown>} Condition
 */

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** @param {unknown} v */
const show = (v) => (Array.isArray(v) ? v.map(String).join(', ') : v === undefined ? '' : String(v))

/** A typed value from what was typed: numbers and booleans as such, the rest as text. @param {string} text */
const typed = (text) => {
  const t = text.trim()
  if (t === 'true' || t === 'false') return t === 'true'
  return t !== '' && String(Number(t)) === t ? Number(t) : t
}

/** @param {string} op @param {string} text */
const operandOf = (op, text) =>
  op === '$in' || op === '$nin'
    ? text.split(',').map(typed)
    : op === '$regex'
      ? text
      : op === '$exists'
        ? text.trim() !== 'false'
        : typed(text)

/** One clause as a row, or null when rows cannot say it. @param {Condition} clause @returns {Row | null} */
const rowOf = (clause) => {
  const keys = Object.keys(clause)
  const term = TERMS.find((t) => t in clause)
  if (term) {
    const spec = clause[term]
    const ops = keys.filter((k) => k !== term)
    if (!isObject(spec) || ops.length > 1 || !ops.every((k) => OPERATORS.some(([o]) => o === k))) return null
    if (Object.keys(spec).some((k) => k !== 'event' && (k !== 'within' || term === 'recency'))) return null
    if (spec.event !== undefined && typeof spec.event !== 'string') return null
    const op = ops[0] ?? ANY
    return {
      kind: term,
      attribute: '',
      event: show(spec.event),
      within: show(spec.within),
      op,
      value: op === ANY ? '' : show(clause[op]),
    }
  }
  if (keys.length !== 1 || keys[0]?.startsWith('$')) return null
  const attribute = /** @type {string} */ (keys[0])
  const v = clause[attribute]
  if (!isObject(v))
    return Array.isArray(v)
      ? null
      : { kind: 'attribute', attribute, event: '', within: '', op: '$eq', value: show(v) }
  const [op, ...more] = Object.keys(v)
  if (!op || more.length || !OPERATORS.some(([o]) => o === op)) return null
  return { kind: 'attribute', attribute, event: '', within: '', op, value: show(v[op]) }
}

/**
 * A condition as rows joined by all or any, or null when rows cannot say it.
 * @param {Condition | undefined} condition @returns {{ join: 'all' | 'any', rows: Row[] } | null}
 */
export const toRows = (condition) => {
  if (!condition || Object.keys(condition).length === 0) return { join: 'all', rows: [] }
  const [only, ...more] = Object.keys(condition)
  const list = !more.length && (only === '$and' || only === '$or') ? condition[only] : null
  if (Array.isArray(list)) {
    const rows = list.map((c) => (isObject(c) ? rowOf(c) : null))
    return rows.every((r) => r !== null)
      ? { join: only === '$or' ? 'any' : 'all', rows: /** @type {Row[]} */ (rows) }
      : null
  }
  // A term's clause is one row; otherwise each attribute of the object is one (an implicit "all").
  if (TERMS.some((t) => t in condition)) {
    const row = rowOf(condition)
    return row ? { join: 'all', rows: [row] } : null
  }
  const rows = Object.entries(condition).map(([k, v]) => rowOf({ [k]: v }))
  return rows.every((r) => r !== null) ? { join: 'all', rows: /** @type {Row[]} */ (rows) } : null
}

/** @param {Row} row @returns {Condition} */
const clauseOf = (row) => {
  if (row.kind === 'attribute') {
    if (!row.attribute.trim()) throw new Error('every condition needs an attribute')
    return {
      [row.attribute.trim()]:
        row.op === '$eq' ? operandOf('$eq', row.value) : { [row.op]: operandOf(row.op, row.value) },
    }
  }
  /** @type {Record<string, unknown>} */
  const spec = {}
  if (row.event.trim()) spec.event = row.event.trim()
  if (row.within.trim() && row.kind !== 'recency') spec.within = row.within.trim()
  return row.op === ANY ? { [row.kind]: spec } : { [row.kind]: spec, [row.op]: operandOf(row.op, row.value) }
}

/** Rows back to a condition; undefined for none. @param {'all' | 'any'} join @param {Row[]} rows */
export const fromRows = (join, rows) => {
  if (rows.length === 0) return undefined
  const clauses = rows.map(clauseOf)
  return clauses.length === 1 ? clauses[0] : { [join === 'any' ? '$or' : '$and']: clauses }
}

/**
 * The builder. `read()` gives the condition (undefined for none) or throws with what is wrong.
 * @param {{ label: string, value: Condition | undefined, behaviour?: boolean, optional?: boolean }} spec
 * @returns {{ element: HTMLElement, read: () => Condition | undefined }}
 */
export const conditionBuilder = ({ label, value, behaviour = false, optional = true }) => {
  const listId = `attrs-${Math.random().toString(36).slice(2, 8)}`
  const datalist = h('datalist', { id: listId }, ...ATTRIBUTES.map((a) => h('option', { value: a })))
  const join = select(
    'join',
    [
      ['all', 'all of these'],
      ['any', 'any of these'],
    ],
    'all',
  )
  const rowsBox = h('div', { class: 'condition-rows' })
  const json = /** @type {HTMLTextAreaElement} */ (
    h('textarea', { rows: '6', class: 'json', spellcheck: 'false' })
  )
  const jsonBox = h('div', { class: 'condition-json', hidden: true }, field(`${label} as JSON`, json))
  const toggle = h('button', { type: 'button', class: 'link' }, 'Edit as JSON')
  const message = h('p', { class: 'hint', role: 'status' })
  let asJson = false

  /** @param {Row} row */
  const addRow = (row) => {
    const kind = select('kind', behaviour ? KINDS : KINDS.slice(0, 1), row.kind)
    const attribute = input('attribute', row.attribute, { list: listId, placeholder: 'traits.plan' })
    const event = input('event', row.event, { placeholder: 'Product Viewed (any when empty)' })
    const within = input('within', row.within, { placeholder: '30d', size: '5' })
    const op = select(
      'op',
      [...(row.kind === 'attribute' ? [] : [[ANY, 'at all']]), ...OPERATORS].map(
        (o) => /** @type {[string, string]} */ (o),
      ),
      row.op,
    )
    const val = input('value', row.value)
    const remove = h('button', { type: 'button', class: 'remove' }, 'Remove')
    const n = rowsBox.children.length + 1
    const el = h(
      'div',
      { class: 'condition-row', role: 'group', 'aria-label': `${label}, rule ${n}` },
      behaviour ? field('What', kind) : '',
      field('Attribute', attribute),
      field('Event', event),
      field('Within', within),
      field('Operator', op),
      field('Value', val),
      remove,
    )
    const shape = () => {
      const term = kind.value !== 'attribute'
      showField(attribute, !term)
      showField(event, term)
      showField(within, term && kind.value !== 'recency')
      const anyOption = op.querySelector(`option[value="${ANY}"]`)
      if (term && !anyOption) op.prepend(h('option', { value: ANY }, 'at all'))
      if (!term && anyOption) {
        if (op.value === ANY) op.value = '$eq'
        anyOption.remove()
      }
      showField(val, op.value !== ANY)
    }
    kind.addEventListener('change', shape)
    op.addEventListener('change', shape)
    remove.setAttribute('aria-label', `Remove rule ${n}`)
    remove.addEventListener('click', () => el.remove())
    Object.assign(el, {
      /** @returns {Row} */
      row: () => ({
        kind: kind.value,
        attribute: attribute.value,
        event: event.value,
        within: within.value,
        op: op.value,
        value: val.value,
      }),
    })
    rowsBox.append(el)
    shape()
  }

  const readRows = () =>
    fromRows(
      /** @type {'all' | 'any'} */ (join.value),
      [...rowsBox.children].map((el) =>
        /** @type {{ row: () => Row }} */ (/** @type {unknown} */ (el)).row(),
      ),
    )

  /** @param {Condition | undefined} condition */
  const showRows = (condition) => {
    const parsed = toRows(condition)
    if (!parsed) return false
    join.value = parsed.join
    rowsBox.replaceChildren()
    for (const row of parsed.rows) addRow(row)
    return true
  }

  const read = () => {
    if (!asJson) return readRows()
    const text = json.value.trim()
    if (text === '') return undefined
    let parsed
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new Error(`${label}: not valid JSON`)
    }
    if (!isObject(parsed)) throw new Error(`${label}: must be a JSON object`)
    return parsed
  }

  /** @param {boolean} on */
  const setJson = (on) => {
    asJson = on
    jsonBox.hidden = !on
    builder.hidden = on
    toggle.textContent = on ? 'Edit as rules' : 'Edit as JSON'
  }

  const add = h('button', { type: 'button' }, behaviour ? 'Add a rule' : 'Add a condition')
  add.addEventListener('click', () => {
    addRow({ kind: 'attribute', attribute: '', event: '', within: '', op: '$eq', value: '' })
    const first = rowsBox.lastElementChild?.querySelector('select, input')
    if (first instanceof HTMLElement) first.focus()
  })
  const builder = h('div', {}, field('Match', join), rowsBox, add)
  toggle.addEventListener('click', () => {
    message.textContent = ''
    if (!asJson) {
      let current
      try {
        current = readRows()
      } catch {
        current = undefined
      }
      json.value = current ? JSON.stringify(current, null, 2) : ''
      return setJson(true)
    }
    try {
      if (showRows(read())) return setJson(false)
      message.textContent = 'This condition needs more than rules can say: keep editing it as JSON.'
    } catch (err) {
      message.textContent = err instanceof Error ? err.message : String(err)
    }
  })

  if (!showRows(value)) {
    json.value = JSON.stringify(value, null, 2)
    setJson(true)
  }
  const element = h(
    'fieldset',
    { class: 'condition' },
    h('legend', {}, label, optional ? ' (none: everyone)' : ''),
    datalist,
    builder,
    jsonBox,
    toggle,
    message,
  )
  return { element, read }
}
