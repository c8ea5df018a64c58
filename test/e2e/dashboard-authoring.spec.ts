import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { type Collector, demoSite, startCollector } from '../support/collector-process.ts'
import { adminCall, cells, pageLoaded } from '../support/dashboard-fixture.ts'
import { openDemo } from '../support/demo-page.ts'

// The whole loop without a text editor, in Chromium against one collector process: an editor signs
// in with a password, makes a slot and an experiment in the dashboard, a fresh visitor of the demo
// shop gets both without any restart, and the results page counts the exposure. An analyst sees
// the same pages without forms; a save made from an old version is refused and saves nothing.
test.describe.configure({ mode: 'serial' })

const EDITOR = { email: 'eve@example.com', name: 'Eve', role: 'editor', password: 'an editor password' }
const ANALYST = { email: 'ann@example.com', name: 'Ann', role: 'analyst', password: 'an analyst password' }
const PRIVACY = { email: 'pia@example.com', name: 'Pia', role: 'privacy', password: 'a privacy password' }
const EXPERIMENT = 'cta-test'
const HEADING = 'Spring is here'

let collector: Collector
test.beforeAll(async () => {
  // The demo shop without its slot and experiment: the editor makes them.
  const demo = demoSite().personalization as Record<string, unknown>
  collector = await startCollector({ personalization: { ...demo, slots: {} }, experiments: [] })
  for (const user of [EDITOR, ANALYST, PRIVACY])
    expect((await admin('POST', '/admin/api/users', user)).status).toBe(201)
})
test.afterAll(async () => {
  await collector?.stop()
})

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  adminCall(collector.url, method, path, body, headers)

const signInAs = async (page: Page, user: typeof EDITOR) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/`)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password', { exact: true }).fill(user.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.locator('#who')).toContainText(`(${user.role})`)
}

const loaded = pageLoaded

const group = (page: Page, name: string) => page.getByRole('group', { name, exact: true })

test('an editor makes a slot and an experiment; a fresh visitor gets both at once; the results count the exposure', async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000)
  await signInAs(page, EDITOR)

  // A slot for everyone, no holdout, a patient hiding window (two busy cores).
  await page.goto(`${collector.url}/admin/#/slots`)
  await page.getByRole('link', { name: 'New slot' }).click()
  await loaded(page, 'New slot')
  await page.getByLabel('Name', { exact: true }).fill('hero')
  await page.getByLabel('Holdout (%)').fill('0')
  await page.getByLabel('Hiding window (ms)').fill('3000')
  await page.getByLabel('Goal event').fill('Product Added')
  const variant = page.getByRole('group', { name: 'Variant 1' })
  await variant.getByLabel('Key').fill('spring')
  await expect(variant.getByLabel('Shown to')).toHaveValue('')
  await variant.getByLabel('Heading').fill(HEADING)
  await variant.getByLabel('Text', { exact: true }).fill('Fresh gear for fresh air.')
  await page.getByRole('button', { name: 'Create slot' }).click()
  await loaded(page, 'Slot hero')

  // An experiment that turns the add-to-cart button green for half the visitors.
  await page.goto(`${collector.url}/admin/#/experiments`)
  await page.getByRole('link', { name: 'New experiment' }).click()
  await loaded(page, 'New experiment')
  await page.getByLabel('Experiment key').fill(EXPERIMENT)
  await page.getByLabel('Experiment name').fill('Green button')
  await page.getByLabel('Status').selectOption('running')
  const green = group(page, 'Variation 2')
  await green.getByLabel('Key', { exact: true }).fill('green')
  await green.getByLabel('Change').selectOption('class')
  await green.getByLabel('CSS selector').fill('#add-to-cart')
  await green.getByLabel('Class to add').fill('cta-green')
  await group(page, 'Goal 1').getByLabel('Event').fill('Product Added')
  await page.getByRole('button', { name: 'Create the experiment' }).click()
  await loaded(page, 'Green button')

  // A fresh visitor, no restart: accepts on the home page, then meets both.
  const context = await browser.newContext()
  const visitor = await context.newPage()
  await openDemo(visitor, collector.url, 'index.html')
  await visitor.evaluate(() => window.precis.consent.acceptAll())
  await visitor.evaluate((key) => window.precis.variant(key), EXPERIMENT)
  await openDemo(visitor, collector.url, 'index.html')
  const hero = visitor.locator('[data-precis-slot="hero"]')
  await expect(hero).toHaveAttribute('data-precis-variant', 'spring')
  await expect(hero.locator('h2')).toHaveText(HEADING)
  await openDemo(visitor, collector.url, 'product.html?sku=tent-2p')
  const variation = await visitor.evaluate((key) => window.precis.variant(key), EXPERIMENT)
  expect(['control', 'green']).toContain(variation)
  const button = visitor.locator('#add-to-cart')
  await expect(button).toHaveAttribute('data-precis-ready', '')
  expect(await button.evaluate((b) => b.classList.contains('cta-green'))).toBe(variation === 'green')
  await visitor.evaluate(() => window.precis.flush())
  await context.close()

  // The results page counts the visitor in their variation.
  await expect
    .poll(async () => (await admin('GET', `/admin/api/experiments?site=demo`)).body.experiments)
    .toEqual([expect.objectContaining({ key: EXPERIMENT, users: 1 })])
  await page.reload()
  await loaded(page, 'Green button')
  const rows = await cells(page, 'Users per variation')
  expect(rows.map(([, key, , users]) => [key, users])).toEqual([
    ['control', variation === 'control' ? '1' : '0'],
    ['green', variation === 'green' ? '1' : '0'],
  ])
})

