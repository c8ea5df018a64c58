import { readFileSync } from 'node:fs'
import { type APIRequestContext, expect, type Page, test } from '@playwright/test'
import { type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'

// A visitor downloads and deletes their own data from the preferences dialog.
let collector: Collector
/** The token this browser keeps (precis.token holds it with its renewal time and end). */
const heldToken = (page: Page) =>
  page.evaluate(() => (JSON.parse(localStorage.getItem('precis.token') ?? 'null') as { t: string } | null)?.t)
/** What the collector answers a download with this token: 200 while it is live, 403 once it is not. */
const exportStatus = async (request: APIRequestContext, token: string) =>
  (
    await request.post(`${collector.url}/v1/identity/export`, {
      data: { writeKey: DEMO_WRITE_KEY, token },
    })
  ).status()
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

test('download my data, then delete it: nothing of this browser stays, and it goes on as someone new', async ({
  page,
}) => {
  await openDemo(page, collector.url, 'product.html?sku=tent-2p')
  await page.getByRole('button', { name: 'Accept all' }).click()
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.evaluate(() => window.precis.flush())
  const before = await page.evaluate(() => window.precis.user().anonymousId!)
  // The collector keeps the browser's id only as a pseudonym.
  const stored = await collector.pseudonym(before)
  await expect.poll(() => collector.rows().filter((r) => r.anonymous_id === stored).length).toBeGreaterThan(3)
  // The token the collector issued to this browser, kept with its renewal time and end.
  await expect.poll(() => heldToken(page)).toMatch(/^~[\w-]{22}\.[\w-]{43}$/)

  await page.getByRole('link', { name: 'Privacy choices' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  await expect(dialog.getByRole('heading', { name: 'Your data' })).toBeVisible()
  const download = page.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Download my data' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe('my-data.json')
  const data = JSON.parse(readFileSync((await file.path())!, 'utf8'))
  expect(data.events).toHaveLength(collector.rows().filter((r) => r.anonymous_id === stored).length)
  expect(data.events.map((e: { event?: string }) => e.event)).toContain('Product Added')
  expect(data.profile.identifiers).toContainEqual({ kind: 'anonymous', value: stored })

  // Deleting asks once more, then says it is done.
  await dialog.getByRole('button', { name: 'Delete my data' }).click()
  await dialog.getByRole('button', { name: 'Confirm: delete my data' }).click()
  await expect(dialog.getByRole('status').filter({ hasText: 'Your data was deleted.' })).toBeVisible()
  expect(collector.rows().filter((r) => r.anonymous_id === stored)).toEqual([])
  const after = await page.evaluate(() => window.precis.user().anonymousId!)
  expect(after).not.toBe(before)

  // The visitor goes on, with consent as chosen, as a new anonymous visitor.
  await page.keyboard.press('Escape')
  await page.evaluate(() => window.precis.track('After Deletion'))
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => collector.rows().filter((r) => r.name === 'After Deletion').length).toBe(1)
  expect(collector.rows().find((r) => r.name === 'After Deletion')!.anonymous_id).toBe(
    await collector.pseudonym(after),
  )
})

test('without a token (nothing granted) the dialog offers no download or deletion', async ({ page }) => {
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Preferences' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  await expect(dialog.getByRole('switch', { name: 'Analytics' })).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Download my data' })).toBeHidden()
})

test('a dialog opened while the token is on its way shows the buttons when it arrives', async ({ page }) => {
  // The token's answer is held until the dialog is open: the order a slow network gives.
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  await page.route('**/v1/identity/token', async (route) => {
    await released
    await route.continue()
  })
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Accept all' }).click()
  await page.evaluate(() => window.precis.flush())
  await page.getByRole('link', { name: 'Privacy choices' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  await expect(dialog.getByRole('switch', { name: 'Analytics' })).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Download my data' })).toBeHidden()
  release()
  await expect(dialog.getByRole('button', { name: 'Download my data' })).toBeVisible()
})

test('withdrawing analytics gives the token back: the collector refuses it from then on', async ({
  page,
  request,
}) => {
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Accept all' }).click()
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => heldToken(page)).toBeTruthy()
  const token = (await heldToken(page))!
  // The token names the pseudonym the browser's id is stored as.
  const stored = token.slice(0, token.lastIndexOf('.'))
  expect(stored).toBe(await collector.pseudonym(await page.evaluate(() => window.precis.user().anonymousId!)))
  await expect.poll(() => collector.rows().filter((r) => r.anonymous_id === stored).length).toBeGreaterThan(0)
  expect(await exportStatus(request, token)).toBe(200)

  const revoked = page.waitForResponse((res) => res.url().endsWith('/v1/identity/revoke'))
  await page.getByRole('link', { name: 'Privacy choices' }).click()
  await page.getByRole('switch', { name: 'Analytics' }).uncheck()
  await page.getByRole('button', { name: 'Save choices' }).click()
  expect((await revoked).status()).toBe(200)
  expect(await heldToken(page)).toBeUndefined()
  expect(await exportStatus(request, token)).toBe(403)
})

test("a page load past half the token's life trades it for a new one; the old one is refused", async ({
  page,
  request,
}) => {
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(() => heldToken(page)).toBeTruthy()
  const old = (await heldToken(page))!
  // As if two weeks and more had passed: the renewal time is behind us.
  await page.evaluate(() => {
    const held = JSON.parse(localStorage.getItem('precis.token')!)
    localStorage.setItem('precis.token', JSON.stringify({ ...held, r: Date.now() - 1 }))
  })
  const renewed = page.waitForResponse((res) => res.url().endsWith('/v1/identity/token/renew'))
  await page.reload()
  expect((await renewed).status()).toBe(200)
  await expect.poll(() => heldToken(page)).not.toBe(old)
  const fresh = (await heldToken(page))!
  expect(fresh.slice(0, fresh.lastIndexOf('.'))).toBe(old.slice(0, old.lastIndexOf('.')))
  expect(await exportStatus(request, old)).toBe(403)
  expect(await exportStatus(request, fresh)).not.toBe(403)
})
