import { expect, type Page, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'

let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

declare global {
  interface Window {
    precis: import('../../sdk/core/precis.ts').Precis
  }
}

/** Opens a demo page and waits until the SDK has loaded and fetched its site config. */
const openDemo = async (page: Page, path: string) => {
  const config = page.waitForResponse((res) => res.url().endsWith('/v1/sites/demo/config'))
  await page.goto(`${collector.url}/demo/${path}`)
  await config
  await page.waitForFunction(() => typeof window.precis.flush === 'function' && !('q' in window.precis))
}

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
  expect(outsideDemo.sort()).toEqual(['/p.js', '/v1/sites/demo/config'])
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
  const bodies = batchResponses(page)
  await openDemo(page, 'product.html?sku=tent-2p')
  await page.evaluate(() => window.precis.consent.set({ analytics: true }))
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.evaluate(() => window.precis.flush())

  await expect.poll(() => collector.rows().length).toBe(3)
  const rows = collector.rows()
  expect(rows.map((r) => [r.type, r.name])).toEqual([
    ['page', null],
    ['track', 'Product Viewed'],
    ['track', 'Product Added'],
  ])
  expect(new Set(rows.map((r) => r.message_id)).size).toBe(3)
  const anonymousId = await page.evaluate(() => window.precis.user().anonymousId)
  expect(rows.every((r) => r.anonymous_id === anonymousId)).toBe(true)
  const viewed = JSON.parse(rows[1]!.payload)
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
  expect(collector.rows()).toHaveLength(3)

  // The next page load remembers the choice and the visitor, and sends its page view by itself.
  await openDemo(page, 'cart.html')
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => collector.rows().length).toBe(5)
  expect(
    collector
      .rows()
      .slice(3)
      .map((r) => [r.type, r.name, r.anonymous_id]),
  ).toEqual([
    ['page', null, anonymousId],
    ['track', 'Cart Viewed', anonymousId],
  ])
})

test('events still waiting when the visitor leaves are sent on pagehide', async ({ page }) => {
  await openDemo(page, 'index.html')
  await page.evaluate(() => window.precis.consent.acceptAll())
  // Batches flush after 2 s; leave at once, so only the pagehide flush can deliver these.
  await page.evaluate(() => window.precis.track('Newsletter Signed Up', { list: 'weekly' }))
  await page.goto('about:blank')
  await expect.poll(() => collector.rows().map((r) => r.name)).toEqual([null, 'Newsletter Signed Up'])
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