test('an analyst reads the same pages without forms', async ({ page }) => {
  await signInAs(page, ANALYST)
  await page.goto(`${collector.url}/admin/#/experiments`)
  await loaded(page, 'Experiments')
  await expect(page.getByRole('link', { name: 'Green button' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'New experiment' })).toHaveCount(0)
  await page.goto(`${collector.url}/admin/#/experiments/${EXPERIMENT}/edit`)
  await expect(page.getByText('Your role can read experiments but not change them.')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Save the changes' })).toHaveCount(0)
  await page.goto(`${collector.url}/admin/#/slots/hero`)
  await loaded(page, 'Slot hero')
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Change history' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'People' })).toBeHidden()
})

test('a save made from an older version is refused with the 412 message and saves nothing', async ({
  page,
}) => {
  await signInAs(page, EDITOR)
  await page.goto(`${collector.url}/admin/#/segments/pro-member/edit`)
  await loaded(page, 'Edit segment pro-member')
  await expect(page.locator('#segment-preview')).toContainText('profiles match now')
  // Someone else renames it meanwhile.
  const current = await admin('GET', '/admin/api/segments/pro-member?site=demo')
  const theirs = await admin(
    'PATCH',
    '/admin/api/segments/pro-member?site=demo',
    { name: 'Pro plan' },
    { 'if-match': current.etag! },
  )
  expect(theirs.status).toBe(200)
  await page.getByLabel('Name', { exact: true }).fill('Professionals')
  await page.getByRole('button', { name: 'Save segment' }).click()
  const refusal = page.locator('[data-code="stale_version"]')
  await expect(refusal).toContainText(
    'Someone else saved this site since you opened the page, so nothing was saved.',
  )
  expect((await admin('GET', '/admin/api/segments/pro-member?site=demo')).body.config).toMatchObject({
    name: 'Pro plan',
  })
  await refusal.getByRole('button', { name: 'Load the newest version' }).click()
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Pro plan')
})

test('the history page shows who changed what, and restores an older version as the newest', async ({
  page,
}) => {
  await signInAs(page, EDITOR)
  await page.goto(`${collector.url}/admin/#/segments`)
  await loaded(page, 'Segments')
  await page.getByRole('link', { name: 'History of pro-member' }).click()
  await loaded(page, 'Change history: segment pro-member')
  const newest = page.getByRole('region', { name: /\(now\)$/ })
  await expect(newest).toContainText('by admin token')
  await expect(newest.getByRole('table')).toContainText('"Pro plan"')
  // The version the file seeded: restore it.
  const versions = (await admin('GET', '/admin/api/segments/pro-member/versions?site=demo')).body
    .versions as {
    version: number
  }[]
  const first = versions.at(-1)!.version
  await page.getByRole('button', { name: `Restore version ${first}` }).click()
  await expect(page.getByRole('status')).toContainText(`Version ${first} restored as the newest version.`)
  await expect(page.getByRole('region', { name: /\(now\)$/ })).toContainText('by eve@example.com')
  expect((await admin('GET', '/admin/api/segments/pro-member?site=demo')).body.config).toMatchObject({
    name: 'Pro members',
  })
})

test('an editor makes a goal; the editors and the history pass axe and fit a phone', async ({ page }) => {
  // Seven pages, each checked by axe: 12 s alone, more than 30 s on a busy machine.
  test.setTimeout(120_000)
  await signInAs(page, EDITOR)
  await page.goto(`${collector.url}/admin/#/goals`)
  await loaded(page, 'Goals')
  await page.getByRole('link', { name: 'New goal' }).click()
  await loaded(page, 'New goal')
  await page.getByLabel('Key', { exact: true }).fill('thanks')
  await page.getByLabel('Name', { exact: true }).fill('Reached the thank-you page')
  await page.getByLabel('It counts').selectOption('page')
  await expect(page.getByLabel('Event name')).toBeHidden()
  await page.getByLabel('Page path').fill('checkout/thanks')
  await page.getByRole('button', { name: 'Create goal' }).click()
  // The collector's refusal names the field; nothing is saved.
  await expect(page.getByRole('alert')).toContainText('must be a path starting with "/"')
  expect((await admin('GET', '/admin/api/goals/thanks?site=demo')).status).toBe(404)
  await page.getByLabel('Page path').fill('/checkout/thanks*')
  await page.getByRole('button', { name: 'Create goal' }).click()
  await loaded(page, 'Goals')
  expect((await admin('GET', '/admin/api/goals/thanks?site=demo')).body.config).toEqual({
    name: 'Reached the thank-you page',
    page: '/checkout/thanks*',
  })

  await page.setViewportSize({ width: 375, height: 800 })
  for (const [hash, heading] of [
    ['#/goals/thanks/edit', 'Edit goal thanks'],
    ['#/segments/new', 'New segment'],
    ['#/segments/outdoor-fan/edit', 'Edit segment outdoor-fan'],
    ['#/slots/new', 'New slot'],
    ['#/history/segments/pro-member', 'Change history: segment pro-member'],
    ['#/goals', 'Goals'],
    ['#/segments', 'Segments'],
  ]) {
    await page.goto(`${collector.url}/admin/${hash}`)
    await loaded(page, heading!)
    const found = (await new AxeBuilder({ page }).include('main').analyze()).violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    )
    expect(found, hash).toEqual([])
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      hash,
    ).toBe(true)
  }
})

