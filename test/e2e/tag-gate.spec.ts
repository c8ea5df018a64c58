import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { SNIPPET, type StaticSite, startStaticSite } from '../support/static-site.ts'

// Third-party tags on an owner's page, marked up as docs/site-owners.md says, gated by the real p.js.
let site: StaticSite
let collector: Collector
test.beforeEach(async () => {
  site = await startStaticSite()
  collector = await startCollector({
    allowedOrigins: [site.origin],
    consent: {
      services: [
        { name: 'Tag', purpose: 'analytics', cookies: ['tag_*'], storage: ['tag.*'], indexedDB: ['tag-db'] },
      ],
    },
    // Not the subject here.
    personalization: {},
    experiments: [],
  })
  // Each "tag" appends its name to window.order when it runs.
  for (const name of ['a', 'b', 'm', 'late'])
    site.page(`/${name}.js`, `(window.order = window.order || []).push('${name}')`)
  site.page('/frame', '<p>partner content</p>')
  site.page(
    '/',
    `<!doctype html><html lang="en"><head><title>Tags</title>
<script>${SNIPPET}</script>
<script async src="${collector.url}/p.js" data-site="demo"></script>
<script type="text/plain" data-consent="analytics" data-src="/a.js"></script>
<script type="text/plain" data-consent="analytics">window.order.push('a-inline')</script>
<script type="text/plain" data-consent="marketing" src="/m.js"></script>
<script type="text/plain" data-consent="analytics" data-src="/b.js"></script>
</head><body><main>
<iframe data-consent="marketing" data-src="/frame" width="400" height="200" title="Partner"></iframe>
<p id="after">after the frame</p></main></body></html>`,
  )
})
test.afterEach(async () => {
  await Promise.all([collector.stop(), site.stop()])
})

const order = (page: import('@playwright/test').Page) =>
  page.evaluate(() => (window as { order?: string[] }).order ?? [])

test('tags wait for their purpose, then run in document order', async ({ page }) => {
  const fetched: string[] = []
  page.on('request', (req) => fetched.push(new URL(req.url()).pathname))
  await page.goto(`${site.origin}/`)
  const partner = page.frameLocator('iframe[title="Partner"]')
  await expect(partner.getByRole('button', { name: 'Allow Marketing' })).toBeVisible()
  await expect(partner.getByText('This content is blocked until you allow Marketing.')).toBeVisible()
  // Centred by a constructed style sheet, which no Content-Security-Policy counts as inline style.
  await expect(partner.locator('body')).toHaveCSS('display', 'grid')
  expect(await order(page)).toEqual([])
  expect(fetched.filter((p) => /^\/(a|b|m)\.js$|^\/frame$/.test(p))).toEqual([])

  await page.evaluate(() => window.precis.consent.set({ analytics: true }))
  await expect.poll(() => order(page)).toEqual(['a', 'a-inline', 'b'])
  expect(fetched).not.toContain('/m.js')

  // The placeholder has the frame's size: granting from it loads the frame without moving the page.
  const before = await page.locator('#after').boundingBox()
  await partner.getByRole('button', { name: 'Allow Marketing' }).click()
  await expect(partner.getByText('partner content')).toBeVisible()
  expect(await page.locator('#after').boundingBox()).toEqual(before)
  await expect.poll(() => order(page)).toEqual(['a', 'a-inline', 'b', 'm'])
  expect(await page.evaluate(() => window.precis.consent.get().purposes.marketing)).toBe(true)
})

test('tags added later are gated too, and run at once when already granted', async ({ page }) => {
  await page.goto(`${site.origin}/`)
  await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
  const addLate = () =>
    page.evaluate(() => {
      const s = document.createElement('script')
      s.type = 'text/plain'
      s.dataset.consent = 'analytics'
      s.dataset.src = '/late.js'
      document.body.append(s)
    })
  await addLate()
  // MutationObserver callbacks are microtasks: they have run by the time evaluate() returns.
  expect(await order(page)).toEqual([])
  await page.evaluate(() => window.precis.consent.set({ analytics: true }))
  await expect.poll(() => order(page)).toEqual(['a', 'a-inline', 'b', 'late'])
  await addLate()
  await expect.poll(() => order(page)).toEqual(['a', 'a-inline', 'b', 'late', 'late'])
})

test('a blocking script in the head that arrives after the banner code delays the banner, never loses it', async ({
  page,
}) => {
  // The page notes when the banner chunk hands over its code, so the head's script is held until then.
  const noteChunk = `(function(){var hand;Object.defineProperty(window,'precisConsentUi',{configurable:true,
set:function(f){hand=f},get:function(){return hand&&function(m){window.chunkRan=true;hand(m)}}})})()`
  site.page(
    '/held',
    `<!doctype html><html lang="en"><head><title>Held</title>
<script>${noteChunk}</script><script>${SNIPPET}</script>
<script async src="${collector.url}/p.js" data-site="demo"></script>
<script src="/held.js"></script>
</head><body><iframe data-consent="marketing" data-src="/frame" title="Partner"></iframe></body></html>`,
  )
  await page.route(`${site.origin}/held.js`, async (route) => {
    await expect.poll(() => page.evaluate(() => (window as { chunkRan?: boolean }).chunkRan)).toBe(true)
    await route.fulfill({ contentType: 'text/javascript', body: 'window.held = true' })
  })
  await page.goto(`${site.origin}/held`)
  await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
  expect(await page.evaluate(() => (window as { held?: boolean }).held)).toBe(true)
  await expect(page.frameLocator('iframe[title="Partner"]').locator('body')).toHaveCSS('display', 'grid')
})

test('withdrawal deletes exactly what the config lists, and offers a reload for tags that ran', async ({
  page,
}) => {
  await page.goto(`${site.origin}/`)
  await page.getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(() => order(page)).toContain('b')
  await page.evaluate(async () => {
    // biome-ignore-start lint/suspicious/noDocumentCookie: a tag's cookies, set as tags set them
    document.cookie = 'tag_id=1; Path=/'
    document.cookie = 'tag_other=2; Path=/; Domain=127.0.0.1'
    document.cookie = 'site_pref=keep; Path=/'
    // biome-ignore-end lint/suspicious/noDocumentCookie: -
    localStorage.setItem('tag.session', '1')
    localStorage.setItem('cart', 'keep')
    sessionStorage.setItem('tag.tab', '1')
    await new Promise((done) => {
      const req = indexedDB.open('tag-db')
      req.onsuccess = () => {
        req.result.close()
        done(null)
      }
    })
  })
  await page.evaluate(() => window.precis.consent.open())
  await page.getByRole('switch', { name: 'Analytics' }).uncheck()
  await page.getByRole('button', { name: 'Save choices' }).click()
  const left = () =>
    page.evaluate(async () => ({
      cookies: document.cookie
        .split('; ')
        .map((c) => c.split('=')[0])
        .sort(),
      local: Object.keys(localStorage).sort(),
      session: Object.keys(sessionStorage),
      databases: (await indexedDB.databases()).map((d) => d.name),
    }))
  await expect.poll(left).toEqual({
    cookies: ['precis_consent', 'site_pref'],
    local: ['cart'],
    session: [],
    databases: [],
  })
  await expect(page.getByRole('button', { name: 'Reload' })).toBeVisible()
})
