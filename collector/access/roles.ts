// Who may do what on the admin API: each role's permissions, and the permission every admin route
// needs. One table, read by the guard (middleware/admin-auth.ts) and walked by the tests, route by
// route and role by role. A route the table does not name needs `users.manage`: owners only.
import type { Role } from './types.ts'

export type Permission =
  /** Read the site config: sites, experiments, goals, segments, slots, destinations (without secrets), journeys, audiences, consent texts; deliveries, journey results, audience sizes. */
  | 'config.read'
  /** Change experiments, goals, segments, slots, destinations, journeys and audiences (replay their dead letters too). */
  | 'config.write'
  /** Change the consent section: texts, services, policy version. */
  | 'consent.write'
  /** Create sites, change their settings, rotate their keys. */
  | 'sites.write'
  /** Aggregates: experiment results, segment sizes and previews, slot results, consent rates, refusals. */
  | 'reports.read'
  /** Personal data: profiles and their export, raw events, consent records. */
  | 'personal.read'
  | 'personal.erase'
  /** The log of those reads. */
  | 'access.read'
  /** People and their roles. */
  | 'users.manage'
  /** Anyone signed in: their own account, password and API tokens. */
  | 'self'

const READ: Permission[] = ['self', 'config.read', 'reports.read']

export const GRANTS: Record<Role, readonly Permission[]> = {
  owner: [
    ...READ,
    'config.write',
    'consent.write',
    'sites.write',
    'personal.read',
    'personal.erase',
    'access.read',
    'users.manage',
  ],
  editor: [...READ, 'config.write'],
  analyst: READ,
  privacy: [...READ, 'consent.write', 'personal.read', 'personal.erase', 'access.read'],
}

export const can = (role: Role, permission: Permission) => GRANTS[role].includes(permission)

export interface Rule {
  methods: readonly string[]
  /** Matched against the path after /admin/api. */
  path: RegExp
  permission: Permission
  /** Reads of personal data are logged under this action (access log). */
  audit?: string
}

const GET = ['GET', 'HEAD']
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE']
const ANY = [...GET, ...WRITE]
const seg = '[^/]+'

/** First match wins. */
export const RULES: readonly Rule[] = [
  { methods: ANY, path: /^\/(me|me\/password|session|tokens|tokens\/[^/]+)$/, permission: 'self' },
  { methods: ANY, path: /^\/users(\/[^/]+)?$/, permission: 'users.manage' },
  { methods: GET, path: /^\/access-log$/, permission: 'access.read' },
  // Personal data, each read logged.
  { methods: GET, path: /^\/events$/, permission: 'personal.read', audit: 'events.list' },
  {
    methods: GET,
    path: new RegExp(`^/profiles/${seg}$`),
    permission: 'personal.read',
    audit: 'profile.view',
  },
  {
    methods: GET,
    path: new RegExp(`^/profiles/${seg}/export$`),
    permission: 'personal.read',
    audit: 'profile.export',
  },
  {
    methods: ['DELETE'],
    path: new RegExp(`^/profiles/${seg}$`),
    permission: 'personal.erase',
    audit: 'profile.erase',
  },
  { methods: GET, path: /^\/consent\/verify$/, permission: 'personal.read' },
  // Hashed identifiers are still personal data: a customer-match file is a read of people.
  {
    methods: GET,
    path: new RegExp(`^/audiences/${seg}/export$`),
    permission: 'personal.read',
    audit: 'audience.export',
  },
  // The consent section of the site config, before a consent record's id.
  { methods: GET, path: /^\/consent(\/versions(\/\d+)?)?$/, permission: 'config.read' },
  { methods: WRITE, path: /^\/consent(\/versions\/\d+\/restore)?$/, permission: 'consent.write' },
  { methods: GET, path: new RegExp(`^/consent/${seg}$`), permission: 'personal.read', audit: 'consent.read' },
  // Aggregates.
  { methods: GET, path: new RegExp(`^/experiments/${seg}/results$`), permission: 'reports.read' },
  {
    methods: GET,
    path: new RegExp(`^/sites/${seg}/(segments|slots/${seg}/results|consent/stats)$`),
    permission: 'reports.read',
  },
  { methods: GET, path: /^\/refusals$/, permission: 'reports.read' },
  {
    methods: GET,
    path: /^\/reports\/(overview|breakdown|goals|retention|attribution|customers|kpis)$/,
    permission: 'reports.read',
  },
  // A funnel's steps are a body; it reads and changes nothing.
  { methods: ['POST'], path: /^\/reports\/funnel$/, permission: 'reports.read' },
  { methods: GET, path: /^\/spend$/, permission: 'reports.read' },
  { methods: ['POST'], path: /^\/spend$/, permission: 'config.write' },
  // A segment rule tried on the site's profiles: a POST that writes nothing, before the site writes.
  { methods: ['POST'], path: new RegExp(`^/sites/${seg}/segments/preview$`), permission: 'reports.read' },
  // The site config.
  {
    methods: GET,
    path: /^\/(sites|experiments|goals|segments|slots|destinations|journeys|audiences)(\/.*)?$/,
    permission: 'config.read',
  },
  {
    methods: WRITE,
    path: /^\/(experiments|goals|segments|slots|destinations|journeys|audiences)(\/.*)?$/,
    permission: 'config.write',
  },
  { methods: WRITE, path: /^\/sites(\/.*)?$/, permission: 'sites.write' },
]

const OWNERS_ONLY: Rule = { methods: ANY, path: /^/, permission: 'users.manage' }

/** The rule of an admin API call; `path` is after /admin/api. */
export const ruleFor = (method: string, path: string): Rule =>
  RULES.find((r) => r.methods.includes(method) && r.path.test(path)) ?? OWNERS_ONLY
