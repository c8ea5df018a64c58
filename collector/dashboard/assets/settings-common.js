// What the settings and people pages share: the site version each form was loaded at, a secret
// shown once with a copy button, lines of a text area, a section with its heading, read-only forms.
import { h, notice } from './dom.js'
import { field } from './edit.js'
import { when } from './format.js'

/**
 * @typedef {{ etag: string | null }} Holder the version (ETag) one form was loaded at
 * @typedef {{ hold: (etag: string | null) => Holder, saved: (holder: Holder, etag: string | null) => void }} Versions
 */

/**
 * The site's version each form of a page was loaded at. The consent section and the site's
 * settings are one site config, one version: when one form saves (from version n to n+1), the
 * forms loaded at n move to n+1 too, as nothing else changed between the two. A change by someone
 * else is still a 412 for every form.
 * @returns {Versions}
 */
export const siteVersions = () => {
  /** @type {Set<Holder>} */
  const holders = new Set()
  return {
    hold: (etag) => {
      const holder = { etag }
      holders.add(holder)
      return holder
    },
    saved: (holder, etag) => {
      const from = holder.etag
      for (const other of holders) if (other.etag === from) other.etag = etag
      holder.etag = etag
    },
  }
}

/** What a save says: the version it made, live everywhere within seconds. @param {number} version */
export const savedNotice = (version) =>
  notice(`Saved as version ${version}: live within seconds on every collector.`)

/** A part of a page: a section named by its heading. @param {string} id @param {string} title @param {...import('./dom.js').Child} children */
export const part = (id, title, ...children) =>
  h(
    'section',
    { class: 'settings-part', id, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title),
    ...children,
  )

/** The non-empty lines of a text area, trimmed. @param {HTMLTextAreaElement} el */
export const linesOf = (el) =>
  el.value
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)

/** A list as lines for a text area. @param {unknown} list */
export const asLines = (list) => (Array.isArray(list) ? list.map(String).join('\n') : '')

/**
 * A secret shown this once (or text to paste elsewhere): a read-only field to select from, a copy
 * button, and whether it was copied.
 * @param {string} label @param {string} value @param {string} name the field's name @param {boolean} [multiline]
 */
export const secretField = (label, value, name, multiline = false) => {
  const attrs = { name, readonly: true, autocomplete: 'off', spellcheck: 'false' }
  const box = multiline ? h('textarea', { ...attrs, rows: '6' }) : h('input', { ...attrs, type: 'text' })
  box.value = value
  box.classList.add('secret')
  const said = h('span', { class: 'hint', role: 'status' })
  const copy = h('button', { type: 'button', 'aria-label': `Copy: ${label}` }, 'Copy')
  copy.addEventListener('click', () => {
    box.select()
    const copied = navigator.clipboard ? navigator.clipboard.writeText(value) : Promise.reject()
    copied
      .then(() => {
        said.textContent = 'Copied.'
      })
      .catch(() => {
        said.textContent = 'Selected: copy it with Ctrl+C or ⌘C.'
      })
  })
  return h('div', { class: 'secret-row' }, field(label, box), h('div', { class: 'actions' }, copy, said))
}

/**
 * Makes a form's controls read-only and takes its buttons away: for roles that may read but not
 * change. Text stays selectable (readonly); choices show as they are (disabled).
 * @param {HTMLElement} root
 */
export const readOnly = (root) => {
  for (const el of root.querySelectorAll('input, textarea, select')) {
    const control = /** @type {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} */ (el)
    if (
      control instanceof HTMLSelectElement ||
      (control instanceof HTMLInputElement && control.type === 'checkbox')
    )
      control.disabled = true
    else control.readOnly = true
  }
  for (const button of root.querySelectorAll('button')) button.remove()
  return root
}

/** A moment (epoch ms or ISO) as people read it, with its zone. @param {number | string | null | undefined} t @param {string} [timeZone] */
export const at = (t, timeZone) => {
  const d = new Date(t ?? Number.NaN)
  return Number.isNaN(d.getTime()) ? '–' : when(d.toISOString(), timeZone)
}
