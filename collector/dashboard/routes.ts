import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Context, Hono } from 'hono'
import { ApiError } from '../errors.ts'
import { type StaticBody, sendStatic, staticBody } from '../routes/static-body.ts'

/**
 * The dashboard's own files: a page, ES modules and style sheets, served as they are (no build),
 * compressed as the browser accepts (routes/static-body.ts).
 */
const ROOT = import.meta.dirname
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/**
 * Nothing but the collector's own scripts, styles and API: data shown by the page (event
 * properties, traits, config) can never bring in a script, a frame or a form target.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

interface Asset {
  file: StaticBody
  type: string
}

const load = (path: string, type: string): Asset => ({ file: staticBody(readFileSync(path, 'utf8')), type })

/** The page and every .js and .css file of assets/, read once on first use. */
const loadAll = () => {
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(join(ROOT, 'assets'))) {
    const ext = name.slice(name.lastIndexOf('.'))
    const type = TYPES[ext]
    if (type && !name.includes('.test.')) assets.set(name, load(join(ROOT, 'assets', name), type))
  }
  return { page: load(join(ROOT, 'index.html'), 'text/html; charset=utf-8'), assets }
}

/**
 * GET /admin/ and /admin/assets/:file: the dashboard. The files hold no data and are public; the
 * page asks for the admin token and sends it to the admin API, which checks it on every call.
 * Mount at the root (the paths are absolute, so nothing else under /admin is touched).
 */
export const dashboardRoutes = () => {
  const app = new Hono()
  let files: ReturnType<typeof loadAll> | undefined
  const serve = (pick: (f: ReturnType<typeof loadAll>, name: string) => Asset | undefined) =>
    function dashboardFile(c: Context) {
      files ??= loadAll()
      const name = c.req.param('file') ?? ''
      const asset = pick(files, name)
      if (!asset) throw new ApiError('not_found', `no dashboard file ${name}`)
      c.header('Content-Security-Policy', DASHBOARD_CSP)
      c.header('X-Content-Type-Options', 'nosniff')
      c.header('Referrer-Policy', 'no-referrer')
      c.header('Cache-Control', 'no-cache')
      return sendStatic(c, asset.file, asset.type)
    }
  app.get('/admin', (c) => c.redirect('/admin/'))
  app.get(
    '/admin/',
    serve((f) => f.page),
  )
  app.get(
    '/admin/assets/:file',
    serve((f, name) => f.assets.get(name)),
  )
  return app
}
