// Rate limits on the write routes: token buckets per site and per client address, in this
// process's memory. Several collectors each enforce their own limits (docs/operators.md, "Rate limits").
import type { Context, MiddlewareHandler } from 'hono'
import type { SiteConfig } from '../config/site-config.ts'
import { forwardedClient, limitedUnit } from '../enrich/ip.ts'
import { ApiError } from '../errors.ts'

export interface Rate {
  /** Tokens added per second: the sustained rate. */
  perSecond: number
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number
}

export interface Bucket {
  tokens: number
  /** Milliseconds (clock time) of the last refill. */
  at: number
}

export type Take = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfter: number }

/**
 * Pure token bucket: refills for the time elapsed, then takes one token if there is one. A refusal
 * takes nothing and says in whole seconds (at least 1) when a token will be there.
 */
export const take = (bucket: Bucket | undefined, rate: Rate, now: number): Take => {
  const elapsed = bucket ? Math.max(0, now - bucket.at) / 1000 : 0
  const tokens = bucket ? Math.min(rate.burst, bucket.tokens + elapsed * rate.perSecond) : rate.burst
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } }
  return {
    ok: false,
    bucket: { tokens, at: now },
    retryAfter: Math.max(1, Math.ceil((1 - tokens) / rate.perSecond)),
  }
}

/** When a bucket is full again: from then on it is the same as no bucket and can be dropped. */
const fullAt = (bucket: Bucket, rate: Rate) =>
  bucket.at + ((rate.burst - bucket.tokens) / rate.perSecond) * 1000

export interface RateLimiterOptions {
  now: () => number
  /** Most per-address buckets kept; past it the least recently used goes (default 50,000, ~10 MB). */
  maxAddresses?: number
}

export interface RateLimiter {
  /** Takes a token from the site's and the address's bucket; undefined, or seconds to wait. */
  check(site: SiteConfig, address: string | undefined): number | undefined
  /** Per-address buckets held (for tests: memory stays bounded). */
  size(): number
}

export const createRateLimiter = ({ now, maxAddresses = 50_000 }: RateLimiterOptions): RateLimiter => {
  const perSite = new Map<string, Bucket>()
  // Insertion order is recency order (a bucket is re-inserted on each use), so the oldest entries
  // are the idlest: they are swept when full again and evicted first when the map is at its cap.
  const perAddress = new Map<string, { bucket: Bucket; rate: Rate }>()

  const sweep = (t: number) => {
    // A couple per request keeps the sweep's cost constant and still outpaces insertions.
    for (let i = 0; i < 2; i++) {
      const oldest = perAddress.entries().next()
      if (oldest.done || fullAt(oldest.value[1].bucket, oldest.value[1].rate) > t) return
      perAddress.delete(oldest.value[0])
    }
  }

  return {
    check(site, address) {
      const t = now()
      sweep(t)
      const { perIp: ipRate, perSite: siteRate } = site.rateLimit
      const siteTake = take(perSite.get(site.id), siteRate, t)
      // The address is keyed per site: each site's own perIp limit applies to it.
      const key = address === undefined ? undefined : `${site.id} ${address}`
      const ipTake = key === undefined ? undefined : take(perAddress.get(key)?.bucket, ipRate, t)
      const waits = [siteTake, ipTake].flatMap((r) => (r && !r.ok ? [r.retryAfter] : []))
      // A refused request takes no token from either bucket, so one limit does not drain the other.
      if (waits.length > 0) return Math.max(...waits)
      perSite.set(site.id, siteTake.bucket)
      if (key !== undefined && ipTake) {
        perAddress.delete(key)
        perAddress.set(key, { bucket: ipTake.bucket, rate: ipRate })
        if (perAddress.size > maxAddresses) perAddress.delete(perAddress.keys().next().value!)
      }
      return undefined
    },
    size: () => perAddress.size,
  }
}

/**
 * The client's address as enrichment reads it: the first X-Forwarded-For entry behind a trusted
 * proxy (the site's enrichment.trustProxy), else the TCP peer. Without a trusted proxy the header
 * is ignored, or a client could pick a fresh address for every request. IPv6 counts per /64.
 */
export const clientAddress = (
  site: SiteConfig,
  peer: string | undefined,
  forwardedFor: string | undefined,
) => {
  const address = (site.enrichment.trustProxy ? forwardedClient(forwardedFor) : undefined) ?? peer
  return address === undefined ? undefined : limitedUnit(address)
}

const LIMIT = 'precis.rateLimit'

export type Limit = (c: Context, site: SiteConfig, peer: string | undefined) => void

/**
 * Hands the limiter to the write routes: the limits depend on the site, which is known only once
 * authorize() has read the write key, so authorize() applies them (applyRateLimit).
 */
export const rateLimit = (limiter: RateLimiter): MiddlewareHandler => {
  const limit: Limit = (c, site, peer) => {
    const wait = limiter.check(site, clientAddress(site, peer, c.req.header('x-forwarded-for')))
    if (wait !== undefined) {
      throw new ApiError(
        'rate_limited',
        `too many requests for site ${site.id}: retry in ${wait} s`,
        undefined,
        {
          'Retry-After': String(wait),
        },
      )
    }
  }
  return async function rateLimit(c, next) {
    c.set(LIMIT as never, limit as never)
    await next()
  }
}

/** Applies the rate limits if the app installed them (apps built without them, e.g. in unit tests of routes, do not). */
export const applyRateLimit = (c: Context, site: SiteConfig, peer: string | undefined) =>
  (c.get(LIMIT as never) as Limit | undefined)?.(c, site, peer)
