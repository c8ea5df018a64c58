import { Hono } from 'hono'
import { z } from 'zod'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { shapeConsentStats, statsWindow } from '../ledger/stats.ts'
import type { Store } from '../store/types.ts'

export const statsQuery = z.object({ days: z.coerce.number().int().min(1).max(395).default(30) })

/**
 * GET /sites/:site/consent/stats?days=30: the consent ledger of the last `days` UTC days (today
 * included) as rates, each consent id counted once with its latest record. Mounted behind the
 * admin token.
 */
export const consentStatsRoutes = ({
  store,
  sites,
  now,
}: {
  store: Store
  sites: Sites
  now: () => number
}) => {
  const app = new Hono()
  app.get('/sites/:site/consent/stats', async (c) => {
    const site = sites.byId(c.req.param('site'))
    if (!site) throw new ApiError('site_not_found', `no site with id ${c.req.param('site')}`)
    const query = statsQuery.safeParse(c.req.query())
    if (!query.success) {
      const issue = query.error.issues[0]!
      throw new ApiError('invalid_query', `days: ${issue.message}`, 'days')
    }
    const { days } = query.data
    const at = now()
    const { since, until, dates } = statsWindow(at, days)
    const rows = await store.consentStats(site.id, { since, until })
    return c.json({
      site: site.id,
      days,
      from: dates[0],
      to: dates.at(-1),
      ...shapeConsentStats(rows, dates),
      evaluatedAt: new Date(at).toISOString(),
    })
  })
  return app
}