test('a privacy officer reads the access log; an editor has no link to it', async ({ page }) => {
  expect((await admin('GET', '/admin/api/events?site=demo&limit=5')).status).toBe(200)
  await signInAs(page, PRIVACY)
  await page.getByRole('link', { name: 'Access log' }).click()
  await loaded(page, 'Access log')
  const rows = await cells(page, 'Reads of personal data')
  // The script's read, and the officer's own: the dashboard opens on the live events.
  expect(rows.map((r) => r.slice(1, 3))).toEqual(
    expect.arrayContaining([
      ['admin token', 'listed raw events'],
      ['pia@example.com', 'listed raw events'],
    ]),
  )
  await page.getByRole('button', { name: 'Sign out' }).click()
  await signInAs(page, EDITOR)
  await expect(page.getByRole('link', { name: 'Access log' })).toBeHidden()
})

test('a goal with a condition is made with the keyboard alone', async ({ page }) => {
  await signInAs(page, EDITOR)
  await page.goto(`${collector.url}/admin/#/goals/new`)
  await loaded(page, 'New goal')
  await page.getByLabel('Key', { exact: true }).focus()
  /** Named keys are pressed, anything else is typed. */
  const KEYS = new Set(['Tab', 'Enter'])
  const type = async (...keys: string[]) => {
    for (const key of keys) await (KEYS.has(key) ? page.keyboard.press(key) : page.keyboard.type(key))
  }
  // Key, name, description, "it counts", event name, then the condition builder's "Match".
  await type('signup', 'Tab', 'Signed up', 'Tab', 'Tab', 'Tab', 'Signed Up', 'Tab', 'Tab')
  await expect(page.getByRole('button', { name: 'Add a condition' })).toBeFocused()
  // Enter adds a row and puts the cursor in its first field.
  await type('Enter', 'plan', 'Tab', 'Tab', 'pro', 'Tab', 'Tab', 'Tab', 'Tab', 'revenue', 'Enter')
  await loaded(page, 'Goals')
  expect((await admin('GET', '/admin/api/goals/signup?site=demo')).body.config).toEqual({
    name: 'Signed up',
    event: 'Signed Up',
    where: { plan: 'pro' },
    revenue: 'revenue',
  })
})
