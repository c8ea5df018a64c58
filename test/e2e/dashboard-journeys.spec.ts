import { expect, type Page, test } from '@playwright/test'
import { type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import {
  adminCall,
  cells,
  fitsAPhone,
  noViolations,
  ownerAt,
  pageLoaded,
} from '../support/dashboard-fixture.ts'

// The journeys page in Chromium against the collector process: an email destination made in the
// destinations form (its SMTP URL written, never shown back), a journey made in the journey form
// (trigger with a condition, delay, unless, goal, template, holdout), listed, its results against
// the holdout and its entries (shoppers entered through the public API), edited, refusals shown
// beside their fields, read by an analyst without buttons, and deleted. Entries are waited for as
// conditions, never as time.
test.describe.configure({ mode: 'serial' })

const ANALYST = { email: 'ann@example.com', name: 'Ann', role: 'analyst', password: 'an analyst password' }
const MARKETING = { consent: { categoryPreferences: { necessary: true, analytics: true, marketing: true } } }
/** An SMTP server's URL: its password must never come back from the collector. */
const SMTP = 'smtp://shop:secret-pass@127.0.0.1:2525'
/** The journey as the form makes it. */
const CART = {
  key: 'cart',
  name: 'Abandoned cart',
  enabled: true,
  trigger: { event: 'Checkout Started', where: { 'properties.total': { $gt: 10 } } },
  delay: '1h',
  unless: { event: 'Order Completed' },
  goal: 'purchase',
  goalWindow: '7d',
  action: { destination: 'mail', template: 'abandoned-cart' },
  holdout: 0.5,
  reentry: 'again',
}

let collector: Collector

test.beforeAll(async () => {
  collector = await startCollector({
    goals: { purchase: { name: 'Purchase', event: 'Order Completed', revenue: 'revenue' } },
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '50' },
  })
  expect((await admin('POST', '/admin/api/users', ANALYST)).status).toBe(201)
})
test.afterAll(async () => {
  await collector?.stop()
})

const asOwner = (page: Page, hash: string, heading: string) => ownerAt(page, collector.url, hash, heading)

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  adminCall(collector.url, method, path, body, headers)

/** The refusal shown under a field, by the field's label. */
const fieldError = (page: Page, label: string) =>
  page
    .locator('.field')
    .filter({ has: page.getByLabel(label, { exact: true }) })
    .locator('.field-error')

/** Track events ([messageId, anonymousId, event, properties]) through POST /v1/batch, marketing granted. */
const send = async (...events: (readonly [string, string, string, Record<string, unknown>])[]) => {
  const batch = events.map(([messageId, anonymousId, event, properties]) => ({
    type: 'track',
    messageId,
    anonymousId,
    event,
    properties,
    context: MARKETING,
  }))
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch }),
  })
  expect(await res.json()).toMatchObject({ accepted: events.length, rejected: [] })
}

const JOURNEY = '/admin/api/journeys/cart'
type Entry = { entryId: string; group: string; status: string }
const entries = async () => (await admin('GET', `${JOURNEY}/entries?site=demo`)).body.entries as Entry[]

type Group = { entered: number; waiting: number; exited: number; converted: number }
type Results = { groups: { reached: Group; holdout: Group }; conversion: { absolute: { lift: number } } }
const results = async () => (await admin('GET', `${JOURNEY}/results?site=demo`)).body as unknown as Results

