import { Hono } from 'hono'
import { createConfigEditor } from './config/editor.ts'
import { createLiveConfig, type LiveConfig } from './config/live.ts'
import type { CollectorConfig } from './config/site-config.ts'
import { createSites } from './config/sites.ts'
import { dashboardRoutes } from './dashboard/routes.ts'
import { deliverySites } from './destinations/worker.ts'
import { ApiError, createRefusals, errorResponse, onError } from './errors.ts'
import { pseudonymousStore } from './identity/pseudonymous-store.ts'
import { createIdentityService, kickingStore } from './identity/service.ts'
import type { LedgerKeyring } from './ledger/keys.ts'
import { adminAuth } from './middleware/admin-auth.ts'
import { cors } from './middleware/cors.ts'
import { createRateLimiter, rateLimit } from './middleware/rate-limit.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { openApiRoutes } from './openapi/route.ts'
import { EXACT_VISITS } from './reports/hours.ts'
import { REPORTS_MAX_ROWS } from './reports/types.ts'
import { accessPublicRoutes, accessRoutes } from './routes/access.ts'
import { adminRoutes } from './routes/admin.ts'
import { audienceRoutes } from './routes/audiences.ts'
import { ADMIN_BODY_BYTES } from './routes/config-edit.ts'
import { configItemRoutes } from './routes/config-items.ts'
import { siteRoutes } from './routes/config-sites.ts'
import { consentRoutes } from './routes/consent.ts'
import { consentStatsRoutes } from './routes/consent-stats.ts'
import { destinationRoutes } from './routes/destinations.ts'
import { experimentRoutes } from './routes/experiments.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { journeyRoutes } from './routes/journeys.ts'
import { personalizationRoutes } from './routes/personalization.ts'
import { profileRoutes } from './routes/profiles.ts'
import { type PublicAssets, publicRoutes } from './routes/public.ts'
import { refusalRoutes } from './routes/refusals.ts'
import { reportRoutes } from './routes/reports.ts'
import { limitBody } from './routes/request.ts'
import { rightsRoutes } from './routes/rights.ts'
import { unsubscribeRoutes } from './routes/unsubscribe.ts'
import type { Store } from './store/types.ts'

export interface Clock {
  now(): number
}

export interface AppConfig extends PublicAssets {
  /** The sites as the database holds them (config/live.ts); a plain config in tests. */
  sites: CollectorConfig | LiveConfig
  /** Bearer token of the admin API; unset refuses every admin call. */
  adminToken?: string | undefined
  /**
   * The collector's own origins (its public URL, or the address it listens on): pages it serves
   * are same-origin. Read on every request, so the entry can add them once it listens.
   */
  selfOrigins?: readonly string[]
  /** Each site's identity secret, when it verifies user ids (identity/verification.ts). */
  identitySecrets?: Readonly<Record<string, string>>
  /** Links the consent ledger (PRECIS_LEDGER_KEY; older keys verify what they linked). */
  ledgerKeys: LedgerKeyring
  /**
   * Up to this many visits in a period, an unfiltered overview counts visit by visit (exact);
   * above, it adds hours up and estimates visitors and devices. Default EXACT_VISITS (hours.ts).
   */
  reportsExactVisits?: number
  /** The most report rows a report reads at once; more are refused. Default REPORTS_MAX_ROWS. */
  reportsMaxRows?: number
  /** Destinations may be on private addresses and plain http (PRECIS_ALLOW_PRIVATE_DESTINATIONS). */
  allowPrivateDestinations?: boolean
}

export interface AppDeps {
  store: Store
  clock: Clock
  config: AppConfig
  /** Source of messageIds for events that came without one. */
  randomId?: () => string
  /** Randomness of generated keys (new sites, rotations). */
  randomBytes?: (n: number) => Uint8Array
  log?: (err: unknown) => void
}

