// Shared by the report tests against the collector process (test/reports-*-process.test.ts): a
// browser's batch sent from the shop, users added and signed in, and the checks every report route
// passes (nothing without an admin credential, refusals with a stable code).
import { expect } from 'vitest'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY } from './collector-process.ts'

export const SHOP_ORIGIN = 'https://shop.example'
/** A browser's agent: Node's own would make the events bot traffic, which reports leave out. */
export const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
/** A visitor who granted analytics only. */
export const ANALYTICS_CONSENT = {
  categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
}
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** Posts a batch as a browser on the shop's origin does; the collector must take it. */
export const sendBatch = async (collector: Collector, writeKey: string, batch: unknown[]) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: SHOP_ORIGIN, 'user-agent': CHROME },
    body: JSON.stringify({ writeKey, batch }),
  })
  expect(res.status, await res.clone().text()).toBe(200)
}

/** GET /admin/api/reports/<path> with the given authorization, if any. */
export const getReport = (collector: Collector, path: string, authorization?: string) =>
  fetch(`${collector.url}/admin/api/reports/${path}`, { headers: authorization ? { authorization } : {} })

export interface User {
  name: string
  email: string
  role: string
  password: string
}

/** Adds a user with the admin token. */
export const addUser = async (collector: Collector, user: User) => {
  const added = await fetch(`${collector.url}/admin/api/users`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(user),
  })
  expect(added.status, await added.clone().text()).toBe(201)
}

/** Signs a user in: the session cookie and the session's CSRF token. */
export const signIn = async (collector: Collector, user: Pick<User, 'email' | 'password'>) => {
  const res = await fetch(`${collector.url}/admin/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  })
  expect(res.status).toBe(200)
  const { csrf } = (await res.json()) as { csrf: string }
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf }
}

/** Authorizations that are no admin credential: none, and the public write keys (the demo's and the given one). */
export const notAdmin = (writeKey = DEMO_WRITE_KEY) => [
  undefined,
  `Bearer ${DEMO_WRITE_KEY}`,
  ...(writeKey === DEMO_WRITE_KEY ? [] : [`Bearer ${writeKey}`]),
  `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
]

/** A refusal for want of credentials that gives nothing of the answer away (`hidden`: a word of it). */
export const expectUnauthorized = async (res: Response, what: string, hidden: string) => {
  expect(res.status, what).toBe(401)
  expect(await res.text()).not.toContain(hidden)
}

/** A refusal: its status, its stable code, and a message that names what is wrong. */
export const expectRefused = async (
  res: Response,
  what: string,
  [status, code, field]: [number, string, string],
) => {
  expect(res.status, what).toBe(status)
  const body = await res.json()
  expect(body.error.code, what).toBe(code)
  expect(body.error.message, what).toContain(field)
}
