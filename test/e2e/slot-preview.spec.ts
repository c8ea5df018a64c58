import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { CLEAN, findings, instrument, recordRequests } from '../audit/privacy-audit.ts'
import { type Collector, demoSite, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'

// Slots in Chromium: a preview link shows a variant to anyone, keeps and sends nothing; a variant
// without a segment goes to every visitor who accepts personalization, and to nobody else.
type Personalization = { slots: { hero: { variants: unknown[] } } } & Record<string, unknown>
const demo = demoSite().personalization as Personalization
const WELCOME = { heading: 'Something for everyone', text: 'New arrivals every week.' }
/** The demo's hero with a variant for everyone after the others, no holdout, a longer hiding window. */
const personalization = {
  ...demo,
  slots: {
    hero: {
      ...demo.slots.hero,
      holdout: 0,
      timeout: 3000,
      variants: [...demo.slots.hero.variants, { key: 'welcome', content: WELCOME }],
    },
  },
}

let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector({ personalization })
})
test.afterEach(async () => {
  await collector.stop()
})

const hero = (page: Page) => page.locator('[data-precis-slot="hero"]')
const BASELINE = 'Gear for the trail and the kitchen'

/** Resolves once p.js has taken the collector's config (and, with consent, the chunk has decided). */
const configured = (page: Page) => page.evaluate(() => window.precis.variant('cta-color'))

test('a preview link shows the variant to a visitor without consent; nothing is kept or sent', async ({
  context,
}) => {
  await instrument(context)
  const page = await context.newPage()
  const requests = recordRequests(page)
  /** Opens the home page with a preview; the audit's log is per page, so each is checked. */
  const look = async (preview: string, heading: string) => {
    await openDemo(page, collector.url, `index.html?precis_preview=${preview}`)
    await configured(page)
    await expect(hero(page).locator('h2')).toHaveText(heading)
    expect(await findings(page, requests, collector.url)).toEqual(CLEAN)
  }
  await look('hero:outdoor', 'Ready for the trail?')
  await expect(hero(page)).toHaveAttribute('data-precis-variant', 'outdoor')
  // Nobody is known to a preview: a template shows its fallback.
  await look('hero:pro', 'Welcome back, friend')
  // Unknown names are ignored: the baseline stays, undecided.
  await look('hero:nope,nope:outdoor', BASELINE)
  await expect(hero(page)).not.toHaveAttribute('data-precis-variant')
  await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
  expect(collector.rows()).toEqual([])
})

test('a preview link overrides what a personalized visitor would see, and logs nothing for the slot', async ({
  page,
}) => {
  await openDemo(page, collector.url, 'index.html')
  await page.evaluate(() => window.precis.consent.acceptAll())
  await openDemo(page, collector.url, 'index.html')
  await expect(hero(page).locator('h2')).toHaveText(WELCOME.heading)

  // The collector's config is held until the chunk has decided from the cached one: the chunk
  // must leave the previewed slot alone (hidden) until p.js shows the preview.
  let release = () => {}
  const held = new Promise<void>((done) => {
    release = done
  })
  await page.route('**/v1/sites/demo/config', async (route) => {
    await held
    await route.continue()
  })
  await page.goto(`${collector.url}/demo/index.html?precis_preview=hero:outdoor`)
  await page.waitForFunction(() => typeof window.precis.flush === 'function' && !('q' in window.precis))
  await configured(page)
  expect(await hero(page).getAttribute('data-precis-ready')).toBeNull()
  release()
  await expect(hero(page).locator('h2')).toHaveText('Ready for the trail?')
  await page.unroute('**/v1/sites/demo/config')
  // A click inside a slot the chunk watches is logged at once: this one is not watched.
  await hero(page).locator('p').click()
  await page.evaluate(() => {
    window.precis.track('Preview Done')
    return window.precis.flush()
  })
  // Only this page's events: the last page's impression may come while it is left.
  const names = () =>
    collector
      .rows()
      .filter((r) => JSON.parse(r.payload).context.page?.url.includes('precis_preview'))
      .map((r) => r.name)
  await expect.poll(names).toContain('Preview Done')
  expect(names().filter((n) => n?.startsWith('Slot'))).toEqual([])
  // `baseline` forces the baseline.
  await openDemo(page, collector.url, 'index.html?precis_preview=hero:baseline')
  await expect(hero(page)).toHaveAttribute('data-precis-variant', 'baseline')
  await expect(hero(page).locator('h2')).toHaveText(BASELINE)
})

test.describe('a variant without a segment', () => {
  const visit = async (context: BrowserContext, choose: (page: Page) => Promise<unknown>) => {
    const page = await context.newPage()
    const chunks: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('p-personalize')) chunks.push(r.url())
    })
    await openDemo(page, collector.url, 'index.html')
    await choose(page)
    await openDemo(page, collector.url, 'index.html')
    await configured(page)
    return { page, chunks }
  }

  test('goes to a fresh visitor who accepts personalization', async ({ context }) => {
    const { page } = await visit(context, (p) => p.evaluate(() => window.precis.consent.acceptAll()))
    await expect(hero(page)).toHaveAttribute('data-precis-variant', 'welcome')
    await expect(hero(page).locator('h2')).toHaveText(WELCOME.heading)
  })

  test('not to one who declines it', async ({ context }) => {
    const { page, chunks } = await visit(context, (p) =>
      p.evaluate(() =>
        window.precis.consent.set({ analytics: true, personalization: false, marketing: true }),
      ),
    )
    await expect(hero(page).locator('h2')).toHaveText(BASELINE)
    await expect(hero(page)).not.toHaveAttribute('data-precis-variant')
    expect(chunks).toEqual([])
    expect(await page.evaluate(() => localStorage.getItem('precis.personalize'))).toBeNull()
  })
})
