import { Hono } from 'hono'
import { z } from 'zod'
import { sentWhere } from '../destinations/export.ts'
import { ApiError } from '../errors.ts'
import { userNames } from '../identity/pseudonymous-store.ts'
import type { ProfileExport, SiteRules } from '../identity/types.ts'
import { journeysOf } from '../journeys/export.ts'
import { profileSegments } from '../personalization/evaluate.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { Store } from '../store/types.ts'
import type { PeopleRouteDeps } from './deps.ts'
import { afterErasure } from './erasure.ts'

export const query = z.object({
  site: z.string().min(1, 'is required').max(64),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
})
export const key = z.string().min(1).max(256)

/**
 * A person's export as JSON a person can read: Segment events, ISO times, personal values opened,
 * and where their events were sent.
 */
export const exportBody = async (
  store: Store,
  rules: SiteRules,
  site: string,
  now: number,
  data: ProfileExport,
) => ({
  site,
  exportedAt: new Date(now).toISOString(),
  profile: { ...data.profile, traits: await store.revealTraits(site, data.profile.traits, rules) },
  events: (await store.revealEvents(data.events, rules)).map(toSegmentEvent),
  audit: data.audit,
  deliveries: await sentWhere(store, site, data.events),
  journeys: await journeysOf(store, site, data.events),
  audiences: (await store.memberships(site, data.profile.id)).map(({ audience, member, changedAt }) => ({
    audience,
    member,
    since: new Date(changedAt).toISOString(),
  })),
})

/**
 * The admin API of profiles: look one up by any linked identifier, export everything stored of
 * the person, erase it. Mounted behind the admin token.
 */
export const profileRoutes = ({ store, sites, identity, now }: PeopleRouteDeps) => {
  const app = new Hono()
  const target = (params: { id: string }, q: Record<string, string>) => {
    const parsed = query.safeParse(q)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new ApiError('invalid_query', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'))
    }
    if (!sites.byId(parsed.data.site))
      throw new ApiError('site_not_found', `no site with id ${parsed.data.site}`)
    const id = key.safeParse(params.id)
    if (!id.success) throw new ApiError('invalid_query', 'id: must be 1-256 characters', 'id')
    return { ...parsed.data, id: id.data }
  }
  const missing = (id: string) => new ApiError('profile_not_found', `no profile is linked to ${id}`)

  app.get('/profiles/:id', async (c) => {
    const { site, id, limit } = target(c.req.param(), c.req.query())
    await identity.catchUp()
    const at = now()
    const profile = await store.findProfile(site, id, at)
    if (!profile) throw missing(id)
    const traits = await store.revealTraits(site, profile.traits, identity.rules)
    const opened = { ...profile, traits }
    const [events, segments] = await Promise.all([
      store.profileEvents(site, profile.id, limit),
      profileSegments(store, site, sites.byId(site)!.personalization, opened, at),
    ])
    const recentEvents = (await store.revealEvents(events, identity.rules)).map(toSegmentEvent)
    // Only a profile with a user id needs its name opened (from the events that carried it).
    const users = profile.identifiers.some((i) => i.kind === 'user')
    const named = users
      ? await userNames(store, identity.rules, site, await store.profileEvents(site, profile.id, 1000))
      : (p: typeof opened) => p
    return c.json({ site, profile: named(opened), segments, recentEvents })
  })

  app.get('/profiles/:id/export', async (c) => {
    const { site, id } = target(c.req.param(), c.req.query())
    await identity.catchUp()
    const data = await store.exportProfile(site, id, now())
    if (!data) throw missing(id)
    c.header('Content-Disposition', `attachment; filename="precis-profile-${data.profile.id}.json"`)
    return c.json(await exportBody(store, identity.rules, site, now(), data))
  })

  app.delete('/profiles/:id', async (c) => {
    const { site, id } = target(c.req.param(), c.req.query())
    await identity.catchUp()
    // What destinations need to hear of the erasure is read before it (destinations/notices.ts).
    const before = await store.exportProfile(site, id, now())
    const traits = before ? await store.revealTraits(site, before.profile.traits, identity.rules) : {}
    const erased = await store.eraseProfile(site, id, now())
    if (!erased) throw missing(id)
    if (before)
      await afterErasure(
        store,
        site,
        {
          profileId: erased.profileId,
          events: before.events,
          identifiers: before.profile.identifiers,
          traits,
        },
        now(),
      )
    return c.json({ site, erased })
  })
  return app
}
