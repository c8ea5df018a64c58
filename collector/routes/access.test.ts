import { describe, expect, it } from 'vitest'
import { NOW } from '../../test/support/collector-app.ts'
import { configApp } from '../../test/support/config-app.ts'
import { hashPassword } from '../access/passwords.ts'
import { can, ruleFor } from '../access/roles.ts'
import { ROLES, type Role } from '../access/types.ts'
import { secretHash } from '../middleware/admin-auth.ts'

const CHEAP = { N: 2 ** 10, r: 8, p: 1 }

/** The app with one user per role, each with an API token `pt_<role>`. */
const withUsers = async () => {
  const t = await configApp()
  for (const role of ROLES) {
    await t.store.createUser({
      id: `u-${role}`,
      email: `${role}@example.com`,
      name: role,
      role,
      passwordHash: await hashPassword(`password of ${role}`, CHEAP),
      createdAt: NOW,
    })
    await t.store.createApiToken(
      {
        id: `t-${role}`,
        userId: `u-${role}`,
        name: 'test',
        createdAt: NOW,
        lastUsedAt: null,
        revokedAt: null,
      },
      secretHash(`pt_${role}`),
    )
  }
  const as = (
    role: Role,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    t.app.request(path, {
      method,
      headers: { authorization: `Bearer pt_${role}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const signIn = async (email: string, password: string) => {
    const res = await t.app.request('/admin/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    const cookie = res.headers.get('set-cookie') ?? ''
    return {
      res,
      cookie: cookie.split(';')[0]!,
      setCookie: cookie,
      csrf: ((await res.json()) as { csrf?: string }).csrf,
    }
  }
  return { ...t, as, signIn }
}

describe('roles on every admin route', () => {
  it('each role is refused exactly the routes its permissions do not cover', async () => {
    const t = await withUsers()
    const routes = t.app.routes
      .filter((r) => r.path.startsWith('/admin/api/') && r.method !== 'ALL' && !r.path.includes('*'))
      .filter((r) => !['/admin/api/setup', '/admin/api/session'].includes(r.path) || r.method === 'DELETE')
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()]
    expect(unique.length).toBeGreaterThan(50)
    for (const { method, path } of unique) {
      const url = `${path.replace(/:[a-z]+/gi, '1')}?site=demo`
      const rule = ruleFor(method, path.replace(/:[a-z]+/gi, '1').slice('/admin/api'.length))
      for (const role of ROLES) {
        const res = await t.as(role, method, url, method === 'GET' ? undefined : {})
        const code = res.status === 403 ? ((await res.json()) as { error: { code: string } }).error.code : ''
        expect({ method, path, role, forbidden: code === 'forbidden' }).toEqual({
          method,
          path,
          role,
          forbidden: !can(role, rule.permission),
        })
      }
    }
  }, 60_000)

  it('goals are config (editors write them); a segment preview is a report (analysts may post it)', async () => {
    const t = await withUsers()
    const paths = t.app.routes.map((r) => `${r.method} ${r.path}`)
    // Walked by the matrix above.
    for (const route of [
      'GET /admin/api/goals',
      'POST /admin/api/goals',
      'PATCH /admin/api/goals/:key',
      'POST /admin/api/goals/:key/versions/:version/restore',
      'POST /admin/api/sites/:site/segments/preview',
    ])
      expect(paths).toContain(route)
    expect(ruleFor('POST', '/goals').permission).toBe('config.write')
    expect(ruleFor('GET', '/goals/order/versions').permission).toBe('config.read')
    expect(ruleFor('POST', '/sites/demo/segments/preview').permission).toBe('reports.read')
    const goal = { key: 'order', config: { event: 'Order Completed' } }
    expect((await t.as('analyst', 'POST', '/admin/api/goals?site=demo', goal)).status).toBe(403)
    expect((await t.as('editor', 'POST', '/admin/api/goals?site=demo', goal)).status).toBe(201)
    expect((await t.as('analyst', 'GET', '/admin/api/goals/order?site=demo')).status).toBe(200)
    for (const role of ROLES) {
      const res = await t.as(role, 'POST', '/admin/api/sites/demo/segments/preview', { rule: {} })
      expect({ role, status: res.status }).toEqual({ role, status: 200 })
    }
  })

  it('the public write key, a revoked token and a disabled user get nothing', async () => {
    const t = await withUsers()
    const get = (authorization: string) =>
      t.app.request('/admin/api/segments?site=demo', { headers: { authorization } })
    expect((await get('Bearer demo-write-key')).status).toBe(401)
    expect((await get('Bearer pt_nobody')).status).toBe(401)
    expect((await get('Bearer pt_editor')).status).toBe(200)
    await t.store.revokeApiToken('u-editor', 't-editor', NOW)
    expect((await get('Bearer pt_editor')).status).toBe(401)
    await t.store.updateUser('u-analyst', { disabledAt: NOW })
    expect((await get('Bearer pt_analyst')).status).toBe(401)
  })
})

describe('sessions', () => {
  it('a password signs in to an HttpOnly, SameSite=Strict cookie; writes need the session CSRF token', async () => {
    const t = await withUsers()
    const { res, cookie, setCookie, csrf } = await t.signIn('Editor@Example.com', 'password of editor')
    expect(res.status).toBe(200)
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    expect(setCookie).toMatch(/Path=\/admin/)
    const me = await t.app.request('/admin/api/me', { headers: { cookie } })
    expect(await me.json()).toMatchObject({
      name: 'editor@example.com',
      role: 'editor',
      via: 'session',
      csrf,
    })
    const write = (headers: Record<string, string>) =>
      t.app.request('/admin/api/segments?site=demo', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ key: 'vip', config: { rule: {} } }),
      })
    expect(((await (await write({})).json()) as { error: { code: string } }).error.code).toBe('csrf_failed')
    expect((await write({ 'x-csrf-token': 'guessed' })).status).toBe(403)
    expect((await write({ 'x-csrf-token': csrf! })).status).toBe(201)
    // Saved under the person's name.
    expect((await t.store.configHistory('demo'))[0]!.author).toBe('editor@example.com')
    // Signing out ends it on the collector.
    await t.app.request('/admin/api/session', {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf! },
    })
    expect((await t.app.request('/admin/api/me', { headers: { cookie } })).status).toBe(401)
  })

  it('a wrong password is refused alike for a known and an unknown email, and ten failures lock the email', async () => {
    const t = await withUsers()
    const unknown = await t.signIn('nobody@example.com', 'password of editor')
    const wrong = await t.signIn('editor@example.com', 'not the password')
    for (const r of [unknown, wrong]) {
      expect(r.res.status).toBe(401)
      expect(r.cookie).toBe('')
    }
    for (let i = 0; i < 9; i++) await t.signIn('editor@example.com', 'not the password')
    expect((await t.signIn('editor@example.com', 'password of editor')).res.status).toBe(429)
    t.clock.now = () => NOW + 16 * 60_000
    expect((await t.signIn('editor@example.com', 'password of editor')).res.status).toBe(200)
  })
})

describe('users, tokens and the access log', () => {
  it('the owner adds people; the last owner stays one; a role change ends their sessions', async () => {
    const t = await withUsers()
    const created = await t.as('owner', 'POST', '/admin/api/users', {
      email: 'Bo@Example.com',
      name: 'Bo',
      role: 'analyst',
      password: 'twelve chars!',
    })
    expect(created.status).toBe(201)
    const again = await t.as('owner', 'POST', '/admin/api/users', {
      email: 'bo@example.com',
      name: 'Bo',
      role: 'analyst',
      password: 'twelve chars!',
    })
    expect(again.status).toBe(409)
    const short = await t.as('owner', 'POST', '/admin/api/users', {
      email: 'cy@example.com',
      name: 'Cy',
      role: 'analyst',
      password: 'short',
    })
    expect(short.status).toBe(400)
    const demote = await t.as('owner', 'PATCH', '/admin/api/users/u-owner', { role: 'analyst' })
    expect(((await demote.json()) as { error: { code: string } }).error.code).toBe('last_owner')
    const session = await t.signIn('privacy@example.com', 'password of privacy')
    await t.as('owner', 'PATCH', '/admin/api/users/u-privacy', { role: 'analyst' })
    expect((await t.app.request('/admin/api/me', { headers: { cookie: session.cookie } })).status).toBe(401)
    const users = (await (await t.as('owner', 'GET', '/admin/api/users')).json()) as {
      users: Record<string, unknown>[]
    }
    expect(JSON.stringify(users)).not.toContain('scrypt')
  })

  it("an API token is shown once, works with its maker's role, and is revoked", async () => {
    const t = await withUsers()
    const made = await t.as('analyst', 'POST', '/admin/api/tokens', { name: 'nightly export' })
    const { secret, token } = (await made.json()) as { secret: string; token: { id: string } }
    expect(secret).toMatch(/^pt_[\w-]{43}$/)
    const list = await (await t.as('analyst', 'GET', '/admin/api/tokens')).text()
    expect(list).not.toContain(secret)
    const get = () =>
      t.app.request('/admin/api/segments?site=demo', { headers: { authorization: `Bearer ${secret}` } })
    expect((await get()).status).toBe(200)
    const write = await t.app.request('/admin/api/segments?site=demo', {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'x', config: { rule: {} } }),
    })
    expect(write.status).toBe(403)
    expect((await t.as('editor', 'DELETE', `/admin/api/tokens/${token.id}`)).status).toBe(404)
    expect((await t.as('analyst', 'DELETE', `/admin/api/tokens/${token.id}`)).status).toBe(200)
    expect((await get()).status).toBe(401)
  })

  it('reads of personal data are logged with who, what and when; the privacy officer reads the log', async () => {
    const t = await withUsers()
    expect((await t.as('privacy', 'GET', '/admin/api/profiles/nobody?site=demo')).status).toBe(404)
    expect((await t.as('privacy', 'GET', '/admin/api/events?site=demo')).status).toBe(200)
    expect((await t.as('analyst', 'GET', '/admin/api/events?site=demo')).status).toBe(403)
    const log = (await (await t.as('privacy', 'GET', '/admin/api/access-log?site=demo')).json()) as {
      entries: unknown[]
    }
    // The failed look-up read nothing: only the list is logged.
    expect(log.entries).toEqual([
      { at: NOW, actor: 'privacy@example.com', action: 'events.list', site: 'demo', subject: null },
    ])
    expect((await t.as('editor', 'GET', '/admin/api/access-log')).status).toBe(403)
  })
})

describe('the first run', () => {
  it('the setup link creates the owner once, then is spent; the state says whether anyone can sign in', async () => {
    const t = await configApp()
    const state = async () => (await (await t.app.request('/admin/api/setup')).json()) as { setUp: boolean }
    expect(await state()).toMatchObject({ setUp: false })
    await t.store.createSetupToken(secretHash('the-setup-token'), NOW + 3_600_000)
    const setup = (token: string, email: string) =>
      t.app.request('/admin/api/setup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email, name: 'Ada', password: 'a long enough password' }),
      })
    expect((await setup('a-guess', 'ada@example.com')).status).toBe(403)
    const first = await setup('the-setup-token', 'ada@example.com')
    expect(first.status).toBe(201)
    expect(first.headers.get('set-cookie')).toMatch(/^precis_session=/)
    expect((await setup('the-setup-token', 'mallory@example.com')).status).toBe(403)
    expect(await state()).toMatchObject({ setUp: true })
    expect((await t.store.listUsers()).map((u) => [u.email, u.role])).toEqual([['ada@example.com', 'owner']])
  })
})