/** A difference of rates as the page writes it: 0.012 → "+1.20 pp". */
const points = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`

/** Sixteen shoppers: with half held out, both groups get some (all in one: 1 in 30,000). */
const SHOPPERS = Array.from({ length: 16 }, (_, i) => i + 1)

test('an email destination made in the form: its SMTP URL written, never shown back', async ({ page }) => {
  await asOwner(page, '#/destinations/new', 'New destination')
  await page.getByLabel('Kind').selectOption('email')
  for (const label of ['URL', 'Signing secret', 'Events per request', 'Fields sent', 'Fields hashed'])
    await expect(page.getByLabel(label, { exact: true })).toBeHidden()
  await expect(page.getByRole('group', { name: /Only events matching/ })).toBeHidden()
  await expect(page.getByLabel('SMTP server')).toHaveAttribute('type', 'password')
  // A mail needs the marketing purpose unless someone says otherwise.
  await expect(page.getByRole('checkbox', { name: 'Marketing' })).toBeChecked()
  await expect(page.getByRole('checkbox', { name: 'Analytics' })).not.toBeChecked()
  await page.getByLabel('Key', { exact: true }).fill('mail')
  await page.getByLabel('Name', { exact: true }).fill('Shop mail')
  await page.getByLabel('SMTP server').fill(SMTP)
  await page.getByLabel('From', { exact: true }).fill('nobody')
  await page.getByLabel('Own templates (JSON)').fill('{ not json')
  await noViolations(page)
  await fitsAPhone(page)

  // Refused: each message beside its field, and nothing saved.
  await page.getByRole('button', { name: 'Create destination' }).click()
  await expect(page.getByText('Nothing was saved: please fix this first.')).toBeVisible()
  await expect(fieldError(page, 'Own templates (JSON)')).toHaveText(/^must be a JSON object of templates/)
  await page.getByLabel('Own templates (JSON)').fill('')
  await page.getByRole('button', { name: 'Create destination' }).click()
  await expect(fieldError(page, 'From')).toContainText('must hold an address such as')
  await expect(page.getByLabel('From', { exact: true })).toHaveAttribute('aria-invalid', 'true')
  await expect(fieldError(page, 'SMTP server')).toBeHidden()
  expect((await admin('GET', '/admin/api/destinations?site=demo')).body.destinations).toEqual([])

  await page.getByLabel('From', { exact: true }).fill('Shop <news@shop.example>')
  await page.getByRole('button', { name: 'Create destination' }).click()
  await pageLoaded(page, 'Destination mail')
  const settings = page.locator('#destination-settings')
  await expect(settings).toContainText('SMTP serverset (never shown)')
  await expect(settings).toContainText('Shop <news@shop.example>')
  expect(await page.content()).not.toContain('secret-pass')
  const saved = (await admin('GET', '/admin/api/destinations/mail?site=demo')).body.config
  expect(saved).toEqual({
    key: 'mail',
    name: 'Shop mail',
    kind: 'email',
    enabled: true,
    purposes: ['marketing'],
    concurrency: 2,
    from: 'Shop <news@shop.example>',
    hasSmtp: true,
  })

  // Edited: the password field is empty ("unchanged") and, left so, keeps the stored URL.
  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await pageLoaded(page, 'Edit destination mail')
  await expect(page.getByLabel('SMTP server')).toHaveValue('')
  await expect(page.getByLabel('SMTP server')).toHaveAttribute('placeholder', 'unchanged')
  await page.getByLabel('Reply-To').fill('Help <help@shop.example>')
  await page.getByRole('button', { name: 'Save destination' }).click()
  await pageLoaded(page, 'Destination mail')
  await expect(settings).toContainText('Help <help@shop.example>')
  expect((await admin('GET', '/admin/api/destinations/mail?site=demo')).body.config).toMatchObject({
    replyTo: 'Help <help@shop.example>',
    hasSmtp: true,
  })
  await page.goto(`${collector.url}/admin/#/destinations`)
  await pageLoaded(page, 'Destinations')
  const listed = (await cells(page, 'Destinations'))[0]
  expect(listed?.slice(1, 4)).toEqual(['Email (SMTP)', 'Shop <news@shop.example>', 'Marketing'])
  expect(await page.content()).not.toContain('secret-pass')
})

