import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { UAParser } from 'ua-parser-js'
import { z } from 'zod'
import { LANGUAGES, resolveStrings } from '../../consent/core/strings.ts'
import type { SiteConfig } from '../config/site-config.ts'
import type { Sites } from '../config/sites.ts'
import type { Store } from '../store/types.ts'
import { authorize, parseEnvelope, readJson, tooLarge } from './request.ts'

const RECORD_BYTES = 8 * 1024

const recordSchema = z.object({
  writeKey: z.string().optional(),
  consentId: z.string().min(1).max(128),
  version: z.number().int().min(1),
  purposes: z.object({
    necessary: z.literal(true),
    analytics: z.boolean(),
    personalization: z.boolean(),
    marketing: z.boolean(),
  }),
  source: z.enum(['default', 'api', 'banner', 'preferences', 'gpc']),
  language: z.enum(LANGUAGES),
  gpc: z.boolean(),
  timestamp: z.iso.datetime({ offset: true }),
})

/** What the visitor was shown, as the collector served it: texts (with overrides) and services. */
export const shownTextHash = (site: SiteConfig, language: (typeof LANGUAGES)[number]) =>
  createHash('sha256')
    .update(
      JSON.stringify({
        language,
        version: site.consent.version,
        strings: resolveStrings(language, site.consent.strings),
        services: site.consent.services,
      }),
    )
    .digest('hex')

/** "Chrome 131 / Linux": enough to tell how the choice was made, too little to single anyone out. */
export const userAgentFamily = (ua: string | undefined) => {
  const { browser, os } = new UAParser(ua ?? '').getResult()
  return `${browser.name ?? 'unknown'} ${browser.major ?? ''} / ${os.name ?? 'unknown'}`.replace(
    /\s+\//,
    ' /',
  )
}

/** POST /v1/consent: appends a proof-of-consent record to the site's hash chain. */
export const consentRoutes = ({ store, sites, now }: { store: Store; sites: Sites; now: () => number }) => {
  const app = new Hono()
  app.post('/consent', bodyLimit({ maxSize: RECORD_BYTES, onError: tooLarge(RECORD_BYTES) }), async (c) => {
    const body = parseEnvelope(recordSchema, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const record = await store.appendConsent({
      site: site.id,
      consentId: body.consentId,
      version: body.version,
      purposes: body.purposes,
      source: body.source,
      language: body.language,
      gpc: body.gpc,
      textHash: shownTextHash(site, body.language),
      userAgent: userAgentFamily(c.req.header('user-agent')),
      clientTime: body.timestamp,
      receivedAt: now(),
    })
    return c.json({ success: true, seq: record.seq, hash: record.hash })
  })
  return app
}
