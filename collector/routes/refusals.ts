import { Hono } from 'hono'
import type { Refusals } from '../errors.ts'

/** GET /admin/api/refusals: this process's refusals by error code since it started. */
export const refusalRoutes = (refusals: Refusals) => {
  const app = new Hono()
  app.get('/refusals', (c) => c.json(refusals.snapshot()))
  return app
}
