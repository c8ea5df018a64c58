// An audience's size, and its customer-match file: the members' email addresses as SHA-256 of the
// trimmed lower-case address (what ad platforms' customer-match uploads take), only of members
// whose newest consent stamp grants marketing without Global Privacy Control, with the count and
// that basis. The audiences themselves are config items (config-items.ts).
import { Hono } from 'hono'
import { z } from 'zod'
import type { Audience } from '../audiences/config.ts'
import type { AudienceStore } from '../audiences/types.ts'
import { newestStamp } from '../audiences/worker.ts'
import type { LiveConfig } from '../config/live.ts'
import { deliveryRefusal } from '../destinations/consent-gate.ts'
import { hashIdentifier } from '../destinations/minimize.ts'
import { ApiError } from '../errors.ts'
import { siteRules } from '../identity/config.ts'
import { contactOf } from '../journeys/email.ts'
import type { Store } from '../store/types.ts'
import { siteParam } from './config-edit.ts'
import { csv, parse } from './report-kit.ts'

export const exportQuery = z.strictObject({
  site: z.string(),
  format: z.enum(['json', 'csv']).default('json'),
})

export const BASIS = 'marketing consent granted in the newest stamp, no Global Privacy Control'

export interface AudienceRouteDeps {
  store: AudienceStore & Pick<Store, 'findProfile' | 'revealTraits' | 'profileEvents'>
  live: LiveConfig
  now: () => number
}

export const audienceRoutes = ({ store, live, now }: AudienceRouteDeps) => {
  const app = new Hono()
  const audienceOf = (site: string, key: string): Audience => {
    const audience = live
      .current()
      .sites.find((s) => s.id === site)
      ?.audiences.find((a) => a.key === key)
    if (!audience) throw new ApiError('audience_not_found', `site ${site} has no audience ${key}`)
    return audience
  }

  app.get('/audiences/:key/size', async (c) => {
    const site = siteParam(c, live)
    const audience = audienceOf(site, c.req.param('key'))
    return c.json({
      site,
      audience: audience.key,
      members: (await store.audienceCounts(site))[audience.key] ?? 0,
    })
  })

  app.get('/audiences/:key/export', async (c) => {
    const site = siteParam(c, live)
    const audience = audienceOf(site, c.req.param('key'))
    const { format } = parse(exportQuery, c, c.req.query())
    const rules = siteRules(live.current())
    const hashes = new Set<string>()
    let members = 0
    let excluded = 0
    let after: string | undefined
    for (;;) {
      const page = await store.audienceMembers(site, audience.key, after, 500)
      for (const id of page) {
        members++
        const profile = await store.findProfile(site, id, now())
        const stamp = profile && (await newestStamp(store, site, profile.id))
        const email = profile && contactOf(await store.revealTraits(site, profile.traits, rules)).email
        if (!email || deliveryRefusal(stamp, ['marketing']) !== undefined) excluded++
        else hashes.add(hashIdentifier(email))
      }
      if (page.length < 500) break
      after = page[page.length - 1]
    }
    const identifiers = [...hashes].sort()
    if (format === 'csv')
      return csv(
        c,
        `precis-audience-${audience.key}`,
        ['email_sha256'],
        identifiers.map((h) => [h]),
      )
    return c.json({
      site,
      audience: audience.key,
      members,
      count: identifiers.length,
      excluded,
      basis: BASIS,
      identifiers: identifiers.map((h) => ({ email_sha256: h })),
    })
  })
  return app
}
