// The signed-in person's own account, whatever their role (permission `self`): their password,
// and their API tokens for scripts (each shown once when made, kept as a hash; revocable).
import { apiCall, enc } from './api.js'
import { h, notice, table } from './dom.js'
import { editForm, field, input, problemView } from './edit.js'
import { at, part, secretField } from './settings-common.js'

/**
 * @typedef {{ id: string, email: string, name: string, role: string }} User
 * @typedef {{ id: string, name: string, createdAt: number, lastUsedAt: number | null, revokedAt: number | null }} ApiToken
 */

/** @param {import('./api.js').PageContext} ctx */
const passwordForm = (ctx) => {
  const current = input('current', '', { type: 'password', autocomplete: 'current-password', required: true })
  const next = input('password', '', {
    type: 'password',
    autocomplete: 'new-password',
    minlength: '12',
    maxlength: '200',
    required: true,
  })
  const again = input('again', '', { type: 'password', autocomplete: 'new-password', required: true })
  const form = editForm({
    label: 'Change my password',
    submit: 'Change my password',
    children: [
      h('h4', {}, 'Password'),
      field('Current password', current),
      h(
        'div',
        { class: 'repeat-row' },
        field('New password', next, '12 characters or more.'),
        field('New password again', again),
      ),
    ],
    save: () => {
      if (next.value !== again.value) throw new Error('The two new passwords differ: nothing was changed.')
      return apiCall(
        'POST',
        '/admin/api/me/password',
        { current: current.value, password: next.value },
        { signal: ctx.signal },
      )
    },
    saved: () => {
      for (const el of [current, next, again]) el.value = ''
      // The collector ends every session of the person, this one too (POST /me/password).
      form
        .querySelector('.form-status')
        ?.replaceChildren(
          h(
            'div',
            { class: 'notice notice-ok', role: 'status' },
            h('p', {}, 'Password changed. Every sign-in of yours has ended, this one too.'),
            h('button', { type: 'button', onclick: () => location.reload() }, 'Sign in again'),
          ),
        )
    },
  })
  return form
}

/** @param {import('./api.js').PageContext} ctx */
const tokensPart = (ctx) => {
  const list = h('div', { class: 'table-wrap' })
  const status = h('div', { class: 'form-status' })
  const load = async () => {
    /** @type {{ tokens: ApiToken[] }} */
    const d = await ctx.get('/admin/api/tokens')
    const tz = ctx.site.timezone
    list.replaceChildren(
      table({
        caption: 'My API tokens',
        columns: ['Name', 'Made', 'Last used', 'Status'],
        rows: d.tokens.map((t) => [
          t.name,
          at(t.createdAt, tz),
          t.lastUsedAt ? at(t.lastUsedAt, tz) : 'never',
          t.revokedAt
            ? `revoked ${at(t.revokedAt, tz)}`
            : h(
                'button',
                { type: 'button', 'aria-label': `Revoke ${t.name}`, onclick: () => void revoke(t) },
                'Revoke',
              ),
        ]),
      }),
    )
  }
  /** @param {ApiToken} t */
  const revoke = async (t) => {
    status.replaceChildren()
    try {
      await apiCall('DELETE', `/admin/api/tokens/${enc(t.id)}`)
      await load()
      status.replaceChildren(notice(`Token "${t.name}" revoked: it works no more.`))
    } catch (err) {
      status.replaceChildren(problemView(err))
    }
  }
  const name = input('token-name', '', { required: true, maxlength: '200', placeholder: 'nightly export' })
  const made = h('div', {})
  const form = editForm({
    label: 'Make an API token',
    submit: 'Make a token',
    children: [field('Name of the new token', name, 'What it is for, to know it again in the list.')],
    save: () => {
      /** @type {Promise<{ body: { token: ApiToken, secret: string } }>} */
      const making = apiCall('POST', '/admin/api/tokens', { name: name.value.trim() })
      return making
    },
    saved: async ({ body }) => {
      name.value = ''
      made.replaceChildren(
        h(
          'div',
          { class: 'notice notice-warn once', role: 'alert' },
          h('p', {}, `Copy the token "${body.token.name}" now: it is not shown again.`),
          secretField('New API token', body.secret, 'new-token'),
          h('p', {}, 'Scripts send it as Authorization: Bearer <token>, with your role.'),
        ),
      )
      await load()
    },
  })
  return {
    load,
    view: h(
      'div',
      {},
      h('h4', {}, 'API tokens'),
      h('p', { class: 'muted' }, 'For scripts that call the admin API as you, with your role.'),
      status,
      list,
      made,
      form,
    ),
  }
}

/** @param {import('./api.js').PageContext} ctx */
export const accountPart = async (ctx) => {
  /** @type {{ name: string, role: string, via: string, user: User | null }} */
  const me = await ctx.get('/admin/api/me')
  if (!me.user)
    return part(
      'account',
      'Your account',
      notice(
        'You signed in with the admin token: it is no person, so it has no password or API tokens of its own. Sign in as a person to change yours.',
      ),
    )
  const tokens = tokensPart(ctx)
  await tokens.load()
  return part(
    'account',
    'Your account',
    h('p', {}, `${me.user.name}, ${me.user.email}, role ${me.user.role}.`),
    passwordForm(ctx),
    tokens.view,
  )
}
