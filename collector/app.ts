import { Hono } from 'hono'
import type { CollectorConfig } from './config/site-config.ts'
import { createSites } from './config/sites.ts'
import { ApiError, errorResponse, onError } from './errors.ts'
import { cors } from './middleware/cors.ts'
import { adminRoutes } from './routes/admin.ts'
import { consentRoutes } from './routes/consent.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { type PublicAssets, publicRoutes } from './routes/public.ts'
import type { Store } from './store/types.ts'

export interface Clock {
  now(): number
}

export interface AppConfig extends PublicAssets {
  sites: CollectorConfig
  /** Bearer token of the admin API; unset refuses every admin call. */
  adminToken?: string | undefined
}

export interface AppDeps {
  store: Store
  clock: Clock
  config: AppConfig
  /** Source of messageIds for events that came without one. */
  randomId?: () => string
  log?: (err: unknown) => void
}

/** The collector as a Hono app. It touches no globals: the Node entry wires the real parts. */
export const createApp = ({
  store,
  clock,
  config,
  randomId = () => crypto.randomUUID(),
  log = console.error,
}: AppDeps) => {
  const sites = createSites(config.sites)
  const app = new Hono()
  app.onError(onError(log))
  app.notFound((c) =>
    errorResponse(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`)),
  )

  app.use('/v1/*', cors(sites))
  app.route('/v1', ingestRoutes({ store, sites, now: () => clock.now(), newId: randomId }))
  app.route('/v1', consentRoutes({ store, sites, now: () => clock.now() }))
  app.route('/admin/api', adminRoutes({ store, sites, token: config.adminToken }))
  app.route('/', publicRoutes({ sites, assets: config }))
  return app
}
