import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'

// A first run without PRECIS_ADMIN_TOKEN: the dashboard says what to do instead of refusing a token.
let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector({ env: { PRECIS_ADMIN_TOKEN: '' } })
})
test.afterAll(async () => {
  await collector?.stop()
})

test('without an admin token the dashboard says the admin side is not set up, and how to set it up', async ({
  page,
}) => {
  await page.goto(`${collector.url}/admin/`)
  await expect(page.getByRole('alert')).toHaveText(
    'The admin side is not set up: start the collector with PRECIS_ADMIN_TOKEN set to a secret of at least 16 characters, then sign in with it here.',
  )
  await expect(page.getByLabel('Admin token')).toHaveCount(0)
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
})
