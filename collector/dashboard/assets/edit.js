// Forms that change the site config through the admin API: labelled fields, saving with the
// version the form was loaded from (If-Match), and what a refusal says, issue by issue. The API
// validates everything again; the form only helps a person get it right the first time.
import { ApiError, apiCall, enc, session } from './api.js'
import { h, notice } from './dom.js'

/** What each role may change (the API decides; this only hides buttons that would be refused). */
const WRITERS = {
  config: ['owner', 'editor'],
  consent: ['owner', 'privacy'],
  sites: ['owner'],
  users: ['owner'],
}

/** @param {keyof typeof WRITERS} what */
export const mayEdit = (what) => WRITERS[what].includes(session.role ?? '')

let ids = 0

/**
 * A label, the control and an optional hint the control is described by.
 * @param {string} label @param {HTMLElement} control @param {string} [hint]
 */
export const field = (label, control, hint) => {
  if (!control.id) control.id = `f-${++ids}`
  const help = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null
  if (help) control.setAttribute('aria-describedby', help.id)
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, help)
}

/** @param {string} name @param {unknown} value @param {Record<string, string | boolean>} [attrs] */
export const input = (name, value, attrs = {}) => {
  const el = h('input', { name, type: 'text', ...attrs })
  el.value = value === undefined || value === null ? '' : String(value)
  return el
}

/** @param {string} name @param {unknown} value @param {Record<string, string | boolean>} [attrs] */
export const textarea = (name, value, attrs = {}) => {
  const el = h('textarea', { name, rows: '3', ...attrs })
  el.value = value === undefined || value === null ? '' : String(value)
  return el
}

/**
 * @param {string} name @param {[string, string][]} options value and label
 * @param {string | undefined} selected
 */
export const select = (name, options, selected) => {
  const el = h('select', { name }, ...options.map(([value, label]) => h('option', { value }, label)))
  if (selected !== undefined) el.value = selected
  return el
}

/** @param {string} name @param {boolean} checked @param {string} label */
export const checkbox = (name, checked, label) => {
  const box = h('input', { type: 'checkbox', name })
  box.checked = checked
  return h('label', { class: 'check' }, box, ` ${label}`)
}

/** Shows or hides a control with its label and hint (its .field). @param {Element} control @param {boolean} visible */
export const showField = (control, visible) => {
  const box = control.closest('.field')
  if (box instanceof HTMLElement) box.hidden = !visible
}

/** A number from an input, undefined when empty. @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} el */
export const numberOf = (el) => (el.value.trim() === '' ? undefined : Number(el.value))

/** A string from an input, undefined when empty. @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} el */
export const textOf = (el) => (el.value.trim() === '' ? undefined : el.value.trim())

/** A copy without undefined values (so optional fields left empty are left out). @param {Record<string, unknown>} o */
export const compact = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** Loads the page again (the route), e.g. to start over from the newest version. */
export const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'))

/** What a refusal says: the API's message, every issue with where it is, and how to go on. @param {unknown} err */
export const problemView = (err) => {
  if (!(err instanceof ApiError)) return notice(err instanceof Error ? err.message : String(err), 'error')
  if (err.code === 'stale_version')
    return h(
      'div',
      { class: 'notice notice-error', role: 'alert', 'data-code': err.code },
      h('p', {}, 'Someone else saved this site since you opened the page, so nothing was saved.'),
      h('p', {}, err.message),
      h('button', { type: 'button', onclick: reload }, 'Load the newest version'),
    )
  const issues = err.issues.length ? err.issues : err.path ? [{ path: err.path, message: err.message }] : []
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert', 'data-code': err.code },
    h('p', {}, issues.length ? 'Nothing was saved: please fix this first.' : err.message),
    issues.length > 0 &&
      h(
        'ul',
        {},
        ...issues.map((i) => h('li', {}, i.path ? h('code', {}, i.path) : '', i.path ? ': ' : '', i.message)),
      ),
  )
}

/**
 * A form that saves through the API: the button waits while it saves, a refusal is shown above the
 * button (and announced), success calls `saved`.
 * @template T
 * @param {{ label: string, submit: string, children: (Node | false | null)[], save: () => Promise<T>, saved: (result: T) => void | Promise<void>, extra?: Node[] }} spec
 */
export const editForm = ({ label, submit, children, save, saved, extra = [] }) => {
  const status = h('div', { class: 'form-status' })
  const button = h('button', { type: 'submit' }, submit)
  const form = h(
    'form',
    { class: 'edit', 'aria-label': label, novalidate: true },
    ...children,
    status,
    h('div', { class: 'actions' }, button, ...extra),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    button.disabled = true
    status.replaceChildren()
    Promise.resolve()
      .then(save)
      .then(saved)
      .catch((err) => {
        status.replaceChildren(problemView(err))
        status.scrollIntoView?.({ block: 'nearest' })
      })
      .finally(() => {
        button.disabled = false
      })
  })
  return form
}

/* The API paths of a site's config items (experiments, segments, slots, goals). */

/** @param {string} resource @param {string} site @param {string} [query] more of the query, e.g. `&rebucket=true` */
export const listPath = (resource, site, query = '') => `/admin/api/${resource}?site=${enc(site)}${query}`

/** @param {string} resource @param {string} key @param {string} site @param {string} [rest] after the key @param {string} [query] */
export const itemPath = (resource, key, site, rest = '', query = '') =>
  `/admin/api/${resource}/${enc(key)}${rest}?site=${enc(site)}${query}`

/**
 * An item as saved now, with the ETag to save its change against; a new item gets the list's.
 * @param {import('./api.js').PageContext} ctx @param {string} resource @param {string | undefined} key
 * @returns {Promise<{ config: Record<string, unknown> | undefined, etag: string | null }>}
 */
export const loadItem = async (ctx, resource, key) => {
  const path = key === undefined ? listPath(resource, ctx.site.id) : itemPath(resource, key, ctx.site.id)
  /** @type {{ body: { config?: Record<string, unknown> }, etag: string | null }} */
  const { body, etag } = await apiCall('GET', path, undefined, { signal: ctx.signal })
  return { config: key === undefined ? undefined : body.config, etag }
}

/**
 * Creates (POST) or replaces (PUT) an item against the version it was loaded at.
 * @param {{ site: string, resource: string, key: string, config: Record<string, unknown>, etag: string | null, isNew: boolean, query?: string }} spec
 */
export const saveItem = ({ site, resource, key, config, etag, isNew, query = '' }) =>
  isNew
    ? apiCall('POST', listPath(resource, site, query), { key, config }, { ifMatch: etag })
    : apiCall('PUT', itemPath(resource, key, site, '', query), config, { ifMatch: etag })

/** The links under an item's heading: its history, and back to the list. @param {string} back @param {string} [history] */
export const itemLinks = (back, history) =>
  h(
    'p',
    { class: 'item-links' },
    h('a', { href: back }, '← Back'),
    history ? ' · ' : '',
    history ? h('a', { href: history }, 'Change history') : '',
  )
