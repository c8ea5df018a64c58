import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { sentWhere } from '../destinations/export.ts'
import { ApiError } from '../errors.ts'
import type { IssuedToken } from '../identity/tokens.ts'
import { journeysOf } from '../journeys/export.ts'
import { sameSecret } from '../privacy/crypto.ts'
import { toSegmentEvent } from '../store/event-row.ts'
import type { PeopleRouteDeps } from './deps.ts'
import { afterErasure } from './erasure.ts'
import { authorize, limitBody, parseEnvelope, readJson } from './request.ts'

const BODY_BYTES = 2048
export const tokenRequest = z.object({
  writeKey: z.string().optional(),
  anonymousId: z.string().min(1).max(128),
  /** The messageId of the first event this browser sent for the id: only it can know it. */
  firstMessageId: z.string().min(1).max(128),
})
export const withToken = z.object({ writeKey: z.string().optional(), token: z.string().min(1).max(256) })
/** A token as the browser gets it, with its expiry. */
const tokenBody = ({ token, expiresAt }: IssuedToken) => ({
  token,
  expiresAt: new Date(expiresAt).toISOString(),
})

/**
 * A visitor's own rights, from their browser: download and delete their data. The browser proves
 * it holds the anonymousId with a token issued to it (random, expiring, renewed while it keeps
 * consent, revoked on withdrawal and erasure: identity/tokens.ts), never with the bare id, which
 * pages and logs may reveal. The token goes only to the browser that sent the id's first stored
 * event (it names that event's messageId): an id with nothing stored, that is without analytics
 * consent, gets none, and whoever merely learned an id can neither take its token nor squat it.
 */
export const rightsRoutes = ({ store, sites, identity, now }: PeopleRouteDeps) => {
  const app = new Hono()
  app.use('/identity/*', limitBody(BODY_BYTES))

  app.post('/identity/token', async (c) => {
    const body = parseEnvelope(tokenRequest, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const first = await store.firstMessageOf(site.id, body.anonymousId)
    if (first === undefined)
      throw new ApiError(
        'token_not_ready',
        'nothing is stored for this anonymousId yet: ask again once it is',
      )
    if (!sameSecret(first, body.firstMessageId))
      throw new ApiError('token_unproven', 'the request does not prove this browser holds the anonymousId')
    const issued = await store.issueToken(site.id, body.anonymousId, now())
    if (!issued) throw new ApiError('token_already_issued', 'a token was already issued for this anonymousId')
    return c.json(tokenBody(issued))
  })

  /** The token a body presents, and the site its write key names. */
  const presented = async (c: Context) => {
    const body = parseEnvelope(withToken, await readJson(c))
    return { site: authorize(c, sites, body.writeKey).id, token: body.token }
  }
  const invalid = () => new ApiError('invalid_token', 'the token is not valid for this site')

  // The browser trades its live token for a new one past half its life, while it keeps consent.
  app.post('/identity/token/renew', async (c) => {
    const { site, token } = await presented(c)
    const renewed = await store.renewToken(site, token, now())
    if (!renewed) throw invalid()
    return c.json(tokenBody(renewed))
  })

  // The visitor withdrew analytics consent: the browser gives its token back.
  app.post('/identity/revoke', async (c) => {
    const { site, token } = await presented(c)
    if (!(await store.revokeToken(site, token))) throw invalid()
    return c.json({ success: true })
  })

  /** The token's anonymousId on the site the write key names. */
  const holder = async (c: Context) => {
    const { site, token } = await presented(c)
    const anonymousId = await store.verifyToken(site, token, now())
    if (!anonymousId) throw invalid()
    await identity.catchUp()
    return { site, anonymousId }
  }
  const nothing = () => new ApiError('profile_not_found', 'nothing is stored for this browser')

  // A token reaches what its browser produced and what the site vouched for (verified user ids),
  // never the rest of a profile that unverified links joined it to.
  app.post('/identity/export', async (c) => {
    const { site, anonymousId } = await holder(c)
    const data = await store.exportOwn(site, anonymousId, identity.rulesOf(site), now())
    if (!data) throw nothing()
    const { events, audit, ...profile } = data
    const rules = identity.rules
    return c.json({
      site,
      exportedAt: new Date(now()).toISOString(),
      profile: { ...profile, traits: await store.revealTraits(site, profile.traits, rules) },
      events: (await store.revealEvents(events, rules)).map(toSegmentEvent),
      audit,
      deliveries: await sentWhere(store, site, events),
      journeys: await journeysOf(store, site, events),
    })
  })

  app.post('/identity/delete', async (c) => {
    const { site, anonymousId } = await holder(c)
    // What destinations need to hear of the erasure is read before it (destinations/notices.ts).
    const before = await store.exportOwn(site, anonymousId, identity.rulesOf(site), now())
    const profileId = (await store.findProfile(site, anonymousId, now()))?.id
    const traits = before ? await store.revealTraits(site, before.traits, identity.rules) : {}
    const erased = await store.eraseOwn(site, anonymousId, identity.rulesOf(site), now())
    if (erased && before)
      await afterErasure(
        store,
        site,
        { profileId, events: before.events, identifiers: before.identifiers, traits },
        now(),
      )
    if (!erased) {
      // Nothing was stored, and the visitor asked to be forgotten: the token goes all the same.
      await store.revokeTokensFor(site, [anonymousId])
      throw nothing()
    }
    return c.json({ success: true, events: erased.events })
  })
  return app
}
