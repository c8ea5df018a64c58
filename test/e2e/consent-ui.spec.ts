import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { SNIPPET, type StaticSite, startStaticSite } from '../support/static-site.ts'

let collector: Collector
test.afterEach(async () => {
  await collector.stop()
})

const openDemo = async (page: Page, path = 'index.html') => {
  await page.goto(`${collector.url}/demo/${path}`)
  await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
}

const seriousViolations = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)

test.describe('banner and preferences', () => {
  test.beforeEach(async () => {
    collector = await startCollector()
  })

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`axe finds no serious or critical violation (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme })
      await openDemo(page)
      expect(await seriousViolations(page)).toEqual([])
      await page.getByRole('button', { name: 'Preferences' }).click()
      await expect(page.getByRole('dialog', { name: 'Privacy preferences' })).toBeVisible()
      expect(await seriousViolations(page)).toEqual([])
    })
  }

  test('first layer: accept, reject and preferences are equal buttons; nothing is pre-ticked', async ({
    page,
  }) => {
    await openDemo(page)
    const boxes = await Promise.all(
      ['Accept all', 'Reject all', 'Preferences'].map(async (name) => {
        const button = page
          .getByRole('dialog', { name: 'Your privacy choices' })
          .getByRole('button', { name })
        const box = (await button.boundingBox())!
        const style = await button.evaluate((el) => {
          const s = getComputedStyle(el)
          return `${s.backgroundColor} ${s.color} ${s.fontSize} ${s.fontWeight} ${s.borderWidth}`
        })
        return { width: Math.round(box.width), height: Math.round(box.height), style }
      }),
    )
    expect(new Set(boxes.map((b) => JSON.stringify(b))).size).toBe(1)
    await page.getByRole('button', { name: 'Preferences' }).click()
    for (const name of ['Analytics', 'Personalization', 'Marketing']) {
      await expect(page.getByRole('switch', { name })).not.toBeChecked()
    }
    await expect(page.getByRole('switch', { name: /Necessary/ })).toBeChecked()
    await expect(page.getByRole('switch', { name: /Necessary/ })).toBeDisabled()
    // Services are listed under their purpose.
    await expect(
      page.getByText('Vendor analytics (demo tag): A stand-in third-party analytics tag.'),
    ).toBeVisible()
  })

  test('works with the keyboard alone: focus moves in, is trapped, Esc closes, focus returns', async ({
    page,
  }) => {
    await openDemo(page)
    const focused = () =>
      page.evaluate(() => {
        const el = document.querySelector('#precis-consent')?.shadowRoot?.activeElement
        return el?.getAttribute('aria-label') ?? el?.getAttribute('role') ?? el?.textContent
      })
    expect(await focused()).toBe('dialog') // the banner itself
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('Accept all')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('Preferences')
    await page.keyboard.press('Enter')
    expect(await focused()).toBe('switch')
    await page.keyboard.press('Space') // analytics on
    // Shift+Tab from the first control of the dialog wraps to its last one.
    await page.keyboard.press('Shift+Tab')
    expect(await focused()).toBe('Close')
    await page.keyboard.press('Shift+Tab')
    expect(await focused()).toBe('Reject all')
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('Close')
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog', { name: 'Privacy preferences' })).toBeHidden()
    expect(await focused()).toBe('Preferences')
    // Open again and save with the keyboard.
    await page.keyboard.press('Enter')
    await page.keyboard.press('Space')
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab') // personalization, marketing, save
    expect(await focused()).toBe('Save choices')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => window.precis.consent.get())).toMatchObject({
      source: 'preferences',
      purposes: { analytics: true, personalization: false, marketing: false },
    })
    await expect(page.getByRole('dialog', { name: 'Your privacy choices' })).toBeHidden()
  })

  test('the banner does not shift the page layout', async ({ page }) => {
    await openDemo(page)
    const footer = () => page.locator('footer').boundingBox()
    const withBanner = await footer()
    // The host element takes no room: every part of the UI is a fixed overlay.
    expect(await page.locator('#precis-consent').evaluate((el) => el.getBoundingClientRect().height)).toBe(0)
    await page.evaluate(() => {
      ;(window as { shifts?: number }).shifts = 0
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          ;(window as { shifts?: number }).shifts! += (entry as unknown as { value: number }).value
        }
      }).observe({ type: 'layout-shift' })
    })
    await page.getByRole('button', { name: 'Preferences' }).click()
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'Reject all' }).click()
    expect(await page.evaluate(() => (window as { shifts?: number }).shifts)).toBe(0)
    await page.evaluate(() => document.querySelector('#precis-consent')?.remove())
    expect(await footer()).toEqual(withBanner)
  })

  test('Consent Mode v2: denied by default, then an update and a dataLayer event on each change', async ({
    page,
  }) => {
    await openDemo(page)
    // gtag() entries are `arguments` objects: turned into arrays to compare.
    const layer = () =>
      page.evaluate(() =>
        (window as unknown as { dataLayer: unknown[] }).dataLayer.map((e) =>
          e && typeof e === 'object' && 'length' in e ? Array.from(e as ArrayLike<unknown>) : e,
        ),
      )
    const denied = {
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      personalization_storage: 'denied',
    }
    expect(await layer()).toEqual([['consent', 'default', { ...denied, wait_for_update: 500 }]])
    await page.getByRole('button', { name: 'Accept all' }).click()
    expect((await layer()).slice(1)).toEqual([
      [
        'consent',
        'update',
        {
          ...denied,
          ad_storage: 'granted',
          ad_user_data: 'granted',
          ad_personalization: 'granted',
          analytics_storage: 'granted',
          personalization_storage: 'granted',
        },
      ],
      {
        event: 'precis.consent',
        precisConsent: { necessary: true, analytics: true, personalization: true, marketing: true },
      },
    ])
    // A returning visitor's stored choice is applied right after the default.
    await page.reload()
    await page.waitForFunction(() => typeof window.precis?.flush === 'function' && !('q' in window.precis))
    const again = await layer()
    expect(again[1]).toEqual(expect.arrayContaining(['consent', 'update']))
  })

  test('precis.consent.open() and any data-precis-consent-open element open the preferences', async ({
    page,
  }) => {
    await openDemo(page)
    await page.getByRole('button', { name: 'Reject all' }).click()
    await page.evaluate(() => window.precis.consent.open())
    await expect(page.getByRole('dialog', { name: 'Privacy preferences' })).toBeVisible()
    await page.keyboard.press('Escape')
    await page.getByRole('link', { name: 'Privacy choices' }).click()
    await expect(page.getByRole('dialog', { name: 'Privacy preferences' })).toBeVisible()
  })
})

test.describe('languages and wording', () => {
  let site: StaticSite
  test.afterEach(async () => {
    await site.stop()
  })

  const pageIn = (lang: string) => `<!doctype html><html lang="${lang}"><head><title>t</title>
<script>${SNIPPET}</script>
<script async src="${collector.url}/p.js" data-site="demo"></script></head><body><p>hello</p></body></html>`

  test('Simplified Chinese from the page language; English otherwise', async ({ page }) => {
    site = await startStaticSite()
    collector = await startCollector({ allowedOrigins: [site.origin] })
    site.page('/zh', pageIn('zh-CN'))
    site.page('/en', pageIn('en-GB'))
    await page.goto(`${site.origin}/zh`)
    await expect(page.getByRole('button', { name: '全部拒绝' })).toBeVisible()
    await expect(page.getByRole('dialog', { name: '您的隐私选择' })).toBeVisible()
    await page.goto(`${site.origin}/en`)
    await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
  })

  test('the site config can force a language and override any string', async ({ page }) => {
    site = await startStaticSite()
    collector = await startCollector({
      allowedOrigins: [site.origin],
      consent: { language: 'zh-CN', strings: { 'zh-CN': { acceptAll: '同意全部' } } },
    })
    site.page('/en', pageIn('en'))
    await page.goto(`${site.origin}/en`)
    await expect(page.getByRole('button', { name: '同意全部' })).toBeVisible()
    await expect(page.getByRole('button', { name: '全部拒绝' })).toBeVisible()
  })
})

test.describe('opt-out mode (US-style)', () => {
  for (const gpc of [false, true]) {
    test(`purposes are on until refused; GPC ${gpc ? 'on: marketing (sale/sharing) stays off' : 'off'}`, async ({
      page,
    }) => {
      collector = await startCollector({ consent: { mode: 'opt-out', services: [] }, experiments: [] })
      if (gpc) {
        await page.addInitScript(() =>
          Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
        )
      }
      await openDemo(page, 'product.html?sku=tent-2p')
      expect(await page.evaluate(() => window.precis.consent.get().purposes)).toEqual({
        necessary: true,
        analytics: true,
        personalization: true,
        marketing: !gpc,
      })
      await page.waitForFunction(() => (window as { vendorTag?: { loaded: boolean } }).vendorTag?.loaded)
      await page.evaluate(() => window.precis.flush())
      await expect
        .poll(() => collector.rows().map((r) => r.name ?? r.type))
        .toEqual(['Session Started', 'page', 'Product Viewed'])
      // Refusing still works, and stops what was allowed by default.
      await page.getByRole('button', { name: 'Reject all' }).click()
      expect(await page.evaluate(() => window.precis.consent.get().purposes.analytics)).toBe(false)
    })
  }
})
