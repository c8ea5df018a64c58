// Headers every answer carries, and the strict policy of the demo shop: it is the example site
// owners copy, so it shows that the tag needs no 'unsafe-inline' and no third-party origin.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MiddlewareHandler } from 'hono'

/**
 * No answer is sniffed into another type, and no full URL leaks to other origins (a route may
 * set a stricter policy: the dashboard sends none at all).
 */
export const securityHeaders = (): MiddlewareHandler =>
  async function securityHeaders(c, next) {
    await next()
    c.header('X-Content-Type-Options', 'nosniff')
    if (!c.res.headers.has('Referrer-Policy')) c.header('Referrer-Policy', 'strict-origin-when-cross-origin')
  }

/** The inline scripts of the folder's pages (the snippet), allowed by their SHA-256 hashes. */
export const inlineScriptHashes = (root: string) => {
  const hashes = new Set<string>()
  for (const file of readdirSync(root).filter((f) => f.endsWith('.html')))
    for (const [, body] of readFileSync(join(root, file), 'utf8').matchAll(/<script>([\s\S]*?)<\/script>/g))
      hashes.add(`'sha256-${createHash('sha256').update(body!).digest('base64')}'`)
  return [...hashes]
}

/**
 * The demo shop's Content-Security-Policy: scripts from the collector and the snippet by hash,
 * requests to the collector only, no inline style, no plugins, framed only by itself.
 */
export const demoPolicy = (root: string) =>
  [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(root).join(' ')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ')
