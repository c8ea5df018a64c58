// Context the collector derives from the request rather than trusts from the client: browser, OS
// and device from the user agent, bot traffic, the network of the address, coarse geo, and the
// Global Privacy Control header into the consent stamp.
import type { EnrichmentConfig } from './config.ts'
import { forwardedClient, truncateIp } from './ip.ts'
import type { Agent, AgentParser } from './user-agent.ts'

/** What the routes read from a request (request.ts); plain values, so this is tested without HTTP. */
export interface RequestInput {
  /** The TCP peer's address; undefined where the runtime has no socket to ask. */
  peer: string | undefined
  header: (name: string) => string | undefined
  /** The request came from a browser page (it had an Origin). */
  browser: boolean
}

export interface Location {
  country?: string
  region?: string
}

export interface Enriched {
  context: Record<string, unknown>
  bot: boolean
}

/** One request's enrichment, applied to each of its events' context. */
export type Enricher = (context: Record<string, unknown> | undefined) => Enriched

// ISO 3166-1 alpha-2; XX is Cloudflare's "unknown". A region is an ISO 3166-2 subdivision code,
// with or without its country (US-CA or CA).
const COUNTRY = /^[A-Za-z]{2}$/
const REGION = /^(?:[A-Za-z]{2}-)?([A-Za-z0-9]{1,3})$/

export const readLocation = (
  header: RequestInput['header'],
  names: NonNullable<EnrichmentConfig['geoHeaders']>,
): Location | undefined => {
  const country = names.country && header(names.country)?.trim()
  const region = names.region && REGION.exec(header(names.region)?.trim() ?? '')?.[1]
  const location: Location = {}
  if (country && COUNTRY.test(country) && country.toUpperCase() !== 'XX')
    location.country = country.toUpperCase()
  if (region) location.region = region.toUpperCase()
  return location.country || location.region ? location : undefined
}

/**
 * Reads what the request says once (its address, geo headers, user agent) and returns the function
 * that enriches each event. The event's own context.userAgent describes the visitor; the request's
 * User-Agent header does too for browser requests, while a server's names its HTTP library
 * (analytics-node-next/latest), which must not make server events bots.
 */
export const requestEnricher = (
  input: RequestInput,
  config: EnrichmentConfig,
  agents: AgentParser,
): Enricher => {
  const address = config.trustProxy ? forwardedClient(input.header('x-forwarded-for')) : input.peer
  const ip = config.ip === 'truncate' ? truncateIp(address) : undefined
  const location =
    config.trustProxy && config.geoHeaders ? readLocation(input.header, config.geoHeaders) : undefined
  const headerAgent = input.header('user-agent')
  const requestAgent = input.browser && headerAgent ? agents(headerAgent) : undefined
  // Global Privacy Control sent as a header (Sec-GPC: 1) joins the consent stamp, so no marketing
  // destination receives the event (destinations/consent-gate.ts); a stamp's own gpc stays.
  const gpc = input.header('sec-gpc')?.trim() === '1'

  return (context) => {
    const ua = context?.userAgent
    const agent: Agent | undefined = typeof ua === 'string' && ua !== '' ? agents(ua) : requestAgent
    // A browser request sent by a bot is bot traffic whatever its events claim to be.
    const bot = agent?.bot === true || requestAgent?.bot === true
    // A copy key by key: a spread plus new keys costs ~50 times more in V8 (dictionary mode), and
    // this runs for every event. What the client said in the fields below is replaced, never kept;
    // undefined leaves a field out of the stored JSON.
    const enriched: Record<string, unknown> = {}
    for (const key in context) enriched[key] = context[key]
    enriched.ip = ip
    enriched.location = location
    enriched.bot = bot || undefined
    const consent = enriched.consent
    if (gpc && typeof consent === 'object' && consent !== null && !Array.isArray(consent))
      enriched.consent = { ...consent, gpc: true }
    if (agent !== undefined) {
      enriched.browser = agent.browser
      enriched.os = agent.os
      enriched.device = agent.device
    }
    return { context: enriched, bot }
  }
}
