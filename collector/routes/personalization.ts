import { Hono } from 'hono'
import { ApiError } from '../errors.ts'
import { segmentSizes } from '../personalization/evaluate.ts'
import { slotResults } from '../personalization/slot-results.ts'
import type { PeopleRouteDeps } from './deps.ts'

const DAY = 86_400_000

/**
 * The admin API of personalization: how big each segment is (server-side and as browsers report
 * it), and how each slot's groups do. Mounted behind the admin token.
 */
export const personalizationRoutes = ({ store, sites, identity, now }: PeopleRouteDeps) => {
  const app = new Hono()
  const siteOf = (id: string) => {
    const site = sites.byId(id)
    if (!site) throw new ApiError('site_not_found', `no site with id ${id}`)
    return site
  }

  /**
   * Per configured segment: profiles in it now (every profile evaluated, a page at a time) and
   * distinct anonymousIds whose events of the last 7 days carried it in context.segments.
   */
  app.get('/sites/:site/segments', async (c) => {
    const site = siteOf(c.req.param('site'))
    await identity.catchUp()
    const at = now()
    const p = site.personalization
    const [sizes, reported] = await Promise.all([
      segmentSizes(store, site.id, p, at, {
        open: (traits) => store.revealTraits(site.id, traits, identity.rules),
      }),
      store.segmentVisitors(site.id, at - 7 * DAY),
    ])
    return c.json({
      site: site.id,
      segments: Object.entries(p.segments).map(([key, s]) => ({
        key,
        name: s.name ?? key,
        profiles: sizes.profiles[key] ?? 0,
        visitors7d: reported[key] ?? 0,
      })),
      profilesScanned: sizes.profilesScanned,
      evaluatedAt: new Date(at).toISOString(),
    })
  })

  /** Impressions (and how many came late), visitors, clicks, conversions and lift per group of one slot. */
  app.get('/sites/:site/slots/:slot/results', async (c) => {
    const site = siteOf(c.req.param('site'))
    const name = c.req.param('slot')
    const slot = Object.hasOwn(site.personalization.slots, name)
      ? site.personalization.slots[name]
      : undefined
    if (!slot) throw new ApiError('slot_not_found', `site ${site.id} has no slot named ${name}`)
    await identity.catchUp()
    const [events, people, late] = await Promise.all([
      store.slotEventCounts(site.id, name),
      store.slotVisitors(site.id, name, slot.goal),
      store.slotLateCounts(site.id, name),
    ])
    return c.json({
      site: site.id,
      slot: name,
      goal: slot.goal ?? null,
      holdout: slot.holdout,
      groups: slotResults(slot, events, people, late),
      evaluatedAt: new Date(now()).toISOString(),
    })
  })
  return app
}
