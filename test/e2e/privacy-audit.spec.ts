import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { CLEAN, findings, instrument, recordRequests } from '../audit/privacy-audit.ts'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'

// The privacy audit of the demo shop, in a fresh browser profile, without and with Global
// Privacy Control.
let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

const afterChoice = { cookies: ['precis_consent'], requests: [/\/v1\/consent$/] }

for (const gpc of [false, true]) {
  test.describe(gpc ? 'with GPC' : 'without GPC', () => {
    const open = async (context: BrowserContext) => {
      await instrument(context)
      if (gpc) {
        await context.addInitScript(() =>
          Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
        )
      }
      const page = await context.newPage()
      return { page, requests: recordRequests(page) }
    }
    const visit = async (page: Page, path: string) => {
      await page.goto(`${collector.url}/demo/${path}`)
      await page.waitForFunction(() => typeof window.precis?.flush === 'function' && !('q' in window.precis))
      await page.evaluate(() => window.precis.flush())
    }

    test('before any click: only the script, its banner and its config; no cookie, no storage', async ({
      context,
    }) => {
      const { page, requests } = await open(context)
      await visit(page, 'product.html?sku=tent-2p')
      await expect(page.getByRole('button', { name: 'Reject all' })).toBeVisible()
      expect(await findings(page, requests, collector.url)).toEqual(CLEAN)
      expect(collector.rows()).toEqual([])
    })

    test('after Reject all, three more pages stay clean', async ({ context }) => {
      const { page, requests } = await open(context)
      await visit(page, 'index.html')
      await page.getByRole('button', { name: 'Reject all' }).click()
      for (const path of ['outdoor.html', 'product.html?sku=knife-c', 'cart.html']) {
        await visit(page, path)
        await expect(page.getByRole('button', { name: 'Reject all' })).toBeHidden()
        expect(await findings(page, requests, collector.url, afterChoice)).toEqual(CLEAN)
      }
      expect(collector.rows()).toEqual([])
      expect(await page.evaluate(() => (window as { vendorTag?: unknown }).vendorTag)).toBeUndefined()
      // The refusal itself is on record in the proof-of-consent ledger.
      const id = await page.evaluate(() => window.precis.consent.get().id)
      const res = await fetch(`${collector.url}/admin/api/consent/${id}?site=demo`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      const { records } = (await res.json()) as {
        records: { source: string; gpc: boolean; purposes: object }[]
      }
      expect(records).toEqual([
        expect.objectContaining({
          source: 'banner',
          gpc,
          purposes: { necessary: true, analytics: false, personalization: false, marketing: false },
        }),
      ])
    })

    test('after Accept all, the analytics tag and the tracker run', async ({ context }) => {
      const { page } = await open(context)
      await visit(page, 'product.html?sku=tent-2p')
      await page.getByRole('button', { name: 'Accept all' }).click()
      await page.waitForFunction(() => (window as { vendorTag?: { loaded: boolean } }).vendorTag?.loaded)
      await page.evaluate(() => window.precis.flush())
      await expect
        .poll(() => collector.rows().map((r) => r.name ?? r.type))
        // The demo's cta-color experiment: this page was shown before the choice, so its
        // decision came late and is counted as such (docs/developers.md#late-decisions).
        .toEqual(['Session Started', 'page', 'Product Viewed', 'Experiment Late'])
      // GPC: "Accept all" leaves marketing off, so the partner video stays blocked.
      expect(await page.evaluate(() => window.precis.consent.get().purposes.marketing)).toBe(!gpc)
      const video = page.frameLocator('iframe[title="Product video"]')
      await expect(video.getByRole('button', { name: 'Allow Marketing' })).toHaveCount(gpc ? 1 : 0)
    })

    test('withdrawing removes the listed cookies and keys and sends nothing more', async ({ context }) => {
      const { page, requests } = await open(context)
      await visit(page, 'index.html')
      await page.getByRole('button', { name: 'Accept all' }).click()
      await page.waitForFunction(() => (window as { vendorTag?: { loaded: boolean } }).vendorTag?.loaded)
      await page.evaluate(() => localStorage.setItem('demo-cart', '[]')) // the shop's own: must stay
      const names = async () => ({
        cookies: (await context.cookies()).map((c) => c.name).sort(),
        keys: await page.evaluate(() => Object.keys(localStorage).sort()),
        databases: await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort()),
      })
      await expect.poll(names).toEqual({
        cookies: ['_vt_id', 'precis_consent'],
        keys: [
          'demo-cart',
          'precis.aid',
          'precis.first',
          'precis.personalize',
          'precis.session',
          'precis.token',
          'vt.session',
        ],
        databases: ['precis', 'precis-personalize'],
      })

      await page.getByRole('link', { name: 'Privacy choices' }).click()
      await page.getByRole('switch', { name: 'Analytics' }).uncheck()
      await page.getByRole('switch', { name: 'Personalization' }).uncheck()
      await page.getByRole('button', { name: 'Save choices' }).click()
      await expect.poll(names).toEqual({ cookies: ['precis_consent'], keys: ['demo-cart'], databases: [] })
      // The tag already ran and cannot be stopped: the visitor is offered a reload.
      await expect(page.getByRole('button', { name: 'Reload' })).toBeVisible()

      await page.evaluate(() => window.precis.flush())
      const sent = requests.filter((r) => r.includes('/v1/batch')).length
      await page.evaluate(() => window.precis.track('After Withdrawal'))
      await page.evaluate(() => window.precis.flush())
      await visit(page, 'outdoor.html')
      expect(requests.filter((r) => r.includes('/v1/batch')).length).toBe(sent)
      expect(collector.rows().map((r) => r.name)).not.toContain('After Withdrawal')
    })
  })
}
