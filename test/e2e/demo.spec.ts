import { existsSync, readFileSync } from 'node:fs'
import { expect, type Page, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { openDemo as openPage, watchCsp } from '../support/demo-page.ts'

let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

const openDemo = (page: Page, path: string) => openPage(page, collector.url, path)

const batchResponses = (page: Page) => {
  const bodies: string[] = []
  page.on('request', (req) => {
    if (req.url().endsWith('/v1/batch')) bodies.push(req.postData() ?? '')
  })
  return bodies
}

test('before consent the page sends nothing but the script and its config, and stores nothing', async ({
  page,
}) => {
  const requests: string[] = []
  page.on('request', (req) => requests.push(new URL(req.url()).pathname))
  await openDemo(page, 'product.html?sku=tent-2p')
  // The page called page() and track('Product Viewed'); make the SDK send whatever it would.
  await page.evaluate(() => window.precis.flush())

  const outsideDemo = requests.filter((path) => !path.startsWith('/demo/'))
  expect(outsideDemo.sort()).toEqual(['/p-consent.js', '/p.js', '/v1/sites/demo/config'])
  const storage = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    idb: (await indexedDB.databases()).map((db) => db.name),
  }))
  expect(storage).toEqual({ cookie: '', local: [], session: [], idb: [] })
  expect(collector.rows()).toEqual([])
})

test('after consent a page view and a track call are stored exactly once', async ({ page, request }) => {
  const violations = await watchCsp(page)
  const bodies = batchResponses(page)
  await openDemo(page, 'product.html?sku=tent-2p')
  await page.evaluate(() => window.precis.consent.set({ analytics: true }))
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.evaluate(() => window.precis.flush())

  // The click on the button is captured too, before the shop's own handler runs.
  await expect
    .poll(() => collector.rows().map((r) => r.name ?? r.type))
    .toEqual(['Session Started', 'page', 'Product Viewed', 'Element Clicked', 'Product Added'])
  const rows = collector.rows()
  expect(new Set(rows.map((r) => r.message_id)).size).toBe(5)
  // One visitor, kept only as the pseudonym of the browser's id: the id is in no database file.
  const browserId = (await page.evaluate(() => window.precis.user().anonymousId))!
  const anonymousId = await collector.pseudonym(browserId)
  expect(rows.every((r) => r.anonymous_id === anonymousId)).toBe(true)
  for (const file of [collector.dbPath, `${collector.dbPath}-wal`])
    if (existsSync(file)) expect(readFileSync(file).includes(browserId)).toBe(false)
  const viewed = JSON.parse(rows.find((r) => r.name === 'Product Viewed')!.payload)
  expect(viewed).toMatchObject({
    properties: { product_id: 'tent-2p', category: 'outdoor', price: 189 },
    context: {
      page: { path: '/demo/product.html', search: '?sku=tent-2p' },
      library: { name: 'precis' },
      consent: { categoryPreferences: { analytics: true, marketing: false } },
    },
  })

  // A retry of the same batch (as after a lost response) is acknowledged and not stored again.
  for (const body of bodies) {
    const res = await request.post(`${collector.url}/v1/batch`, {
      data: body,
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.status()).toBe(200)
  }
  expect(collector.rows()).toHaveLength(5)

  // The next page load remembers the choice, the visitor and the session. Leaving the product
  // page reported its engagement (and web vitals, where the browser had measured some).
  await openDemo(page, 'cart.html')
  await page.evaluate(() => window.precis.flush())
  const next = () =>
    collector
      .rows()
      .slice(5)
      .filter((r) => r.name !== 'Web Vitals')
  await expect
    .poll(() => next().map((r) => r.name ?? r.type))
    .toEqual(['Page Engagement', 'page', 'Cart Viewed'])
  expect(next().every((r) => r.anonymous_id === anonymousId)).toBe(true)
  const sessions = new Set(collector.rows().map((r) => JSON.parse(r.payload).context.session.id))
  expect(sessions.size).toBe(1)
  // The shop's strict policy (no inline script but the snippet by hash) held on every page.
  expect(await violations()).toEqual([])
})

test('events still waiting when the visitor leaves are sent on pagehide', async ({ page }) => {
  await openDemo(page, 'index.html')
  await page.evaluate(() => window.precis.consent.acceptAll())
  // Batches flush after 2 s; leave at once, so only the pagehide flush can deliver these.
  await page.evaluate(() => window.precis.track('Newsletter Signed Up', { list: 'weekly' }))
  await page.goto('about:blank')
  await expect
    .poll(() =>
      collector
        .rows()
        .filter((r) => r.name !== 'Web Vitals')
        .map((r) => r.name ?? r.type)
        .sort(),
    )
    // Sorted: the events may leave in more than one request, and those may arrive in any order.
    .toEqual(['Newsletter Signed Up', 'Page Engagement', 'Session Started', 'page'])
})

test('rejecting in the consent bar sends and stores nothing', async ({ page }) => {
  const bodies = batchResponses(page)
  await openDemo(page, 'product.html?sku=pan-28')
  await page.getByRole('button', { name: 'Reject all' }).click()
  await expect(page.getByRole('region', { name: 'Privacy choices' })).toBeHidden()
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.evaluate(() => window.precis.flush())
  expect(bodies).toEqual([])
  const state = await page.evaluate(() => ({
    consent: window.precis.consent.get().purposes,
    precisKeys: Object.keys(localStorage).filter((k) => k.startsWith('precis')),
  }))
  expect(state).toEqual({
    consent: { necessary: true, analytics: false, personalization: false, marketing: false },
    precisKeys: [],
  })
  expect(collector.rows()).toEqual([])
})
