import { Hono } from 'hono'
import { z } from 'zod'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { adminAuth } from '../middleware/admin-auth.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'

const eventsQuery = z.object({
  site: z.string().min(1, 'is required'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const adminRoutes = ({
  store,
  sites,
  token,
}: {
  store: Store
  sites: Sites
  token: string | undefined
}) => {
  const app = new Hono()
  app.use('*', adminAuth(token))

  /** Stored events of a site, newest first, with the site's total. */
  app.get('/events', async (c) => {
    const query = eventsQuery.safeParse(c.req.query())
    if (!query.success) {
      const issue = query.error.issues[0]!
      throw new ApiError('invalid_query', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'))
    }
    const { site, limit } = query.data
    if (!sites.byId(site)) throw new ApiError('site_not_found', `no site with id ${site}`)
    const page = await store.listEvents(site, { limit })
    return c.json({
      site,
      total: page.total,
      events: page.events.map(toSegmentEvent),
    })
  })
  return app
}
