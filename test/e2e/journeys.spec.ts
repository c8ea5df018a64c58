import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, demoSite, ROOT, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'
import { type SmtpCatcher, startSmtp } from '../support/smtp.ts'

// The demo shop's abandoned-cart journey in Chromium: a visitor who accepts, fills a cart and gives
// their address at checkout, then leaves, gets the reminder mail after the (shortened) delay, with
// the cart in it and an unsubscribe link; a visitor who buys gets none. Waits are for conditions.
let collector: Collector
let smtp: SmtpCatcher

type Site = { journeys: { key: string }[]; goals: unknown; messaging: unknown }
// The demo config's own journey, its delay shortened and without a holdout (every visitor is reached).
const demo = JSON.parse(readFileSync(join(ROOT, 'precis.config.json'), 'utf8')).sites[0] as Site
const cart = { ...demo.journeys.find((j) => j.key === 'abandoned-cart')!, delay: '2s', holdout: 0 }

test.beforeAll(async () => {
  smtp = await startSmtp()
  collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '50' },
    goals: demo.goals as Record<string, unknown>,
    destinations: [
      { key: 'mail', kind: 'email', smtp: smtp.url, from: 'Precis demo shop <shop@demo.example>' },
    ],
    journeys: [cart],
  })
})
test.afterAll(async () => {
  await collector?.stop()
  await smtp?.close()
})

/** Accepts, puts the tent in the cart, and types an address at checkout. */
const checkout = async (page: Page, email: string) => {
  await openDemo(page, collector.url, 'index.html')
  await page.evaluate(() => window.precis.consent.acceptAll())
  await openDemo(page, collector.url, 'product.html?sku=tent-2p')
  await page.locator('#add-to-cart').click()
  await openDemo(page, collector.url, 'cart.html')
  await page.getByLabel('Email for the receipt').fill(email)
  await page.getByLabel('Email for the receipt').press('Tab') // the address is given: a checkout started
}

const entries = async () => {
  const res = await fetch(`${collector.url}/admin/api/journeys/abandoned-cart/entries?site=demo`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  return (await res.json()).entries as { status: string; reason: string | null; userId: string }[]
}

test('a cart left at checkout brings the reminder mail; buying cancels it', async ({ browser }) => {
  expect(demoSite().journeys).toBeUndefined() // the process starts with this test's journey only
  const leaver = await browser.newPage()
  await checkout(leaver, 'leaver@example.com')
  await leaver.evaluate(() => window.precis.flush())
  await leaver.close() // leaves

  const mail = await smtp.waitFor((m) => m.to.includes('leaver@example.com'))
  expect(mail.parsed.subject).toMatch(/cart/i)
  expect(mail.parsed.text).toMatch(/tent/i)
  expect(mail.parsed.text).toContain(`${collector.url}/demo/cart.html`)
  expect(mail.header('list-unsubscribe')).toContain(`${collector.url}/v1/sites/demo/unsubscribe?t=`)

  const buyer = await browser.newPage()
  await checkout(buyer, 'buyer@example.com')
  await buyer.getByRole('button', { name: 'Place order' }).click()
  await expect(buyer.locator('#thanks')).toBeVisible()
  await buyer.evaluate(() => window.precis.flush())
  const buyerId = await collector.pseudonym('customer:buyer@example.com')
  await expect
    .poll(async () => (await entries()).find((e) => e.userId === buyerId))
    .toMatchObject({ status: 'exited', reason: 'unless' })
  expect(smtp.mails.filter((m) => m.to.includes('buyer@example.com'))).toEqual([])
  await buyer.close()
})
