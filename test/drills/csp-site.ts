// The CSP drill's shop: a site on its own origin that sends a Content-Security-Policy header with
// every page, and the payloads the drill plants in events, traits and config.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { ROOT } from '../support/collector-process.ts'

/** Strings that would run script or make elements if any page put them in as markup. */
export const PAYLOADS = [
  '<img src=x onerror="window.pwned=1;alert(1)">',
  '"><script>window.pwned=2;alert(2)</script>',
  'javascript:window.pwned=3;alert(3)',
  "'><svg onload=window.pwned=4>",
  '<iframe src="javascript:alert(5)"></iframe>',
]
/** The full drill adds these. */
export const MORE_PAYLOADS = [
  '</pre></td><img src=x onerror=alert(6)>',
  '<a href="javascript:alert(7)">click</a>',
  '<details open ontoggle="window.pwned=8">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(9)>',
  // A template literal or a client-side template would evaluate this; as text it is inert.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is the placeholder itself
  '${alert(10)}{{constructor.constructor("alert(11)")()}}',
  '<style>@import "http://127.0.0.1:9/x.css"</style><b>bold</b>',
]

/** The inline script of README "Install on a site", byte for byte between <script> and </script>. */
export const readmeSnippet = () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Install on a site'))
  const match = /```html\n<script>([\s\S]*?)<\/script>/.exec(section)
  if (!match) throw new Error('README has no snippet under "Install on a site"')
  return match[1]!
}

export const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/**
 * How the snippet is allowed: by hash, by nonce, by nonce with 'strict-dynamic'. The `slots`
 * variants are a site with content slots and an experiment, whose slots the snippet hides before
 * the first paint (snippet by hash, `slots-nonce` by nonce).
 */
export type Variant = 'hash' | 'nonce' | 'strict-dynamic' | 'slots' | 'slots-nonce'

export const hasSlots = (v: Variant) => v === 'slots' || v === 'slots-nonce'

/**
 * The policy a site owner sets (docs/site-owners.md, "Content-Security-Policy"): scripts only from the collector
 * and the snippet (by hash or nonce), requests only to the collector, nothing inline for styles.
 */
export const shopPolicy = (collector: string, variant: Variant, snippet: string, nonce: string) => {
  const script =
    variant === 'hash' || variant === 'slots'
      ? `'self' ${collector} ${sha256(snippet)}`
      : variant === 'nonce' || variant === 'slots-nonce'
        ? `'self' ${collector} 'nonce-${nonce}'`
        : // Trust follows from the nonce to what p.js loads (its chunks): no host list at all.
          `'nonce-${nonce}' 'strict-dynamic'`
  return [
    "default-src 'self'",
    `script-src ${script}`,
    `connect-src ${collector}`,
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    'report-uri /csp-report',
  ].join('; ')
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** Variants that allow scripts by nonce (the others list the snippet's hash). */
export const byNonce = (v: Variant) => v === 'nonce' || v === 'strict-dynamic' || v === 'slots-nonce'

/** A shop page: the snippet inline, p.js from the collector, and the shop's own script. */
export const shopPage = (o: {
  collector: string
  variant: Variant
  snippet: string
  nonce: string
  title: string
  site: string
}) => {
  const n = o.variant === 'hash' ? '' : ` nonce="${o.nonce}"`
  return `<!doctype html>
<html lang="en" data-variant="${o.variant}"><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title>
<script${n}>${o.snippet}</script>
<script${n} async src="${o.collector}/p.js" data-site="${o.site}"></script>
<script${n} src="/shop.js"></script>
${!byNonce(o.variant) ? '' : `<script type="text/plain" data-consent="analytics"${n}>window.__gatedRan = true</script>`}
</head><body><h1>Shop</h1><div data-precis-slot="hero"><p>Welcome</p></div>
<iframe id="partner" title="Partner" data-consent="marketing" data-src="/frame" width="300" height="150"></iframe>
<button id="add-to-cart">Add to cart</button></body></html>`
}

/** The shop's own script (from 'self'): calls through the snippet's queue, with payloads. */
export const shopScript = (payloads: readonly string[]) => `(function () {
  var v = document.documentElement.getAttribute('data-variant');
  var p = ${JSON.stringify(payloads)};
  var props = { variant: v, sku: 'tent-2p', path: location.pathname };
  p.forEach(function (x, i) { props['payload' + i] = x; });
  precis.track('Product Viewed', props);
  precis.identify('csp-' + v, { name: p[0], bio: p[1], site: p[2] });
})();
`

export interface Shop {
  origin: string
  /** Serves `html` at `path` with this Content-Security-Policy header. */
  page(path: string, html: string, policy: string): void
  script(path: string, js: string): void
  /** Violation reports the browser posted to report-uri. */
  reports: unknown[]
  stop(): Promise<void>
}

export const startShop = async (): Promise<Shop> => {
  const pages = new Map<string, { body: string; headers: Record<string, string> }>()
  const reports: unknown[] = []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    if (req.method === 'POST' && path === '/csp-report') {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        try {
          reports.push(JSON.parse(body))
        } catch {
          reports.push(body)
        }
        res.writeHead(204).end()
      })
      return
    }
    const found = pages.get(path)
    res.writeHead(found ? 200 : 404, found?.headers ?? { 'content-type': 'text/plain' })
    res.end(found?.body ?? 'not found')
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    page: (path, body, policy) =>
      void pages.set(path, {
        body,
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy },
      }),
    script: (path, body) =>
      void pages.set(path, { body, headers: { 'content-type': 'text/javascript; charset=utf-8' } }),
    reports,
    stop: () =>
      new Promise((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
