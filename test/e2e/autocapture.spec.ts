import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'
import { SNIPPET, type StaticSite, startStaticSite } from '../support/static-site.ts'

// What the script tag captures without code, checked in the collector's database.
let collector: Collector
let site: StaticSite
test.beforeEach(async () => {
  site = await startStaticSite()
  collector = await startCollector({ allowedOrigins: [site.origin] })
})
test.afterEach(async () => {
  await Promise.all([collector.stop(), site.stop()])
})

type Row = { name: string | null; type: string; payload: string }
const body = (r: Row) =>
  JSON.parse(r.payload) as {
    properties: Record<string, unknown>
    context: { campaign?: unknown; session: { id: string } }
  }
const named = (name: string) => collector.rows().filter((r) => r.name === name)
const pageViews = () => collector.rows().filter((r) => r.type === 'page')

test('an SPA counts one page view per real navigation, with the page it came from as referrer', async ({
  page,
}) => {
  await openDemo(page, collector.url, 'help.html')
  await page.evaluate(() => window.precis.consent.acceptAll())
  const topics = page.getByRole('navigation', { name: 'Topics' })
  await topics.getByRole('link', { name: 'Shipping' }).click()
  await topics.getByRole('link', { name: 'Shipping' }).click() // same URL: no new view
  await topics.getByRole('link', { name: 'Returns' }).click()
  await page.getByRole('link', { name: 'Contact us' }).click() // a #hash jump
  await page.evaluate(() => history.replaceState({}, '', location.href)) // same URL again
  await page.goBack() // the #hash entry
  await page.goBack() // back to shipping: popstate
  await page.getByRole('button', { name: 'Yes' }).click()
  await page.evaluate(() => window.precis.flush())

  const help = `${collector.url}/demo/help.html`
  await expect
    .poll(() => pageViews().map((r) => body(r).properties.search))
    .toEqual(['', '?topic=shipping', '?topic=returns', '?topic=shipping'])
  expect(pageViews().map((r) => body(r).properties.referrer)).toEqual([
    '',
    help,
    `${help}?topic=shipping`,
    `${help}?topic=returns`,
  ])
  // Each page view left for another reported its engagement.
  expect(named('Page Engagement')).toHaveLength(3)
  expect(named('Help Rated').map((r) => body(r).properties)).toEqual([{ helpful: 'yes' }])
})

const ownerPage = (collectorUrl: string, attributes = '') => `<!doctype html>
<html lang="en"><head><title>Owner</title>
<script>${SNIPPET}</script>
<script async src="${collectorUrl}/p.js" data-site="demo" ${attributes}></script>
</head><body>
<h1>Welcome</h1>
<a id="out" href="https://partner.example/offer" onclick="return false">Partner offer</a>
<a href="/files/price-list.pdf" onclick="return false">Price list</a>
<a href="/next">Next page</a>
<button data-precis-event="Plan Chosen" data-precis-prop-plan="pro" data-precis-prop-billing-cycle="yearly">
  Choose <b>Pro</b></button>
<div data-precis-capture="off"><button>Not captured</button></div>
<form id="signup" name="signup" action="/signup" method="post" onsubmit="event.preventDefault()">
  <input name="email" aria-label="Email"><input type="password" name="pw" aria-label="Password">
  <button type="submit">Sign up</button>
</form>
<div style="height: 5000px"></div><p id="end">The end</p>
</body></html>`

test('clicks, downloads, outbound links, named elements, forms without values, scroll, vitals, campaign, session', async ({
  page,
}) => {
  site.page('/', ownerPage(collector.url, 'data-capture-forms="on"'))
  site.page('/next', ownerPage(collector.url, 'data-capture-forms="on"'))
  await page.goto(`${site.origin}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=g-123`)
  await page.waitForFunction(() => typeof window.precis.flush === 'function' && !('q' in window.precis))
  await page.evaluate(() => window.precis.consent.acceptAll())
  await page.getByRole('link', { name: 'Partner offer' }).click()
  await page.getByRole('link', { name: 'Price list' }).click()
  await page.getByRole('button', { name: 'Choose Pro' }).click()
  await page.getByRole('button', { name: 'Not captured' }).click()
  await page.getByLabel('Email').fill('ada-secret@example.com')
  await page.getByLabel('Password').fill('hunter2-secret')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.locator('#end').scrollIntoViewIfNeeded()
  // Web vitals are final once the page is hidden; wait until the chunk has measured something.
  await page.waitForFunction(() => performance.getEntriesByType('paint').length > 0)
  await page.getByRole('link', { name: 'Next page' }).click()
  await page.waitForFunction(() => typeof window.precis?.flush === 'function' && !('q' in window.precis))
  await page.evaluate(() => window.precis.flush())

  await expect.poll(() => named('Page Engagement').length).toBe(1)
  await expect.poll(() => pageViews().length).toBe(2)
  expect(body(named('Outbound Link Clicked')[0]!).properties).toEqual({
    url: 'https://partner.example/offer',
    text: 'Partner offer',
  })
  expect(body(named('File Downloaded')[0]!).properties).toMatchObject({
    extension: 'pdf',
    text: 'Price list',
  })
  expect(body(named('Plan Chosen')[0]!).properties).toEqual({ plan: 'pro', billingCycle: 'yearly' })
  expect(body(named('Form Submitted')[0]!).properties).toEqual({
    form_id: 'signup',
    form_name: 'signup',
    action: '/signup',
    method: 'post',
  })
  const clicked = named('Element Clicked').map((r) => body(r).properties.text)
  expect(clicked).toEqual(['Sign up', 'Next page'])
  const everything = collector
    .rows()
    .map((r) => r.payload)
    .join('\n')
  expect(everything).not.toContain('secret')
  expect(body(named('Page Engagement')[0]!).properties).toMatchObject({ scroll_depth: 100 })

  // The landing campaign and the session stay with every event, on the next page too.
  const rows = collector.rows()
  const campaign = { source: 'newsletter', medium: 'email', name: 'spring', gclid: 'g-123' }
  expect(rows.every((r) => JSON.stringify(body(r).context.campaign) === JSON.stringify(campaign))).toBe(true)
  expect(new Set(rows.map((r) => body(r).context.session.id)).size).toBe(1)
  expect(named('Session Started')).toHaveLength(1)
  expect(body(named('Session Started')[0]!).properties).toMatchObject({
    landing_page: `${site.origin}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=g-123`,
  })
  // One web vitals event for the page that was left, with the metrics Chromium measured.
  await expect.poll(() => named('Web Vitals').length).toBe(1)
  const vitals = body(named('Web Vitals')[0]!).properties
  expect(vitals).toMatchObject({ TTFB: expect.any(Number), FCP: expect.any(Number) })
})

test('each capture can be switched off on the script tag', async ({ page }) => {
  site.page('/', ownerPage(collector.url, 'data-capture-pageviews="off" data-capture-clicks="off"'))
  await page.goto(`${site.origin}/`)
  await page.waitForFunction(() => typeof window.precis.flush === 'function' && !('q' in window.precis))
  await page.evaluate(() => window.precis.consent.acceptAll())
  await page.getByRole('button', { name: 'Choose Pro' }).click()
  await page.evaluate(() => window.precis.track('By Hand'))
  await page.evaluate(() => window.precis.flush())
  await expect
    .poll(() => collector.rows().map((r) => r.name ?? r.type))
    .toEqual(['Session Started', 'By Hand'])
})
