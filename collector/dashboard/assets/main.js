// The dashboard shell: signing in (a user's password, the first owner's setup link, or the admin
// token), the site picker and the hash routes. Each page renders
// into <main> and stops its refreshes when the route changes (its AbortSignal).
import { ApiError, apiCall, apiGet, session, token } from './api.js'
import * as destinationEdit from './destinations-form.js'
import { h, notice } from './dom.js'
import * as journeyEdit from './journey-form.js'
import * as accessLog from './page-access-log.js'
import * as attribution from './page-attribution.js'
import * as consent from './page-consent.js'
import * as customers from './page-customers.js'
import * as destinations from './page-destinations.js'
import * as events from './page-events.js'
import * as experimentEdit from './page-experiment-edit.js'
import * as experiments from './page-experiments.js'
import * as funnel from './page-funnel.js'
import * as goals from './page-goals.js'
import * as changes from './page-history.js'
import * as journeys from './page-journeys.js'
import * as kpis from './page-kpis.js'
import * as retention from './page-retention.js'
import * as segmentEdit from './page-segment-edit.js'
import * as segments from './page-segments.js'
import * as settings from './page-settings.js'
import * as slotEdit from './page-slot-edit.js'
import * as slots from './page-slots.js'
import * as traffic from './page-traffic.js'
import * as users from './page-users.js'

/**
 * @typedef {import('./api.js').Site} Site
 * @typedef {import('./api.js').PageContext} PageContext
 * @typedef {import('./api.js').Page} Page
 */

const SITE_KEY = 'precis.admin.site'

