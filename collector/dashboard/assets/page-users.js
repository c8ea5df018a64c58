// People (owners): who may sign in, with which role; adding someone with a first password, and
// changing a name, role or password, or disabling, each taking effect at once (their sessions end).
// One's own password and API tokens are under Settings, for every role.
import { apiCall, enc } from './api.js'
import { h, notice } from './dom.js'
import { checkbox, compact, editForm, field, input, mayEdit, select } from './edit.js'
import { at, part } from './settings-common.js'

/** @typedef {{ id: string, email: string, name: string, role: string, createdAt: number, disabledAt: number | null }} User */

/** @type {[string, string][]} */
const ROLES = [
  ['owner', 'Owner: everything, people and roles included'],
  ['editor', 'Editor: reads everything; changes experiments, goals, segments and slots'],
  ['analyst', 'Analyst: reads the site config and the reports'],
  ['privacy', 'Privacy officer: reads; personal data, erasure, consent texts, the access log'],
]
const ROLE_NAMES = /** @type {Record<string, string>} */ ({
  owner: 'Owner',
  editor: 'Editor',
  analyst: 'Analyst',
  privacy: 'Privacy officer',
})

const PASSWORD = { type: 'password', autocomplete: 'new-password', minlength: '12', maxlength: '200' }

/**
 * One person: who they are, and a form to change them.
 * @param {User} user @param {string | undefined} timeZone @param {(message: string) => Promise<void>} changed
 */
const personView = (user, timeZone, changed) => {
  const name = input('name', user.name, { required: true, maxlength: '200', autocomplete: 'off' })
  const role = select('role', ROLES, user.role)
  const disabled = checkbox(
    'disabled',
    user.disabledAt !== null,
    'Disabled: cannot sign in; tokens stop working',
  )
  const disabledBox = /** @type {HTMLInputElement} */ (disabled.querySelector('input'))
  const password = input('password', '', PASSWORD)
  const state = user.disabledAt === null ? 'active' : `disabled since ${at(user.disabledAt, timeZone)}`
  const form = editForm({
    label: `Change ${user.email}`,
    submit: `Save ${user.name}`,
    children: [
      h(
        'div',
        { class: 'repeat-row' },
        field('Name', name),
        field('Role', role),
        field('New password', password, 'Empty: keeps theirs. 12 characters or more.'),
      ),
      disabled,
    ],
    save: () => {
      const change = compact({
        name: name.value.trim() !== user.name ? name.value.trim() : undefined,
        role: role.value !== user.role ? role.value : undefined,
        disabled: disabledBox.checked !== (user.disabledAt !== null) ? disabledBox.checked : undefined,
        password: password.value === '' ? undefined : password.value,
      })
      if (Object.keys(change).length === 0) throw new Error('Nothing changed.')
      return apiCall('PATCH', `/admin/api/users/${enc(user.id)}`, change)
    },
    saved: () => changed(`${name.value.trim()} saved: it takes effect now (their sessions ended).`),
  })
  return h(
    'li',
    { class: 'person', 'data-email': user.email },
    h('h3', {}, user.name),
    h(
      'p',
      { class: 'muted' },
      `${user.email} · ${ROLE_NAMES[user.role] ?? user.role} · ${state} · added ${at(user.createdAt, timeZone)}`,
    ),
    h('details', {}, h('summary', {}, `Change ${user.name}`), form),
  )
}

/** @param {(message: string) => Promise<void>} added */
const addForm = (added) => {
  const f = {
    name: input('name', '', { required: true, maxlength: '200', autocomplete: 'off' }),
    email: input('email', '', { type: 'email', required: true, autocomplete: 'off', maxlength: '254' }),
    role: select('role', ROLES, 'analyst'),
    password: input('password', '', { ...PASSWORD, required: true }),
  }
  return editForm({
    label: 'Add a person',
    submit: 'Add the person',
    children: [
      h('div', { class: 'repeat-row' }, field('Name', f.name), field('Email', f.email)),
      field('Role', f.role),
      field(
        'First password',
        f.password,
        '12 characters or more. Give it to them in person; they change it under Settings, "Your account".',
      ),
    ],
    save: () =>
      apiCall('POST', '/admin/api/users', {
        name: f.name.value.trim(),
        email: f.email.value.trim(),
        role: f.role.value,
        password: f.password.value,
      }),
    saved: () =>
      added(`${f.name.value.trim()} added: they sign in with ${f.email.value.trim()} and that password.`),
  })
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  if (!mayEdit('users')) {
    ctx.main.append(
      h('h2', {}, 'People'),
      notice('Only owners manage people. Your own password and API tokens are under Settings.'),
    )
    return
  }
  const list = h('ul', { class: 'people', 'aria-label': 'People' })
  const status = h('div', { class: 'form-status', id: 'people-status' })
  /** @param {string} [message] */
  const load = async (message) => {
    /** @type {{ users: User[] }} */
    const d = await ctx.get('/admin/api/users')
    if (ctx.signal.aborted) return
    list.replaceChildren(...d.users.map((u) => personView(u, ctx.site.timezone, load)))
    status.replaceChildren(message ? notice(message) : '')
  }
  await load()
  if (ctx.signal.aborted) return
  const adding = h('div', {})
  /** A person added: the list again, and an empty form for the next. @param {string} message */
  const added = async (message) => {
    await load(message)
    adding.replaceChildren(addForm(added))
  }
  adding.append(addForm(added))
  ctx.main.append(
    h('h2', {}, 'People'),
    h(
      'p',
      { class: 'muted' },
      'Who may sign in to this dashboard, for every site, and with which role. Your own password and API tokens: ',
      h('a', { href: '#/settings' }, 'Settings'),
      '.',
    ),
    status,
    list,
    part('add-person', 'Add a person', adding),
  )
}
