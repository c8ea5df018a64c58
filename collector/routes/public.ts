import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { originAllowed, type Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { requestOrigin } from '../middleware/cors.ts'

export interface PublicAssets {
  /** The built script-tag bundle (dist/p.js). */
  sdkBundlePath?: string
  /** Folder served at /demo/. */
  demoRoot?: string
}

const loadBundle = (path: string) => {
  const body = readFileSync(path, 'utf8')
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
}

export const publicRoutes = ({ sites, assets }: { sites: Sites; assets: PublicAssets }) => {
  const app = new Hono()
  let bundle: { body: string; etag: string } | undefined

  app.get('/healthz', (c) => c.json({ ok: true }))

  app.get('/p.js', (c) => {
    if (!assets.sdkBundlePath) throw new ApiError('not_found', 'no SDK bundle is configured')
    try {
      bundle ??= loadBundle(assets.sdkBundlePath)
    } catch {
      throw new ApiError('not_found', 'the SDK bundle is not built: run npm run build')
    }
    c.header('ETag', bundle.etag)
    c.header('Cache-Control', 'public, max-age=300')
    if (c.req.header('if-none-match') === bundle.etag) return c.body(null, 304)
    c.header('Content-Type', 'application/javascript; charset=utf-8')
    return c.body(bundle.body)
  })

  /** What the script tag needs to know about its site; public by design. */
  app.get('/v1/sites/:site/config', (c) => {
    const site = sites.byId(c.req.param('site'))
    if (!site) throw new ApiError('site_not_found', `no site with id ${c.req.param('site')}`)
    const { origin, self } = requestOrigin(c)
    if (!originAllowed(site, origin, self)) {
      throw new ApiError('origin_not_allowed', `origin ${origin} is not allowed for site ${site.id}`)
    }
    c.header('Cache-Control', 'public, max-age=60')
    return c.json({ site: site.id, writeKey: site.writeKey, consent: site.consent })
  })

  if (assets.demoRoot) {
    const root = assets.demoRoot
    app.get('/demo', (c) => c.redirect('/demo/'))
    app.use('/demo/*', serveStatic({ root, rewriteRequestPath: (path) => path.replace(/^\/demo/, '') }))
  }
  return app
}
