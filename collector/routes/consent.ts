import { Hono } from 'hono'
import { z } from 'zod'
import { LANGUAGES } from '../../consent/core/strings.ts'
import type { Sites } from '../config/sites.ts'
import { ApiError } from '../errors.ts'
import { bindingOf, ConsentProofError } from '../ledger/binding.ts'
import { shownTextHash, userAgentFamily } from '../ledger/evidence.ts'
import type { LedgerKeyring } from '../ledger/keys.ts'
import type { Store } from '../store/types.ts'
import { authorize, limitBody, parseEnvelope, readJson } from './request.ts'

/** A record is a few hundred bytes; anything near this cap is not one. */
export const RECORD_BYTES = 8 * 1024

export const recordSchema = z.object({
  writeKey: z.string().optional(),
  consentId: z.string().min(1).max(128),
  /** The secret this browser keeps beside its consent id (ledger/binding.ts); never stored. */
  proof: z.string().min(16).max(128),
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
  /** When the visitor chose, by their clock. */
  timestamp: z.iso.datetime({ offset: true }),
})

/**
 * POST /v1/consent: appends a proof-of-consent record to the site's keyed chain. Authorized like
 * browser events (write key, origin allowlist), and only for the browser that holds the consent
 * id's secret. The text hash and browser family are derived here, not taken from the client; the
 * IP and the full user agent are never stored.
 */
export const consentRoutes = ({
  store,
  sites,
  now,
  ledgerKeys,
}: {
  store: Store
  sites: Sites
  now: () => number
  ledgerKeys: LedgerKeyring
}) => {
  const app = new Hono()
  app.post('/consent', limitBody(RECORD_BYTES), async (c) => {
    const receivedAt = now()
    const body = parseEnvelope(recordSchema, await readJson(c))
    const site = authorize(c, sites, body.writeKey)
    const append = store.appendConsent(
      {
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
        receivedAt,
        binding: bindingOf(body.proof),
      },
      ledgerKeys.current,
    )
    const record = await append.catch((err: unknown) => {
      if (err instanceof ConsentProofError)
        throw new ApiError('consent_proof_invalid', 'this consent id belongs to another browser')
      throw err
    })
    return c.json({ success: true, seq: record.seq, hash: record.hash })
  })
  return app
}
