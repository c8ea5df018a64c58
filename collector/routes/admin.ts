import { Hono } from 'hono'
import { z } from 'zod'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import type { SiteRules } from '../identity/types.ts'
import { verifySite } from '../ledger/audit.ts'
import type { LedgerKeyring } from '../ledger/keys.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'

export const eventsQuery = z.object({
  site: z.string().min(1, 'is required'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/** The admin API of events and consent records; the caller mounts it behind the admin token. */
export const adminRoutes = ({
  store,
  sites,
  rules,
  ledgerKeys,
}: {
  store: Store
  sites: Sites
  rules: SiteRules
  ledgerKeys: LedgerKeyring
}) => {
  const app = new Hono()

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
      // Personal values are sealed at rest: this authorized reader sees them opened.
      events: (await store.revealEvents(page.events, rules)).map(toSegmentEvent),
    })
  })
  const siteQuery = z.object({ site: z.string().min(1, 'is required') })
  const siteOf = (query: Record<string, string>) => {
    const parsed = siteQuery.safeParse(query)
    if (!parsed.success) throw new ApiError('invalid_query', 'site: is required', 'site')
    if (!sites.byId(parsed.data.site))
      throw new ApiError('site_not_found', `no site with id ${parsed.data.site}`)
    return parsed.data.site
  }

  /** Walks the site's consent chain and reports the first link that is not genuine (ledger/chain.ts). */
  app.get('/consent/verify', async (c) => {
    const site = siteOf(c.req.query())
    return c.json(await verifySite(store, site, ledgerKeys))
  })

  /** Every record of one consent id: what the visitor chose, when, under which policy and texts. */
  app.get('/consent/:consentId', async (c) => {
    const site = siteOf(c.req.query())
    const consentId = c.req.param('consentId')
    const records = await store.consentHistory(site, consentId)
    if (records.length === 0) throw new ApiError('consent_not_found', `no consent records for ${consentId}`)
    return c.json({ site, consentId, records })
  })
  return app
}
