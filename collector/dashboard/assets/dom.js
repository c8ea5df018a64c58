// Building the page with DOM calls only. Every value from the API goes in as a text node or an
// attribute value, never as markup: event properties, traits and config may hold any string.

/**
 * @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} AttrValue
 * @typedef {Node | string | number | null | undefined | false} Child
 */

/**
 * @param {Element} el
 * @param {Record<string, AttrValue>} attrs `on…` functions become listeners; false/null/undefined are left out
 * @param {Child[]} children strings become text nodes
 */
const fill = (el, attrs, children) => {
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (value === true) el.setAttribute(name, '')
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value))
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.append(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
  return el
}

/**
 * An HTML element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export const h = (tag, attrs = {}, ...children) =>
  /** @type {HTMLElementTagNameMap[K]} */ (fill(document.createElement(tag), attrs, children))

/**
 * An SVG element.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export const s = (tag, attrs = {}, ...children) =>
  /** @type {SVGElementTagNameMap[K]} */ (
    fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children)
  )

/**
 * @typedef {{ label: string, numeric?: boolean }} Column
 * A table with a caption (its accessible name), a header row and one row per entry.
 * @param {{ caption: string, columns: (string | Column)[], rows: Child[][], id?: string }} spec
 */
export const table = ({ caption, columns, rows, id }) => {
  const cols = columns.map((c) => (typeof c === 'string' ? { label: c, numeric: false } : c))
  const cell = (/** @type {'td' | 'th'} */ tag, /** @type {number} */ i, /** @type {Child} */ value) =>
    h(tag, { class: cols[i]?.numeric ? 'num' : null, scope: tag === 'th' ? 'col' : null }, value)
  return h(
    'table',
    { id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...cols.map((c, i) => cell('th', i, c.label)))),
    h(
      'tbody',
      {},
      ...(rows.length
        ? rows.map((row) => h('tr', {}, ...row.map((value, i) => cell('td', i, value))))
        : [h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, 'Nothing yet.'))]),
    ),
  )
}

/** A figure: a big number and its label. @param {string} label @param {string} value @param {string} [note] */
export const tile = (label, value, note) =>
  h(
    'div',
    { class: 'tile' },
    h('span', { class: 'tile-label' }, label),
    h('strong', {}, value),
    note && h('span', { class: 'tile-note' }, note),
  )

/** A message for the reader; `alert` ones are announced. @param {string} text @param {'info' | 'warn' | 'error'} [kind] */
export const notice = (text, kind = 'info') =>
  h('p', { class: `notice notice-${kind}`, role: kind === 'info' ? 'status' : 'alert' }, text)

/**
 * A table's box, scrolled sideways on a phone: a labelled, focusable region, so a keyboard can
 * scroll it too (axe's scrollable-region-focusable).
 * @param {string} label @param {Node} content
 */
export const scrollBox = (label, content) =>
  h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, content)
