// What the list-by-key forms (destinations-form.js, journey-form.js) share: a field with a box for
// the API's message about it, marking the fields a refusal names, and deleting asked twice.
import { ApiError, apiCall } from './api.js'
import { h } from './dom.js'
import { field, itemPath, problemView } from './edit.js'
import { part } from './settings-common.js'

/** Where an issue's message goes: the control marked invalid and the box its message is shown in. */
/** @typedef {{ control: HTMLElement, box: HTMLElement }} Spot */

/** A box for a field's refusal (the form's status above the button announces them all). @param {string} id */
export const errorBox = (id) => h('p', { class: 'field-error', id, hidden: true })

/**
 * A labelled field with a box below for the API's message about it.
 * @param {string} label @param {HTMLElement} control @param {string} [hint] @returns {[HTMLElement, Spot]}
 */
export const checkedField = (label, control, hint) => {
  const box = field(label, control, hint)
  const error = errorBox(`${control.id}-error`)
  box.append(error)
  return [box, { control, box: error }]
}

/**
 * The spot an issue's path names, its longest match (`url`, `destinations[0].batch`,
 * `destinations[2].purposes[1]`, `journeys[0].trigger.event`), and the rest of the path below it.
 * @param {Record<string, Spot>} spots @param {string} path @returns {[Spot | undefined, string]}
 */
const spotOf = (spots, path) => {
  const parts = path.replace(/^[a-z]+\[\d+\]\.|\[\d+\]/g, '').split('.')
  for (let n = parts.length; n > 0; n--) {
    const spot = spots[parts.slice(0, n).join('.')]
    if (spot) return [spot, parts.slice(n).join('.')]
  }
  return [undefined, '']
}

/** @param {Record<string, Spot>} spots */
export const clearSpots = (spots) => {
  for (const { control, box } of Object.values(spots)) {
    box.hidden = true
    box.textContent = ''
    control.removeAttribute('aria-invalid')
    const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== box.id)
    if (described.length) control.setAttribute('aria-describedby', described.join(' '))
    else control.removeAttribute('aria-describedby')
  }
}

/** Each issue the API named a field of, next to that field; the error goes on to the form's status. @param {Record<string, Spot>} spots @param {unknown} err @returns {never} */
export const markSpots = (spots, err) => {
  if (!(err instanceof ApiError)) throw err
  const issues = err.issues.length ? err.issues : err.path ? [{ path: err.path, message: err.message }] : []
  // A key taken is refused without a path: it is still the key's field that needs changing.
  if (err.code === 'already_exists') issues.push({ path: 'key', message: err.message })
  for (const issue of issues) {
    const [spot, rest] = spotOf(spots, issue.path)
    if (!spot || spot.box.parentElement?.closest('[hidden]')) continue
    // Beside its field, the message needs no path in front ("url: must be …"), only what is below it.
    const said = issue.message.startsWith(`${issue.path}: `)
      ? issue.message.slice(issue.path.length + 2)
      : issue.message
    const message = rest ? `${rest}: ${said}` : said
    spot.box.textContent = spot.box.textContent ? `${spot.box.textContent}; ${message}` : message
    spot.box.hidden = false
    spot.control.setAttribute('aria-invalid', 'true')
    const described = spot.control.getAttribute('aria-describedby')
    if (!described?.split(' ').includes(spot.box.id))
      spot.control.setAttribute('aria-describedby', described ? `${described} ${spot.box.id}` : spot.box.id)
  }
  throw err
}

/**
 * Deleting an item, asked twice: the button shows what it does and a second button to confirm.
 * @param {import('./api.js').PageContext} ctx
 * @param {{ resource: string, noun: string, key: string, etag: string | null, what: string }} spec `what` says what deleting does
 */
export const deletePart = (ctx, { resource, noun, key, etag, what }) => {
  const status = h('div', { class: 'form-status' })
  const sure = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': `Delete ${key}?` })
  const ask = h('button', { type: 'button', class: 'danger' }, `Delete ${noun}`)
  const yes = h('button', { type: 'button', class: 'danger' }, `Yes, delete ${key}`)
  const no = h('button', { type: 'button' }, 'Cancel')
  sure.append(
    h('p', {}, `Delete ${noun} ${key}? ${what} Its change history keeps what it was.`),
    h('div', { class: 'actions' }, yes, no),
  )
  const asking = (/** @type {boolean} */ on) => {
    ask.hidden = on
    sure.hidden = !on
    ;(on ? no : ask).focus()
  }
  ask.addEventListener('click', () => asking(true))
  no.addEventListener('click', () => asking(false))
  yes.addEventListener('click', () => {
    yes.disabled = true
    status.replaceChildren()
    apiCall('DELETE', itemPath(resource, key, ctx.site.id), undefined, { ifMatch: etag })
      .then(() => {
        location.hash = `#/${resource}`
      })
      .catch((err) => status.replaceChildren(problemView(err)))
      .finally(() => {
        yes.disabled = false
      })
  })
  return part(`delete-${noun}`, 'Delete', status, ask, sure)
}
