// Signing in and the people of the admin side (routes/access.ts): the first run's setup, sessions,
// one's own account and API tokens, users and roles, the access log.
import {
  newUserBody,
  passwordChange,
  setupBody,
  signInBody,
  tokenBody,
  userChange,
} from '../routes/access.ts'
import { jsonAnswer, type OperationSpec, operation, type Row } from './operations.ts'
import { pathParameter, toSchema } from './schemas.ts'

const TAG = 'People and sign-in'
const admin = (spec: Omit<OperationSpec, 'admin' | 'tag'>) => operation({ ...spec, tag: TAG, admin: true })
const open = (spec: Omit<OperationSpec, 'tag'>) => operation({ ...spec, tag: TAG })
const id = (name: string) => pathParameter(name, { type: 'string' })
const USER = '`{ user: { id, email, name, role, createdAt, disabledAt } }`'

export const accessPaths = (): Row[] => [
  [
    '/admin/api/setup',
    'get',
    open({
      id: 'setupState',
      summary: 'Whether anyone can sign in yet',
      answers: { 200: jsonAnswer('`{ setUp, adminToken }`: a user exists; PRECIS_ADMIN_TOKEN is set.') },
      refusals: [],
    }),
  ],
  [
    '/admin/api/setup',
    'post',
    open({
      id: 'setup',
      summary: 'Creates the first owner with the one-time setup link the collector printed, and signs in',
      body: { schema: toSchema(setupBody) },
      answers: { 201: jsonAnswer(`${USER.slice(0, -2)}, csrf }\` and the session cookie.`) },
      refusals: ['invalid_body', 'setup_link_invalid'],
    }),
  ],
  [
    '/admin/api/session',
    'post',
    open({
      id: 'signIn',
      summary: 'Signs in with email and password: an HttpOnly, SameSite=Strict session cookie',
      body: { schema: toSchema(signInBody) },
      answers: {
        200: jsonAnswer('`{ user, csrf }`: send `csrf` as `X-CSRF-Token` on every write of the session.'),
      },
      refusals: ['invalid_body', 'unauthorized', 'rate_limited'],
    }),
  ],
  [
    '/admin/api/session',
    'delete',
    admin({
      id: 'signOut',
      summary: 'Ends the session',
      answers: { 200: jsonAnswer('`{ signedOut: true }`') },
      refusals: ['csrf_failed'],
    }),
  ],
  [
    '/admin/api/me',
    'get',
    admin({
      id: 'me',
      summary: 'Who is calling, with which role',
      answers: { 200: jsonAnswer('`{ name, role, via, user, csrf }`') },
      refusals: [],
    }),
  ],
  [
    '/admin/api/me/password',
    'post',
    admin({
      id: 'changePassword',
      summary: 'Changes one’s password; every session of the user ends',
      body: { schema: toSchema(passwordChange) },
      answers: { 200: jsonAnswer('`{ changed: true, signedOut: true }`') },
      refusals: ['invalid_body', 'csrf_failed'],
    }),
  ],
  [
    '/admin/api/users',
    'get',
    admin({
      id: 'listUsers',
      summary: 'Users and their roles (owners)',
      answers: { 200: jsonAnswer('`{ users: [{ id, email, name, role, createdAt, disabledAt }] }`') },
      refusals: ['forbidden'],
    }),
  ],
  [
    '/admin/api/users',
    'post',
    admin({
      id: 'createUser',
      summary: 'Adds a user with a role (owners)',
      body: { schema: toSchema(newUserBody) },
      answers: { 201: jsonAnswer(USER) },
      refusals: ['invalid_body', 'forbidden', 'csrf_failed', 'already_exists'],
    }),
  ],
  [
    '/admin/api/users/{id}',
    'patch',
    admin({
      id: 'changeUser',
      summary:
        'Changes a user’s name, role, password or whether they are disabled (owners); their sessions end',
      parameters: [id('id')],
      body: { schema: toSchema(userChange) },
      answers: { 200: jsonAnswer(USER) },
      refusals: ['invalid_body', 'forbidden', 'csrf_failed', 'not_found', 'last_owner'],
    }),
  ],
  [
    '/admin/api/tokens',
    'get',
    admin({
      id: 'listTokens',
      summary: 'One’s API tokens (never their secrets)',
      answers: { 200: jsonAnswer('`{ tokens: [{ id, userId, name, createdAt, lastUsedAt, revokedAt }] }`') },
      refusals: ['invalid_body'],
    }),
  ],
  [
    '/admin/api/tokens',
    'post',
    admin({
      id: 'createToken',
      summary: 'An API token with one’s role, shown this once',
      body: { schema: toSchema(tokenBody) },
      answers: { 201: jsonAnswer('`{ token, secret }`: send `secret` as the bearer token.') },
      refusals: ['invalid_body', 'csrf_failed'],
    }),
  ],
  [
    '/admin/api/tokens/{id}',
    'delete',
    admin({
      id: 'revokeToken',
      summary: 'Revokes one of one’s API tokens',
      parameters: [id('id')],
      answers: { 200: jsonAnswer('`{ revoked: true }`') },
      refusals: ['invalid_body', 'csrf_failed', 'not_found'],
    }),
  ],
  [
    '/admin/api/access-log',
    'get',
    admin({
      id: 'accessLog',
      summary: 'Admin reads of personal data, newest first (privacy officers and owners)',
      parameters: [
        { name: 'site', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      answers: { 200: jsonAnswer('`{ entries: [{ at, actor, action, site, subject }] }`') },
      refusals: ['invalid_query', 'forbidden'],
    }),
  ],
]
