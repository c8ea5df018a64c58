// The dashboard shell: the token form, the site picker and the hash routes. Each page renders
// into <main> and stops its refreshes when the route changes (its AbortSignal).
import { ApiError, apiGet, token } from './api.js'
import { h, notice } from './dom.js'
import * as consent from './page-consent.js'
import * as events from './page-events.js'
import * as experiments from './page-experiments.js'
import * as segments from './page-segments.js'
import * as slots from './page-slots.js'

/**
 * @typedef {import('./api.js').Site} Site
 * @typedef {import('./api.js').PageContext} PageContext
 * @typedef {import('./api.js').Page} Page
 */

const SITE_KEY = 'precis.admin.site'

/** @type {[RegExp, Page, string][]} pattern, page, nav section */
const ROUTES = [
  [/^#\/events$/, events.render, 'events'],
  [/^#\/consent$/, consent.render, 'consent'],
  [/^#\/segments$/, segments.render, 'segments'],
  [/^#\/experiments$/, experiments.renderList, 'experiments'],
  [/^#\/experiments\/([^/]+)$/, experiments.renderOne, 'experiments'],
  [/^#\/slots$/, slots.renderList, 'slots'],
  [/^#\/slots\/([^/]+)$/, slots.renderOne, 'slots'],
]

const main = /** @type {HTMLElement} */ (document.getElementById('main'))
const picker = /** @type {HTMLSelectElement} */ (document.getElementById('site'))
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'))

/** @type {Site[]} */
let sites = []
let current = new AbortController()

/** What the page says when the collector was started without PRECIS_ADMIN_TOKEN. */
const DISABLED =
  'The admin side is not set up: start the collector with PRECIS_ADMIN_TOKEN set to a secret of at least 16 characters, then sign in with it here.'

/** @param {string} [message] why the form is shown again */
const showSignIn = (message) => {
  current.abort()
  token.clear()
  document.body.dataset.state = 'signed-out'
  const input = h('input', {
    type: 'password',
    name: 'token',
    id: 'token',
    autocomplete: 'off',
    required: true,
  })
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, 'The admin token (PRECIS_ADMIN_TOKEN) is kept in this tab only, until it is closed.'),
    message && notice(message, 'error'),
    h('label', { for: 'token' }, 'Admin token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    token.set(input.value)
    void start()
  })
  main.replaceChildren(form)
  main.setAttribute('aria-busy', 'false')
  input.focus()
}

/** The admin API is disabled: a sign-in form would be of no use, so say how to set it up. */
const showDisabled = () => {
  current.abort()
  token.clear()
  document.body.dataset.state = 'signed-out'
  main.replaceChildren(
    h(
      'section',
      { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
      h('h2', { id: 'sign-in-title' }, 'Sign in'),
      notice(DISABLED, 'error'),
    ),
  )
  main.setAttribute('aria-busy', 'false')
}

/** @param {unknown} err */
const isUnauthorized = (err) => err instanceof ApiError && err.status === 401

/** @param {unknown} err */
const isDisabled = (err) => err instanceof ApiError && err.code === 'admin_disabled'

const route = async () => {
  current.abort()
  current = new AbortController()
  const { signal } = current
  const hash = location.hash || '#/events'
  const found = ROUTES.map(([re, page, nav]) => ({ m: re.exec(hash), page, nav })).find((r) => r.m)
  for (const link of document.querySelectorAll('nav a'))
    link.toggleAttribute('aria-current', link.getAttribute('data-nav') === found?.nav)
  if (found) setTitle(found.nav)
  const site = sites.find((s) => s.id === picker.value) ?? sites[0]
  main.replaceChildren()
  main.setAttribute('aria-busy', 'true')
  if (!found || !site) {
    main.append(notice(site ? `No page at ${hash}.` : 'No site is configured.', 'error'))
    main.setAttribute('aria-busy', 'false')
    return
  }
  /** @param {unknown} err */
  const fail = (err) => {
    if (signal.aborted) return
    if (isDisabled(err)) return showDisabled()
    if (isUnauthorized(err)) return showSignIn('The admin token was refused.')
    main.append(notice(err instanceof Error ? err.message : String(err), 'error'))
  }
  /** @type {PageContext} */
  const ctx = {
    main,
    site,
    params: found.m ? found.m.slice(1).map((p) => decodeURIComponent(p)) : [],
    signal,
    get: (path) => apiGet(path, signal),
    every: (ms, fn) => {
      let busy = false
      // A failed refresh says so once, at the top, and the message goes when one succeeds again.
      const problem = notice('', 'error')
      const timer = setInterval(() => {
        if (busy) return
        busy = true
        fn()
          .then(() => problem.remove())
          .catch((err) => {
            if (signal.aborted) return
            if (isUnauthorized(err)) return fail(err)
            problem.textContent = `Refresh failed: ${err instanceof Error ? err.message : String(err)}`
            if (!problem.isConnected) main.prepend(problem)
          })
          .finally(() => {
            busy = false
          })
      }, ms)
      signal.addEventListener('abort', () => clearInterval(timer))
    },
  }
  try {
    await found.page(ctx)
  } catch (err) {
    fail(err)
  } finally {
    if (!signal.aborted) main.setAttribute('aria-busy', 'false')
  }
}

/** @param {string} nav */
const setTitle = (nav) => {
  document.title = `Precis · ${nav[0]?.toUpperCase()}${nav.slice(1)}`
}

const start = async () => {
  try {
    // Asked without a token too: the answer tells a disabled admin API from a missing token.
    sites = /** @type {{ sites: Site[] }} */ (await apiGet('/admin/api/sites')).sites
  } catch (err) {
    if (isDisabled(err)) return showDisabled()
    if (!token.get()) return showSignIn()
    return showSignIn(isUnauthorized(err) ? 'The admin token was refused.' : String(err))
  }
  picker.replaceChildren(
    ...sites.map((s) => h('option', { value: s.id }, s.name === s.id ? s.id : `${s.name} (${s.id})`)),
  )
  const kept = sessionStorage.getItem(SITE_KEY)
  if (kept && sites.some((s) => s.id === kept)) picker.value = kept
  document.body.dataset.state = 'signed-in'
  await route()
}

picker.addEventListener('change', () => {
  sessionStorage.setItem(SITE_KEY, picker.value)
  void route()
})
signOutButton.addEventListener('click', () => showSignIn())
window.addEventListener('hashchange', () => {
  if (document.body.dataset.state === 'signed-in') void route()
})
void start()
