import { expect, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'

// A first run without PRECIS_ADMIN_TOKEN: the collector prints a one-time setup link; the dashboard
// says what to do instead of asking for a token, and the link creates the owner.
let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector({ env: { PRECIS_ADMIN_TOKEN: '' } })
})
test.afterAll(async () => {
  await collector?.stop()
})

const NOT_SET_UP =
  'The admin side is not set up yet: open the one-time setup link the collector printed when it started (npm start shows it while no user exists; a restart makes a new one), or start it with PRECIS_ADMIN_TOKEN set to a secret of at least 16 characters and sign in with that token.'

test('before anyone exists the dashboard says how to set it up; the setup link creates the owner once', async ({
  page,
}) => {
  await page.goto(`${collector.url}/admin/`)
  await expect(page.getByRole('alert')).toHaveText(NOT_SET_UP)
  await expect(page.getByLabel('Password')).toHaveCount(0)
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')

  await expect.poll(() => collector.log()).toMatch(/first run: create the owner of the dashboard at /)
  const link = /create the owner of the dashboard at (\S+) \(works once/.exec(collector.log())![1]!
  await page.goto(link)
  await page.getByLabel('Name').fill('Ada')
  await page.getByLabel('Email').fill('Ada@Example.com')
  await page.getByLabel('Password (12 characters or more)').fill('a long enough password')
  // The site list is held back until the link is opened again: the sign-in that asked for it must
  // not draw over the setup form when it arrives late (a race a busy machine once lost).
  let release = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let answered = false
  await page.route('**/admin/api/sites', async (route) => {
    await held
    const response = await route.fetch()
    await route.fulfill({ response })
    answered = true
  })
  await page.getByRole('button', { name: 'Create and sign in' }).click()
  await expect(page.locator('#who')).toHaveText('ada@example.com (owner)')
  // The link left the address bar, and is spent.
  expect(page.url()).not.toContain('setup=')
  await page.goto(link)
  await expect(page.getByLabel('Name')).toBeVisible()
  release()
  await expect.poll(() => answered).toBe(true)
  await page.unroute('**/admin/api/sites')
  await page.getByLabel('Name').fill('Mallory')
  await page.getByLabel('Email').fill('mallory@example.com')
  await page.getByLabel('Password (12 characters or more)').fill('another long password')
  await page.getByRole('button', { name: 'Create and sign in' }).click()
  await expect(page.getByRole('alert')).toContainText('this setup link was used')

  // Signing out ends the session; the password signs in again.
  await page.goto(`${collector.url}/admin/`)
  await expect(page.locator('#who')).toHaveText('ada@example.com (owner)')
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('Email').fill('ada@example.com')
  await page.getByLabel('Password').fill('not the password at all')
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.getByRole('alert')).toHaveText('wrong email or password')
  await page.getByLabel('Email').fill('ada@example.com')
  await page.getByLabel('Password').fill('a long enough password')
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.locator('#who')).toHaveText('ada@example.com (owner)')
})
