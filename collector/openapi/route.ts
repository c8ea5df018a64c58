import { Hono } from 'hono'
import { openApiDocument } from './document.ts'

/**
 * GET /openapi.json: the collector's OpenAPI document (document.ts), public like docs/openapi.json.
 * Made on the first request and kept: it changes only with the code.
 */
export const openApiRoutes = () => {
  const app = new Hono()
  let body: string | undefined
  app.get('/openapi.json', (c) => {
    body ??= JSON.stringify(openApiDocument())
    c.header('Cache-Control', 'public, max-age=300')
    c.header('Content-Type', 'application/json; charset=utf-8')
    return c.body(body)
  })
  return app
}