test('a journey made in the form: listed, its results and entries as the API has them', async ({ page }) => {
  await asOwner(page, '#/journeys', 'Journeys')
  await expect(page.getByText('This site has no journeys yet.')).toBeVisible()
  await page.getByRole('link', { name: 'New journey' }).click()
  await pageLoaded(page, 'New journey')
  await page.getByLabel('Key', { exact: true }).fill('cart')
  await page.getByLabel('Name', { exact: true }).fill('Abandoned cart')
  await page.getByLabel('Trigger event').fill('Checkout Started')
  const trigger = page.getByRole('group', { name: /Trigger condition/ })
  await trigger.getByRole('button', { name: 'Add a condition' }).click()
  const rule = page.getByRole('group', { name: 'Trigger condition, rule 1' })
  await rule.getByLabel('Attribute').fill('properties.total')
  await rule.getByLabel('Operator').selectOption('$gt')
  await rule.getByLabel('Value').fill('10')
  await page.getByLabel('Delay', { exact: true }).fill('3 years')
  await page.getByLabel('Unless event').fill('Order Completed')
  await page.getByLabel('Goal', { exact: true }).selectOption('purchase')
  await expect(page.getByLabel('Destination')).toHaveValue('mail')
  await page.getByLabel('Template').selectOption('abandoned-cart')
  await page.getByLabel('Holdout').fill('0.9')

  // Refused: the delay and the holdout, each beside its field; nothing saved.
  await page.getByRole('button', { name: 'Create journey' }).click()
  await expect(page.getByText('Nothing was saved: please fix this first.')).toBeVisible()
  await expect(fieldError(page, 'Delay')).toHaveText(
    'must be a duration such as "30m", "1h", "2d" or "1w" (s, m, h, d, w; at most 365 days)',
  )
  await expect(page.getByLabel('Delay', { exact: true })).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByLabel('Delay', { exact: true })).toHaveAccessibleDescription(/must be a duration/)
  await expect(fieldError(page, 'Holdout')).toContainText('0.5')
  await expect(fieldError(page, 'Trigger event')).toBeHidden()
  await noViolations(page)
  await fitsAPhone(page)
  expect((await admin('GET', '/admin/api/journeys?site=demo')).body.journeys).toEqual([])

  await page.getByLabel('Delay', { exact: true }).fill('1h')
  await page.getByLabel('Holdout').fill('0.5')
  await page.getByRole('button', { name: 'Create journey' }).click()
  await pageLoaded(page, 'Abandoned cart')
  expect((await admin('GET', `${JOURNEY}?site=demo`)).body.config).toEqual(CART)
  const settings = page.locator('#journey-settings')
  await expect(settings).toContainText('Checkout Started (with a condition)')
  await expect(settings).toContainText('mail · abandoned-cart')
  await expect(settings).toContainText('purchase, within 7d')
  // Nobody yet: zeros, and a sentence saying so.
  expect((await cells(page, 'Reached and held out')).map((row) => row.slice(0, 8))).toEqual([
    ['Reached', '0', '0', '0', '0', '0', '0', '0'],
    ['Held out', '0', '0', '0', '0', '0', '0', '0'],
  ])
  await expect(page.locator('#journey-verdict')).toHaveText('Nobody has entered this journey yet.')
  await expect(page.getByRole('table', { name: 'Entries' })).toContainText('Nothing yet.')
  await noViolations(page)

  // Shoppers start checkouts (marketing granted; a small cart does not match the condition), and
  // one of them orders: the page shows what the API counts, in each group.
  await send(
    ...SHOPPERS.map((n) => [`cart-${n}`, `shopper-${n}`, 'Checkout Started', { total: 50 }] as const),
    ['small-1', 'shopper-99', 'Checkout Started', { total: 5 }],
  )
  await expect.poll(async () => (await entries()).length, { timeout: 15_000 }).toBe(SHOPPERS.length)
  await send(['order-1', 'shopper-1', 'Order Completed', { revenue: 30 }])
  await expect
    .poll(async () => (await entries()).find((e) => e.entryId === 'cart-1')?.status, { timeout: 15_000 })
    .toBe('exited')
  const r = await results()
  expect(r.groups.reached.entered + r.groups.holdout.entered).toBe(SHOPPERS.length)
  expect(r.groups.reached.converted + r.groups.holdout.converted).toBe(1)
  await page.reload()
  await pageLoaded(page, 'Abandoned cart')
  // Entered, waiting, sent, held, exited, skipped, converted: nothing is due for an hour.
  const counts = ({ entered, waiting, exited, converted }: Group) =>
    [entered, waiting, 0, 0, exited, 0, converted].map(String)
  expect((await cells(page, 'Reached and held out')).map((row) => row.slice(1, 8))).toEqual([
    counts(r.groups.reached),
    counts(r.groups.holdout),
  ])
  await expect(page.getByRole('figure')).toContainText('Relative lift of the reached over the held out')
  expect((await cells(page, 'Lift over the holdout'))[0]?.slice(0, 2)).toEqual([
    'Conversion rate',
    points(r.conversion.absolute.lift),
  ])
  await expect(page.locator('#journey-verdict')).toContainText('no difference from the holdout yet')
  const rows = await cells(page, 'Entries')
  expect(rows).toHaveLength(SHOPPERS.length)
  const ordered = rows.find((row) => row[0] === 'cart-1')
  const group = (await entries()).find((e) => e.entryId === 'cart-1')!.group
  expect(ordered?.slice(2, 4)).toEqual([group === 'holdout' ? 'held out' : 'reached', 'exited'])
  expect(ordered?.[7]).toBe('unless')
  expect(ordered?.[9]).toBe('30.00')

  // The status filter asks the API again; so does the method.
  await page.getByLabel('Status').selectOption('sent')
  await expect(page.getByRole('table', { name: 'Entries' })).toContainText('Nothing yet.')
  const entryRows = page.getByRole('table', { name: 'Entries' }).locator('tbody tr')
  await page.getByLabel('Status').selectOption('exited')
  await expect(entryRows).toHaveCount(1)
  await expect(entryRows).toContainText('cart-1')
  await page.getByLabel('Status').selectOption('waiting')
  await expect(entryRows).toHaveCount(SHOPPERS.length - 1)
  await page.getByLabel('Method').selectOption('fixed')
  await expect(page.locator('#journey-verdict')).toContainText('Fixed-horizon test: read it once')
  await noViolations(page)
  await fitsAPhone(page)

  await page.getByRole('link', { name: '← All journeys' }).click()
  await pageLoaded(page, 'Journeys')
  expect(await cells(page, 'Journeys')).toEqual([
    [
      'Abandoned cart (cart)',
      'Checkout Started (with a condition)',
      '1h',
      'Order Completed',
      'mail · abandoned-cart',
      'purchase',
      '50%',
      'enabled',
      String(SHOPPERS.length),
      'EditHistory',
    ],
  ])
  await noViolations(page)
  await fitsAPhone(page)
})