/** The collector as a Hono app. It touches no globals: the Node entry wires the real parts. */
export const createApp = ({
  store,
  clock,
  config,
  randomId = () => crypto.randomUUID(),
  randomBytes = (n) => crypto.getRandomValues(new Uint8Array(n)),
  log = console.error,
}: AppDeps) => {
  const live = 'current' in config.sites ? config.sites : createLiveConfig(config.sites)
  const sites = createSites(live.current, config.selfOrigins, () => clock.now())
  const now = () => clock.now()
  const refusals = createRefusals(now)
  const app = new Hono()
  app.use('*', securityHeaders())
  app.onError(onError(log, refusals))
  app.notFound((c) => {
    refusals.count('not_found')
    return errorResponse(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`))
  })

  // PostgreSQL text cannot hold NUL: no adapter is asked to look one up, and both answer alike.
  app.use('*', async (c, next) => {
    if (/%00/.test(c.req.url)) throw new ApiError('invalid_query', 'the address must not contain NUL (%00)')
    await next()
  })
  const identity = createIdentityService(store, live, now, log)
  // Ids are stored and looked up as pseudonyms: every route sees the store through this.
  const people = pseudonymousStore(store, identity.rules)
  const stored = kickingStore(people, identity)
  app.use('/v1/*', cors(sites))
  app.use('/v1/*', rateLimit(createRateLimiter({ now })))
  app.route(
    '/v1',
    ingestRoutes({ store: stored, sites, now, newId: randomId, identitySecrets: config.identitySecrets }),
  )
  app.route('/v1', consentRoutes({ store, sites, now, ledgerKeys: config.ledgerKeys }))
  app.route('/v1', rightsRoutes({ store: people, sites, identity, now }))
  app.route('/v1', unsubscribeRoutes({ store, sites, now }))
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '/admin/api/*', limitBody(ADMIN_BODY_BYTES))
  // Before the guard: the setup state, the first owner's setup and signing in.
  const access = { store, now, randomBytes, tokenConfigured: config.adminToken !== undefined }
  app.route('/admin/api', accessPublicRoutes(access))
  app.use('/admin/api/*', adminAuth({ token: config.adminToken, store, now }))
  app.route('/admin/api', accessRoutes(access))
  // First: /consent/versions is a config route, not a consent record's id (routes/admin.ts).
  const editing = { live, editor: createConfigEditor(store, live), now }
  app.route('/admin/api', siteRoutes({ ...editing, randomBytes }))
  const guard = { allowPrivate: config.allowPrivateDestinations ?? false }
  app.route(
    '/admin/api',
    configItemRoutes({
      ...editing,
      randomBytes,
      destinations: guard,
      destinationsSaved: () => store.setDeliverySites(deliverySites(live.current(), live.version)),
      destinationRemoved: (site, key) => store.dropDestination(site, key),
    }),
  )
  app.route('/admin/api', destinationRoutes({ store, live, now }))
  app.route('/admin/api', journeyRoutes({ store, live }))
  app.route('/admin/api', audienceRoutes({ store, live, now }))
  app.route(
    '/admin/api',
    adminRoutes({ store: people, sites, rules: identity.rules, ledgerKeys: config.ledgerKeys }),
  )
  app.route('/admin/api', profileRoutes({ store: people, sites, identity, now }))
  app.route('/admin/api', personalizationRoutes({ store, sites, identity, now }))
  app.route(
    '/admin/api',
    experimentRoutes({
      store,
      sites,
      identity,
      now,
      live,
      maxRows: config.reportsMaxRows ?? REPORTS_MAX_ROWS,
    }),
  )
  app.route(
    '/admin/api',
    reportRoutes({
      store,
      sites,
      identity,
      now,
      exactVisits: config.reportsExactVisits ?? EXACT_VISITS,
      maxRows: config.reportsMaxRows ?? REPORTS_MAX_ROWS,
    }),
  )
  app.route('/admin/api', consentStatsRoutes({ store, sites, now }))
  app.route('/admin/api', refusalRoutes(refusals))
  app.route('/', dashboardRoutes())
  app.route('/', publicRoutes({ sites, versionOf: live.version, assets: config }))
  app.route('/', openApiRoutes())
  return app
}
