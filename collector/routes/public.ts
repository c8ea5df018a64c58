import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { type Context, Hono } from 'hono'
import { BUNDLES } from '../../bundles.mjs'
import { originAllowed, type Sites } from '../config/sites.ts'
import { versionTag } from '../config/versions.ts'
import { ApiError } from '../errors.ts'
import { demoPolicy } from '../middleware/security-headers.ts'
import { type StaticBody, sendStatic, staticBody } from './static-body.ts'

export interface PublicAssets {
  /** Folder of the built scripts (dist/): p.js and the chunks it loads when needed. */
  bundleDir?: string
  /** Folder served at /demo/. */
  demoRoot?: string
}

/**
 * Serves one built script, compressed as the browser accepts (static-body.ts), with a content ETag,
 * a short cache and 304s. The file is read once and kept; a missing file is retried on the next
 * request, so building while the collector runs works.
 */
const bundleHandler = (path: string | undefined, name: string) => {
  let bundle: StaticBody | undefined
  return (c: Context) => {
    if (!path) throw new ApiError('not_found', `${name} is not configured`)
    try {
      bundle ??= staticBody(readFileSync(path, 'utf8'))
    } catch {
      throw new ApiError('not_found', `${name} is not built: run npm run build`)
    }
    // A stale copy is used at once while it is revalidated: no round trip on a page's critical path.
    c.header('Cache-Control', 'public, max-age=300, stale-while-revalidate=86400')
    return sendStatic(c, bundle, 'application/javascript; charset=utf-8')
  }
}

export interface PublicDeps {
  sites: Sites
  /** The version of a site's config now served (config/live.ts): its ETag. */
  versionOf: (site: string) => number
  assets: PublicAssets
}

export const publicRoutes = ({ sites, versionOf, assets }: PublicDeps) => {
  const app = new Hono()

  app.get('/healthz', (c) => c.json({ ok: true }))

  for (const { file, about: name } of BUNDLES)
    app.get(`/${file}`, bundleHandler(assets.bundleDir && join(assets.bundleDir, file), name))

  /** What the script tag needs to know about its site; public by design. */
  app.get('/v1/sites/:site/config', (c) => {
    const site = sites.byId(c.req.param('site'))
    if (!site) throw new ApiError('site_not_found', `no site with id ${c.req.param('site')}`)
    const origin = c.req.header('origin')
    if (!originAllowed(site, origin, sites)) {
      throw new ApiError('origin_not_allowed', `origin ${origin} is not allowed for site ${site.id}`)
    }
    // The tag revalidates after a minute; a changed config has a new tag at once.
    const etag = versionTag(site.id, versionOf(site.id))
    c.header('Cache-Control', 'public, max-age=60')
    c.header('ETag', etag)
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    return c.json({
      site: site.id,
      writeKey: site.writeKey,
      consent: site.consent,
      personalization: site.personalization,
      experiments: site.experiments,
    })
  })

  if (assets.demoRoot) {
    const root = assets.demoRoot
    const policy = demoPolicy(root)
    app.get('/demo', (c) => c.redirect('/demo/'))
    app.use('/demo/*', async (c, next) => {
      await next()
      c.header('Content-Security-Policy', policy)
    })
    app.use('/demo/*', serveStatic({ root, rewriteRequestPath: (path) => path.replace(/^\/demo/, '') }))
  }
  return app
}