test('an analyst reads journeys, results and entries without forms or buttons', async ({ page }) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/`)
  await page.getByLabel('Email').fill(ANALYST.email)
  await page.getByLabel('Password', { exact: true }).fill(ANALYST.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.locator('#who')).toContainText('(analyst)')
  await page.getByRole('navigation').getByRole('link', { name: 'Journeys' }).click()
  await pageLoaded(page, 'Journeys')
  await expect(page.getByRole('link', { name: 'New journey' })).toHaveCount(0)
  expect((await cells(page, 'Journeys'))[0]?.at(-1)).toBe('History')
  await page.getByRole('link', { name: 'Abandoned cart (cart)' }).click()
  await pageLoaded(page, 'Abandoned cart')
  await expect(page.getByRole('table', { name: 'Entries' })).toContainText('cart-1')
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0)
  await page.goto(`${collector.url}/admin/#/journeys/cart/edit`)
  await expect(page.getByText('Your role can read journeys but not change them.')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Save journey' })).toHaveCount(0)
})

test('the journey edited (refusals beside their fields), then deleted when asked twice', async ({ page }) => {
  await asOwner(page, '#/journeys/cart/edit', 'Edit journey cart')
  await expect(page.getByLabel('Trigger event')).toHaveValue('Checkout Started')
  const rule = page.getByRole('group', { name: 'Trigger condition, rule 1' })
  await expect(rule.getByLabel('Attribute')).toHaveValue('properties.total')
  await expect(rule.getByLabel('Value')).toHaveValue('10')
  await expect(page.getByLabel('Delay', { exact: true })).toHaveValue('1h')
  await expect(page.getByLabel('Unless event')).toHaveValue('Order Completed')
  await expect(page.getByLabel('Goal', { exact: true })).toHaveValue('purchase')
  await expect(page.getByLabel('Template')).toHaveValue('abandoned-cart')
  await expect(page.getByLabel('Holdout')).toHaveValue('0.5')
  // "Who" only matters once a segment is chosen.
  await expect(page.getByLabel('Who')).toBeHidden()

  await page.getByLabel('Delay', { exact: true }).fill('3 years')
  await page.getByLabel('Trigger event').fill('')
  await page.getByRole('button', { name: 'Save journey' }).click()
  await expect(fieldError(page, 'Delay')).toContainText('must be a duration such as "30m"')
  await expect(fieldError(page, 'Trigger event')).toContainText('>=1 characters')
  expect((await admin('GET', `${JOURNEY}?site=demo`)).body.config).toMatchObject({
    trigger: { event: 'Checkout Started' },
    delay: '1h',
  })

  // Fixed: the messages go; a segment, no unless, a longer wait, paused.
  await page.getByLabel('Trigger event').fill('Checkout Started')
  await page.getByLabel('Delay', { exact: true }).fill('2d')
  await page.getByLabel('Unless event').fill('')
  await page.getByLabel('Segment', { exact: true }).selectOption('pro-member')
  await page.getByLabel('Who').selectOption('out')
  await page.getByLabel('Re-entry').selectOption('once')
  await page.getByRole('checkbox', { name: /Enabled/ }).uncheck()
  await page.getByRole('button', { name: 'Save journey' }).click()
  await pageLoaded(page, 'Abandoned cart')
  const settings = page.locator('#journey-settings')
  await expect(settings).toContainText('not in pro-member')
  await expect(settings).toContainText('nothing ends it early')
  await expect(settings).toContainText('paused')
  // toEqual: `unless: undefined` says it is gone.
  expect((await admin('GET', `${JOURNEY}?site=demo`)).body.config).toEqual({
    ...CART,
    enabled: false,
    segment: { key: 'pro-member', in: false },
    delay: '2d',
    unless: undefined,
    reentry: 'once',
  })

  await page.getByRole('link', { name: 'Change history' }).click()
  await pageLoaded(page, 'Change history: journey cart')
  await expect(page.locator('main')).toContainText('pro-member')

  // Deleting asks first; cancelling keeps it.
  await page.goto(`${collector.url}/admin/#/journeys/cart/edit`)
  await pageLoaded(page, 'Edit journey cart')
  await page.getByRole('button', { name: 'Delete journey' }).click()
  await expect(page.getByRole('group', { name: 'Delete cart?' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByRole('group', { name: 'Delete cart?' })).toBeHidden()
  await page.getByRole('button', { name: 'Delete journey' }).click()
  await page.getByRole('button', { name: 'Yes, delete cart' }).click()
  await pageLoaded(page, 'Journeys')
  await expect(page.getByText('This site has no journeys yet.')).toBeVisible()
  expect((await admin('GET', '/admin/api/journeys?site=demo')).body.journeys).toEqual([])
  expect(await page.evaluate(() => window.violations)).toEqual([])
})
