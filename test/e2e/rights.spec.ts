import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'

// A visitor downloads and deletes their own data from the preferences dialog.
let collector: Collector
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
  await expect.poll(() => collector.rows().filter((r) => r.anonymous_id === before).length).toBeGreaterThan(3)
  // The token the collector issued to this browser, once.
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem('precis.token')))
    .toMatch(/^[\w-]+\.[\w-]{32}$/)

  await page.getByRole('link', { name: 'Privacy choices' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  await expect(dialog.getByRole('heading', { name: 'Your data' })).toBeVisible()
  const download = page.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Download my data' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe('my-data.json')
  const data = JSON.parse(readFileSync((await file.path())!, 'utf8'))
  const stored = collector.rows().filter((r) => r.anonymous_id === before).length
  expect(data.events).toHaveLength(stored)
  expect(data.events.map((e: { event?: string }) => e.event)).toContain('Product Added')
  expect(data.profile.identifiers).toContainEqual({ kind: 'anonymous', value: before })

  // Deleting asks once more, then says it is done.
  await dialog.getByRole('button', { name: 'Delete my data' }).click()
  await dialog.getByRole('button', { name: 'Confirm: delete my data' }).click()
  await expect(dialog.getByRole('status').filter({ hasText: 'Your data was deleted.' })).toBeVisible()
  expect(collector.rows().filter((r) => r.anonymous_id === before)).toEqual([])
  const after = await page.evaluate(() => window.precis.user().anonymousId!)
  expect(after).not.toBe(before)

  // The visitor goes on, with consent as chosen, as a new anonymous visitor.
  await page.keyboard.press('Escape')
  await page.evaluate(() => window.precis.track('After Deletion'))
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => collector.rows().filter((r) => r.name === 'After Deletion').length).toBe(1)
  expect(collector.rows().find((r) => r.name === 'After Deletion')!.anonymous_id).toBe(after)
})

test('without a token (nothing granted) the dialog offers no download or deletion', async ({ page }) => {
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Preferences' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  await expect(dialog.getByRole('switch', { name: 'Analytics' })).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Download my data' })).toBeHidden()
})
