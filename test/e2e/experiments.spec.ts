import { type Browser, expect, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, demoSite, startCollector } from '../support/collector-process.ts'
import { signInWithToken } from '../support/dashboard-fixture.ts'
import { openDemo } from '../support/demo-page.ts'

// The demo's cta-color experiment (precis.config.json) with several visitors, each a fresh browser
// profile: exposures once per visitor, the change only for its variation. That the split follows
// the weights is the hash's property, tested against GrowthBook in sdk/rules/experiments.test.ts:
// here a few light contexts at a time, so a busy two-core machine passes it the first time.
let collector: Collector
test.afterEach(async () => {
  await collector?.stop()
})

const VISITORS = 12
const PRODUCT = 'product.html?sku=tent-2p'
/**
 * Several browsers at once on two cores are slow to decide: a longer hiding window keeps the test
 * about assignment and exposure, not about this machine's speed (the default is 300 ms).
 */
const patient = () => {
  const p = demoSite().personalization
  return { ...p, slots: { hero: { ...p.slots.hero, timeout: 3000 } } }
}

/** One visitor: accepts on a first page, then meets the experiment on the next ones. */
const visit = async (browser: Browser, i: number) => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openDemo(page, collector.url, PRODUCT)
    await page.evaluate(() => window.precis.consent.acceptAll())
    // Once decided, this page leaves the decision for the next one (it applies it before its first paint).
    await page.evaluate(() => window.precis.variant('cta-color'))
    await openDemo(page, collector.url, PRODUCT)
    const variation = await page.evaluate(() => window.precis.variant('cta-color'))
    const button = page.locator('#add-to-cart')
    await expect(button).toHaveAttribute('data-precis-ready', '')
    const green = await button.evaluate((b) => b.classList.contains('cta-green'))
    if (i % 3 === 0) await button.click() // some of them add to the cart: the goal
    await openDemo(page, collector.url, PRODUCT) // a visitor meets it again: no second exposure
    expect(await page.evaluate(() => window.precis.variant('cta-color'))).toBe(variation)
    const anonymousId = await page.evaluate(() => window.precis.user().anonymousId)
    await page.evaluate(() => window.precis.flush())
    return { variation, green, anonymousId }
  } finally {
    await context.close()
  }
}

test('each visitor is exposed once, only "green" changes the button, and the dashboard counts the same split', async ({
  browser,
  page,
}) => {
  // 12 visitors, 3 pages each, 2 browsers at a time: under a minute on 2 cores beside the other worker.
  test.setTimeout(120_000)
  collector = await startCollector({ personalization: patient() })
  const visitors: Awaited<ReturnType<typeof visit>>[] = []
  for (let i = 0; i < VISITORS; i += 2)
    visitors.push(...(await Promise.all([0, 1].map((k) => visit(browser, i + k)))))

  for (const v of visitors) expect(v.green).toBe(v.variation === 'green')
  const green = visitors.filter((v) => v.variation === 'green').length

  const exposures = () =>
    collector
      .rows()
      .filter((r) => r.name === 'Experiment Viewed')
      .map((r) => ({ id: r.anonymous_id, ...JSON.parse(r.payload).properties }))
  await expect.poll(() => exposures().length, { timeout: 15_000 }).toBe(VISITORS)
  const byVisitor = new Map(exposures().map((e) => [e.id, e.variation_id]))
  expect(byVisitor.size).toBe(VISITORS)
  for (const v of visitors) expect(byVisitor.get(await collector.pseudonym(v.anonymousId!))).toBe(v.variation)
  // The page where each visitor accepted was painted before the decision: late, not an exposure,
  // for the visitor's own variation.
  const late = collector
    .rows()
    .filter((r) => r.name === 'Experiment Late')
    .map((r) => ({ id: r.anonymous_id, ...JSON.parse(r.payload).properties }))
  expect(late.length).toBeGreaterThan(0)
  for (const l of late) {
    expect(l).toMatchObject({ experiment_id: 'cta-color', bucket_version: 0 })
    expect(l.variation_id).toBe(byVisitor.get(l.id))
  }

  // The dashboard counts the same people per variation.
  await page.goto(`${collector.url}/admin/#/experiments/cta-color`)
  await signInWithToken(page, ADMIN_TOKEN)
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
  const rows = await page
    .getByRole('table', { name: 'Users per variation', exact: true })
    .evaluate((t: HTMLTableElement) =>
      [...t.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => c.textContent)),
    )
  expect(rows.map((r) => [r[1], Number(r[3])])).toEqual([
    ['control', VISITORS - green],
    ['green', green],
  ])
})

test('a QA link shows a variation without logging it, and without personalization consent the control shows', async ({
  page,
}) => {
  collector = await startCollector({ personalization: patient() })
  await openDemo(page, collector.url, PRODUCT)
  await page.evaluate(() =>
    window.precis.consent.set({ analytics: true, personalization: false, marketing: false }),
  )
  await openDemo(page, collector.url, PRODUCT)
  expect(await page.evaluate(() => window.precis.variant('cta-color'))).toBe('control')
  await expect(page.locator('#add-to-cart')).not.toHaveClass(/cta-green/)

  await page.evaluate(() => window.precis.consent.acceptAll())
  await openDemo(page, collector.url, `${PRODUCT}&precis_exp=cta-color:green`)
  expect(await page.evaluate(() => window.precis.variant('cta-color'))).toBe('green')
  await expect(page.locator('#add-to-cart')).toHaveClass(/cta-green/)
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => collector.rows().filter((r) => r.name === 'Product Viewed').length).toBe(3)
  expect(collector.rows().filter((r) => r.name === 'Experiment Viewed')).toEqual([])
})
