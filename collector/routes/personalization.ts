import { Hono } from 'hono'
import { segment } from '../../sdk/rules/personalization-schema.ts'
import { formatPath } from '../config/site-config.ts'
import { ApiError } from '../errors.ts'
import { segmentSizes } from '../personalization/evaluate.ts'
import { slotResults } from '../personalization/slot-results.ts'
import type { PeopleRouteDeps } from './deps.ts'
import { readJson } from './request.ts'

const DAY = 86_400_000

/**
 * The admin API of personalization: how big each segment is (server-side and as browsers report
 * it), how big a rule not yet saved would be, and how each slot's groups do. Mounted behind the
 * admin token.
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

  /**
   * How many profiles a segment would have now, before it is saved: `{ rule, name?, description? }`
   * checked as the config checks a segment, evaluated like the saved ones (with the site's history
   * and RFM settings), and nothing written.
   */
  app.post('/sites/:site/segments/preview', async (c) => {
    const site = siteOf(c.req.param('site'))
    const parsed = segment.safeParse(await readJson(c))
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }))
      const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
      throw new ApiError('invalid_config', message, issues[0]?.path || undefined, {}, { issues })
    }
    await identity.catchUp()
    const at = now()
    const p = { ...site.personalization, segments: { preview: parsed.data } }
    const sizes = await segmentSizes(store, site.id, p, at, {
      open: (traits) => store.revealTraits(site.id, traits, identity.rules),
    })
    return c.json({
      site: site.id,
      profiles: sizes.profiles.preview ?? 0,
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
