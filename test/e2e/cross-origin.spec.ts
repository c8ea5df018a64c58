import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { SNIPPET, type StaticSite, startStaticSite } from '../support/static-site.ts'

// The owner's site and the collector on different origins, with the script tag as the README has it.
let site: StaticSite
let stranger: StaticSite
let collector: Collector
test.beforeEach(async () => {
  site = await startStaticSite()
  stranger = await startStaticSite()
  collector = await startCollector({ allowedOrigins: [site.origin], personalization: {}, experiments: [] })
})
test.afterEach(async () => {
  await Promise.all([collector.stop(), site.stop(), stranger.stop()])
})

const ownerPage = (collectorUrl: string) => `<!doctype html>
<html lang="en"><head><title>Owner's page</title>
<script>${SNIPPET}
precis.track('Signed Up', { plan: 'pro' });
precis.ready(function (p) { window.loadedAt = Date.now() });
</script>
<script async src="${collectorUrl}/p.js" data-site="demo"></script>
</head><body><h1>Welcome</h1></body></html>`

test('calls made before the script loads are replayed with their own time, once consent is given', async ({
  page,
}) => {
  site.page('/', ownerPage(collector.url))
  const methods: string[] = []
  page.on('request', (req) => {
    if (req.url().startsWith(collector.url)) methods.push(`${req.method()} ${new URL(req.url()).pathname}`)
  })
  const beforeLoad = Date.now()
  const config = page.waitForResponse((res) => res.url().endsWith('/config'))
  await page.goto(`${site.origin}/`)
  await page.waitForFunction(() => typeof (window as { loadedAt?: number }).loadedAt === 'number')
  await config
  await page.evaluate(() => window.precis.consent.acceptAll())
  await page.evaluate(() => window.precis.flush())

  // The session's start and the automatic page view come with the replayed call.
  await expect
    .poll(() => collector.rows().map((r) => r.name ?? r.type))
    .toEqual(['Session Started', 'page', 'Signed Up'])
  const row = collector.rows().find((r) => r.name === 'Signed Up')
  const event = JSON.parse(row!.payload)
  expect(event).toMatchObject({ properties: { plan: 'pro' } })
  const loadedAt = await page.evaluate(() => (window as unknown as { loadedAt: number }).loadedAt)
  // Stamped when the snippet queued it (before the SDK ran), not when it was replayed.
  expect(Date.parse(event.originalTimestamp)).toBeGreaterThanOrEqual(beforeLoad - 1000)
  expect(Date.parse(event.originalTimestamp)).toBeLessThanOrEqual(loadedAt)
  expect(event.context.page.url).toBe(`${site.origin}/`)
  // text/plain is CORS-simple: the browser sent the batch and the consent record without a preflight.
  // The token is asked for once the first event is stored (maybe twice, if first asked too early).
  await expect.poll(() => methods.includes('POST /v1/identity/token')).toBe(true)
  expect([...new Set(methods)].sort()).toEqual([
    'GET /p-consent.js',
    'GET /p-vitals.js',
    'GET /p.js',
    'GET /v1/sites/demo/config',
    'POST /v1/batch',
    'POST /v1/consent',
    'POST /v1/identity/token',
  ])
})

test('a site whose origin is not allowed can neither read the config nor store events', async ({
  page,
  request,
}) => {
  const refused = await request.get(`${collector.url}/v1/sites/demo/config`, {
    headers: { origin: stranger.origin },
  })
  expect(refused.status()).toBe(403)

  stranger.page('/', ownerPage(collector.url))
  const failed: string[] = []
  page.on('requestfailed', (req) => failed.push(new URL(req.url()).pathname))
  await page.goto(`${stranger.origin}/`)
  await page.waitForFunction(() => typeof (window as { loadedAt?: number }).loadedAt === 'number')
  // The collector refuses the origin and sends no CORS header, so the browser blocks the answer.
  await expect.poll(() => failed).toEqual(['/v1/sites/demo/config'])
  await page.evaluate(() => window.precis.consent.acceptAll())
  await page.evaluate(() => window.precis.flush())
  expect(collector.rows()).toEqual([])
})