/** @type {[RegExp, Page, string][]} pattern, page, nav section; the first match wins */
const ROUTES = [
  [/^#\/traffic(?:\?.*)?$/, traffic.render, 'traffic'],
  [/^#\/funnel(?:\?.*)?$/, funnel.render, 'funnel'],
  [/^#\/retention(?:\?.*)?$/, retention.render, 'retention'],
  [/^#\/attribution(?:\?.*)?$/, attribution.render, 'attribution'],
  [/^#\/customers(?:\?.*)?$/, customers.render, 'customers'],
  [/^#\/kpis(?:\?.*)?$/, kpis.render, 'kpis'],
  [/^#\/events$/, events.render, 'events'],
  [/^#\/consent$/, consent.render, 'consent'],
  [/^#\/segments$/, segments.render, 'segments'],
  [/^#\/segments\/new$/, segmentEdit.render, 'segments'],
  [/^#\/segments\/([^/]+)\/edit$/, segmentEdit.render, 'segments'],
  [/^#\/experiments$/, experiments.renderList, 'experiments'],
  [/^#\/experiments\/new$/, experimentEdit.render, 'experiments'],
  [/^#\/experiments\/([^/]+)\/edit$/, experimentEdit.render, 'experiments'],
  [/^#\/experiments\/([^/]+)$/, experiments.renderOne, 'experiments'],
  [/^#\/slots$/, slots.renderList, 'slots'],
  [/^#\/slots\/new$/, slotEdit.render, 'slots'],
  [/^#\/slots\/([^/]+)\/edit$/, slotEdit.render, 'slots'],
  [/^#\/slots\/([^/]+)$/, slots.renderOne, 'slots'],
  [/^#\/goals$/, goals.render, 'goals'],
  [/^#\/goals\/new$/, goals.renderEdit, 'goals'],
  [/^#\/goals\/([^/]+)\/edit$/, goals.renderEdit, 'goals'],
  [/^#\/destinations$/, destinations.renderList, 'destinations'],
  [/^#\/destinations\/new$/, destinationEdit.renderEdit, 'destinations'],
  [/^#\/destinations\/([^/]+)\/edit$/, destinationEdit.renderEdit, 'destinations'],
  [/^#\/destinations\/([^/]+)$/, destinations.renderOne, 'destinations'],
  [/^#\/journeys$/, journeys.renderList, 'journeys'],
  [/^#\/journeys\/new$/, journeyEdit.renderEdit, 'journeys'],
  [/^#\/journeys\/([^/]+)\/edit$/, journeyEdit.renderEdit, 'journeys'],
  [/^#\/journeys\/([^/]+)$/, journeys.renderOne, 'journeys'],
  [/^#\/settings$/, settings.render, 'settings'],
  [/^#\/users$/, users.render, 'users'],
  [/^#\/access-log$/, accessLog.render, 'access-log'],
  [/^#\/history\/(consent)$/, changes.render, 'settings'],
  [/^#\/history\/(sites)\/([^/]+)$/, changes.render, 'settings'],
  [
    /^#\/history\/(experiments|segments|slots|goals|destinations|journeys)\/([^/]+)$/,
    changes.render,
    'history',
  ],
]

const main = /** @type {HTMLElement} */ (document.getElementById('main'))
const picker = /** @type {HTMLSelectElement} */ (document.getElementById('site'))
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'))
const who = /** @type {HTMLElement} */ (document.getElementById('who'))

/** @type {Site[]} */
let sites = []
let current = new AbortController()
/** Bumped by every start and every form shown, so a start whose answers arrive late draws nothing. */
let generation = 0

/** What the page says while no one can sign in. */
const NOT_SET_UP =
  'The admin side is not set up yet: open the one-time setup link the collector printed when it started (npm start shows it while no user exists; a restart makes a new one), or start it with PRECIS_ADMIN_TOKEN set to a secret of at least 16 characters and sign in with that token.'

/** @param {string} id @param {string} label @param {Record<string, string | boolean>} attrs */
const field = (id, label, attrs) => [
  h('label', { for: id }, label),
  h('input', { id, name: id, required: true, ...attrs }),
]

/** @param {HTMLElement} form */
const value = (form, /** @type {string} */ name) =>
  /** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`)).value

/** @param {HTMLElement} body */
const showForm = (body) => {
  generation++
  current.abort()
  document.body.dataset.state = 'signed-out'
  main.replaceChildren(body)
  main.setAttribute('aria-busy', 'false')
  body.querySelector('input')?.focus()
}

/** @param {string} [message] why the form is shown again */
const showSignIn = (message) => {
  token.clear()
  session.csrf = null
  who.textContent = ''
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    message && notice(message, 'error'),
    ...field('email', 'Email', { type: 'email', autocomplete: 'username' }),
    ...field('password', 'Password', { type: 'password', autocomplete: 'current-password' }),
    h('button', { type: 'submit' }, 'Sign in'),
  )
  const tokenForm = h(
    'form',
    { class: 'sign-in token' },
    h(
      'p',
      {},
      'Or sign in with the admin token (PRECIS_ADMIN_TOKEN), kept in this tab only until it is closed.',
    ),
    ...field('token', 'Admin token', { type: 'password', autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Sign in with the token'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    apiCall('POST', '/admin/api/session', { email: value(form, 'email'), password: value(form, 'password') })
      .then(({ body }) => {
        session.csrf = /** @type {{ csrf: string }} */ (body).csrf
        return start()
      })
      .catch((err) => showSignIn(err instanceof Error ? err.message : String(err)))
  })
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault()
    token.set(value(tokenForm, 'token'))
    void start()
  })
  showForm(h('div', {}, form, h('details', {}, h('summary', {}, 'Use the admin token'), tokenForm)))
}

/** The first owner, from the setup link (#setup=<token>). @param {string} setupToken @param {string} [message] */
const showSetup = (setupToken, message) => {
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'setup-title' },
    h('h2', { id: 'setup-title' }, 'Create the owner'),
    h('p', {}, 'You are the first: this account can do everything, and add the others.'),
    message && notice(message, 'error'),
    ...field('name', 'Name', { type: 'text', autocomplete: 'name' }),
    ...field('email', 'Email', { type: 'email', autocomplete: 'username' }),
    ...field('password', 'Password (12 characters or more)', {
      type: 'password',
      autocomplete: 'new-password',
      minlength: '12',
    }),
    h('button', { type: 'submit' }, 'Create and sign in'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const payload = {
      token: setupToken,
      name: value(form, 'name'),
      email: value(form, 'email'),
      password: value(form, 'password'),
    }
    apiCall('POST', '/admin/api/setup', payload)
      .then(({ body }) => {
        session.csrf = /** @type {{ csrf: string }} */ (body).csrf
        // The link is spent: it leaves the address bar and the history entry.
        history.replaceState(null, '', '#/events')
        return start()
      })
      .catch((err) => showSetup(setupToken, err instanceof Error ? err.message : String(err)))
  })
  showForm(form)
}

/** No one can sign in yet: a sign-in form would be of no use, so say how to set it up. */
const showDisabled = () => {
  token.clear()
  showForm(
    h(
      'section',
      { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
      h('h2', { id: 'sign-in-title' }, 'Sign in'),
      notice(NOT_SET_UP, 'error'),
    ),
  )
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
    if (isUnauthorized(err)) return showSignIn('Your session ended: sign in again.')
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
  const mine = ++generation
  const setup = /^#setup=(.+)$/.exec(location.hash)
  if (setup?.[1]) return showSetup(decodeURIComponent(setup[1]))
  // A setup link opened (or a form shown) while this start waited for the collector wins.
  const stale = () => mine !== generation
  try {
    // Asked signed out too: the answer tells an admin side no one can sign in to yet.
    const me = /** @type {{ name: string, role: string, csrf: string | null }} */ (
      await apiGet('/admin/api/me')
    )
    if (stale()) return
    session.csrf = me.csrf
    session.role = me.role
    who.textContent = `${me.name} (${me.role})`
    // Only owners manage people; the API refuses everyone else anyway.
    const people = document.getElementById('nav-users')
    if (people) people.hidden = me.role !== 'owner'
    const log = document.getElementById('nav-access-log')
    if (log) log.hidden = me.role !== 'owner' && me.role !== 'privacy'
    const answer = /** @type {{ sites: Site[] }} */ (await apiGet('/admin/api/sites'))
    if (stale()) return
    sites = answer.sites
  } catch (err) {
    if (stale()) return
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
signOutButton.addEventListener('click', () => {
  // A session ends on the collector too; a token only leaves this tab.
  const ending = token.get() ? Promise.resolve() : apiCall('DELETE', '/admin/api/session').catch(() => {})
  void ending.then(() => showSignIn())
})
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#setup=')) void start()
  else if (document.body.dataset.state === 'signed-in') void route()
})
void start()
