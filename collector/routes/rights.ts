import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { ApiError } from '../errors.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { PeopleRouteDeps } from './deps.ts'
import { authorize, parseEnvelope, readJson, tooLarge } from './request.ts'

const BODY_BYTES = 2048
const tokenRequest = z.object({ writeKey: z.string().optional(), anonymousId: z.string().min(1).max(128) })
const withToken = z.object({ writeKey: z.string().optional(), token: z.string().min(1).max(256) })

/**
 * A visitor's own rights, from their browser: download and delete their data. The browser proves
 * it holds the anonymousId with a token issued to it once (the first to ask gets it), never with
 * the bare id, which pages and logs may reveal.
 */
export const rightsRoutes = ({ store, sites, identity, now }: PeopleRouteDeps) => {
  const app = new Hono()
  app.use('/identity/*', bodyLimit({ maxSize: BODY_BYTES, onError: tooLarge(BODY_BYTES) }))

  app.post('/identity/token', async (c) => {
    const body = parseEnvelope(tokenRequest, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const token = await store.issueToken(site.id, body.anonymousId, now())
    if (!token) throw new ApiError('token_already_issued', 'a token was already issued for this anonymousId')
    return c.json({ token })
  })

  /** The token's anonymousId on the site the write key names. */
  const holder = async (c: Context) => {
    const body = parseEnvelope(withToken, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const anonymousId = await store.verifyToken(site.id, body.token)
    if (!anonymousId) throw new ApiError('invalid_token', 'the token is not valid for this site')
    await identity.catchUp()
    return { site: site.id, anonymousId }
  }
  const nothing = () => new ApiError('profile_not_found', 'nothing is stored for this browser')

  // A token reaches what its browser produced and what the site vouched for (verified user ids),
  // never the rest of a profile that unverified links joined it to.
  app.post('/identity/export', async (c) => {
    const { site, anonymousId } = await holder(c)
    const data = await store.exportOwn(site, anonymousId, identity.rules(site), now())
    if (!data) throw nothing()
    const { events, audit, ...profile } = data
    return c.json({
      site,
      exportedAt: new Date(now()).toISOString(),
      profile,
      events: events.map(toSegmentEvent),
      audit,
    })
  })

  app.post('/identity/delete', async (c) => {
    const { site, anonymousId } = await holder(c)
    const erased = await store.eraseOwn(site, anonymousId, identity.rules(site), now())
    if (!erased) throw nothing()
    return c.json({ success: true, events: erased.events })
  })
  return app
}
