import { expect, type Page, test } from '@playwright/test'
import { verifyProblem } from '../../collector/destinations/signature.ts'
import { type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import {
  adminCall,
  cells,
  fitsAPhone,
  noViolations,
  ownerAt,
  pageLoaded,
  watchPage,
} from '../support/dashboard-fixture.ts'
import { type Receiver, startReceiver } from '../support/receiver.ts'

// The destinations page in Chromium against the collector process and a real HTTP receiver: a
// webhook made in the page (its secret shown once, and the one that signs), a refusal kept as a
// dead letter on the page and replayed from it until delivered, an analyst reading without
// buttons, a change that keeps the secret, a stale save refused, and a delete asked twice; the
// last 24 hours drawn by the hour as the API counts them. Deliveries are waited for as conditions,
// never as time.
test.describe.configure({ mode: 'serial' })

const ANALYST = { email: 'ann@example.com', name: 'Ann', role: 'analyst', password: 'an analyst password' }
const CONSENT = { consent: { categoryPreferences: { necessary: true, analytics: true } } }

let collector: Collector
let receiver: Receiver
let secret = ''

test.beforeAll(async () => {
  receiver = await startReceiver()
  collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true', PRECIS_DELIVERY_POLL_MS: '50' },
  })
  expect((await admin('POST', '/admin/api/users', ANALYST)).status).toBe(201)
})
test.afterAll(async () => {
  await collector?.stop()
  await receiver?.close()
})

const asOwner = (page: Page, hash: string, heading: string) => ownerAt(page, collector.url, hash, heading)

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  adminCall(collector.url, method, path, body, headers)

/** One event through POST /v1/batch with the demo site's public write key, analytics granted. */
const send = async (messageId: string) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      batch: [
        {
          type: 'track',
          event: 'Order Completed',
          anonymousId: 'visitor-1',
          messageId,
          properties: { sku: 'S1' },
          context: CONSENT,
        },
      ],
    }),
  })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] })
}

/** The requests that reached the webhook carrying this event (batch 1: one event each). */
const arrivals = (messageId: string) =>
  receiver.received.filter((r) => r.path === '/hook' && JSON.parse(r.body).messageId === messageId)

const row = (page: Page, caption: string, text: string) =>
  page.getByRole('table', { name: caption, exact: true }).getByRole('row').filter({ hasText: text })

const figure = (page: Page, label: string) =>
  page.locator('#delivery-counts .tile').filter({ hasText: label }).locator('strong')

/** The deliveries answer's log: the last 24 hours by the hour, oldest first. */
interface LogHour {
  hour: string
  delivered: number
}

/** The refusal shown under a field, by the field's label. */
const fieldError = (page: Page, label: string) =>
  page
    .locator('.field')
    .filter({ has: page.getByLabel(label, { exact: true }) })
    .locator('.field-error')

test('an owner makes a webhook in the page: its secret is shown once, selected, and never again', async ({
  page,
}) => {
  await asOwner(page, '#/destinations', 'Destinations')
  await expect(page.getByText('This site has no destinations yet.')).toBeVisible()
  await page.getByRole('link', { name: 'New destination' }).click()
  await pageLoaded(page, 'New destination')
  await expect(page.getByLabel('Write key')).toBeHidden()
  await page.getByLabel('Key', { exact: true }).fill('crm')
  await page.getByLabel('Name', { exact: true }).fill('The CRM')
  await page.getByLabel('URL', { exact: true }).fill(`${receiver.url}/hook`)
  await expect(page.getByRole('checkbox', { name: 'Analytics' })).toBeChecked()
  await noViolations(page)
  await fitsAPhone(page)

  // Refused by the API: its message next to the field, and nothing saved.
  await page.getByLabel('Events per request').fill('500')
  await page.getByRole('button', { name: 'Create destination' }).click()
  await expect(page.getByText('Nothing was saved: please fix this first.')).toBeVisible()
  await expect(fieldError(page, 'Events per request')).toContainText('100')
  await expect(page.getByLabel('Events per request')).toHaveAttribute('aria-invalid', 'true')
  await expect(fieldError(page, 'URL')).toBeHidden()
  expect((await admin('GET', '/admin/api/destinations?site=demo')).body.destinations).toEqual([])

  await page.getByLabel('Events per request').fill('1')
  await page.getByRole('button', { name: 'Create destination' }).click()
  await pageLoaded(page, 'Destination crm created')
  await expect(page.getByText('Copy the signing secret now: it is not shown again.')).toBeVisible()
  const box = page.getByLabel('Signing secret', { exact: true })
  await expect(box).toHaveValue(/^whsec_/)
  await expect(box).toBeFocused()
  expect(
    await box.evaluate(
      (el: HTMLInputElement) => el.readOnly && el.selectionStart === 0 && el.selectionEnd === el.value.length,
    ),
  ).toBe(true)
  secret = await box.inputValue()
  await noViolations(page)

  await page.getByRole('link', { name: 'Done, I copied it' }).click()
  await pageLoaded(page, 'Destination crm')
  await expect(page.locator('#destination-settings')).toContainText('set (never shown)')
  await page.reload()
  await pageLoaded(page, 'Destination crm')
  expect(await page.content()).not.toContain(secret.slice(6))
  await page.goto(`${collector.url}/admin/#/destinations`)
  await pageLoaded(page, 'Destinations')
  expect(await cells(page, 'Destinations')).toEqual([
    [
      'The CRM (crm)',
      'Webhook',
      `${receiver.url}/hook`,
      'Analytics',
      'enabled',
      '0',
      '0',
      '0',
      'EditHistory',
    ],
  ])
  await fitsAPhone(page)
  expect(await page.content()).not.toContain(secret.slice(6))
})

test('a refused delivery shows as a dead letter; replayed from the page, it is delivered', async ({
  page,
}) => {
  test.setTimeout(60_000)
  await asOwner(page, '#/destinations/crm', 'Destination crm')
  await expect(page.getByRole('button', { name: 'Replay all dead letters' })).toBeDisabled()

  // One row's button.
  receiver.answer({ status: 410 })
  await send('dest-1')
  await receiver.until(() => arrivals('dest-1').length === 1)
  const [first] = arrivals('dest-1')
  expect(
    verifyProblem(secret, first!.headers as Record<string, string>, first!.body, Date.now()),
  ).toBeUndefined()
  await expect(row(page, 'Dead letters', 'dest-1')).toContainText('HTTP 410 Gone', { timeout: 15_000 })
  await expect(figure(page, 'Dead letters')).toHaveText('1', { timeout: 15_000 })
  await expect(page.locator('#delivery-log-totals')).toContainText('0 delivered, 0 retried, 1 dead letter,')
  await noViolations(page)
  await fitsAPhone(page)
  await page.getByRole('button', { name: 'Replay dest-1' }).click()
  await expect(page.locator('#replay-status')).toContainText('1 dead letter replayed')
  await receiver.until(() => arrivals('dest-1').length === 2)
  await expect(row(page, 'Recent deliveries', 'dest-1')).toContainText('delivered', { timeout: 15_000 })
  await expect(row(page, 'Dead letters', 'dest-1')).toHaveCount(0)
  await expect(figure(page, 'Delivered')).toHaveText('1', { timeout: 15_000 })
  await expect(figure(page, 'Dead letters')).toHaveText('0', { timeout: 15_000 })

  // Every dead letter at once.
  receiver.answer({ status: 410 })
  await send('dest-2')
  await receiver.until(() => arrivals('dest-2').length === 1)
  await expect(row(page, 'Dead letters', 'dest-2')).toContainText('HTTP 410 Gone', { timeout: 15_000 })
  await page.getByRole('button', { name: 'Replay all dead letters' }).click()
  await expect(page.locator('#replay-status')).toContainText('1 dead letter replayed')
  await receiver.until(() => arrivals('dest-2').length === 2)
  await expect(row(page, 'Recent deliveries', 'dest-2')).toContainText('delivered', { timeout: 15_000 })
  await expect(figure(page, 'Delivered')).toHaveText('2', { timeout: 15_000 })
  await expect(figure(page, 'Dead letters')).toHaveText('0', { timeout: 15_000 })
  await expect(page.getByRole('button', { name: 'Replay all dead letters' })).toBeDisabled()

  // The last 24 hours: both delivered on replay, drawn as stacked bars with a legend in words.
  const log = page.locator('#delivery-log')
  await expect(log.getByRole('heading', { name: 'Last 24 hours' })).toBeVisible()
  const totals = page.locator('#delivery-log-totals')
  await expect(totals).toContainText('2 delivered, 0 retried, 0 dead letters, ', { timeout: 15_000 })
  await expect(totals).toContainText(/median latency [\d,–]+ ms/)
  const chart = log.getByRole('img', { name: /^Deliveries by the hour they were queued/ })
  await expect(chart).toBeVisible()
  await expect(chart.locator('.legend')).toHaveText(['Delivered', 'Pending', 'Dead letters'])
  await expect(chart.locator('rect.state-delivered').first()).toBeVisible()
  await expect(chart.locator('rect.state-dead')).toHaveCount(0)
  await expect(log.getByRole('img', { name: /^Latency from queued to delivered/ })).toBeVisible()

  // Its table, one row an hour, says what the API says of the current hour.
  await log.getByText('The numbers by the hour (table)').click()
  const hours = log.getByRole('table', { name: 'Deliveries by the hour', exact: true })
  await expect(hours.locator('tbody tr')).toHaveCount(24)
  await expect(async () => {
    const answer = await admin('GET', '/admin/api/destinations/crm/deliveries?site=demo&limit=1')
    const current = (answer.body.log as LogHour[]).at(-1)!
    const hour = hours.locator('tbody tr').filter({ has: page.locator(`time[datetime="${current.hour}"]`) })
    await expect(hour.getByRole('cell').nth(1)).toHaveText(String(current.delivered), { timeout: 1000 })
  }).toPass({ timeout: 15_000 })
  await noViolations(page)
  await fitsAPhone(page)
})

test('an analyst reads destinations and deliveries without forms or buttons', async ({ page }) => {
  await watchPage(page)
  await page.goto(`${collector.url}/admin/`)
  await page.getByLabel('Email').fill(ANALYST.email)
  await page.getByLabel('Password', { exact: true }).fill(ANALYST.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(page.locator('#who')).toContainText('(analyst)')
  await page.goto(`${collector.url}/admin/#/destinations`)
  await pageLoaded(page, 'Destinations')
  expect((await cells(page, 'Destinations'))[0]).toEqual([
    'The CRM (crm)',
    'Webhook',
    `${receiver.url}/hook`,
    'Analytics',
    'enabled',
    '0',
    '2',
    '0',
    'History',
  ])
  await expect(page.getByRole('link', { name: 'New destination' })).toHaveCount(0)
  await page.getByRole('link', { name: 'The CRM (crm)' }).click()
  await pageLoaded(page, 'Destination crm')
  await expect(row(page, 'Recent deliveries', 'dest-2')).toContainText('delivered')
  await expect(page.getByRole('button')).toHaveText(['Sign out'])
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0)
  await page.goto(`${collector.url}/admin/#/destinations/crm/edit`)
  await expect(page.getByText('Your role can read destinations but not change them.')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Save destination' })).toHaveCount(0)
})

test('a change keeps the secret; a stale save is refused; a delete is asked twice', async ({ page }) => {
  await asOwner(page, '#/destinations/crm/edit', 'Edit destination crm')
  const secretBox = page.getByLabel('Signing secret', { exact: true })
  await expect(secretBox).toHaveValue('')
  await expect(secretBox).toHaveAccessibleDescription(/Set, and never shown/)
  // The address guard's refusal, beside the URL.
  await page.getByLabel('URL', { exact: true }).fill('ftp://crm.example')
  await page.getByRole('button', { name: 'Save destination' }).click()
  await expect(fieldError(page, 'URL')).toHaveText('must be an https URL')
  await expect(page.getByLabel('URL', { exact: true })).toHaveAccessibleDescription(/must be an https URL/)
  await page.getByLabel('URL', { exact: true }).fill(`${receiver.url}/hook`)
  await page.getByLabel('Name', { exact: true }).fill('CRM')
  await page.getByLabel('Fields sent').fill('event\nproperties.sku')
  await page.getByRole('button', { name: 'Save destination' }).click()
  await pageLoaded(page, 'Destination crm')
  await expect(page.locator('#destination-settings')).toContainText('event, properties.sku')
  await expect(page.locator('#destination-settings')).toContainText('set (never shown)')
  // The secret the page showed at the start still signs.
  await send('dest-3')
  await receiver.until(() => arrivals('dest-3').length === 1)
  const [third] = arrivals('dest-3')
  expect(JSON.parse(third!.body)).toEqual({
    type: 'track',
    messageId: 'dest-3',
    timestamp: expect.any(String),
    event: 'Order Completed',
    properties: { sku: 'S1' },
  })
  expect(
    verifyProblem(secret, third!.headers as Record<string, string>, third!.body, Date.now()),
  ).toBeUndefined()

  await page.getByRole('link', { name: 'Change history' }).click()
  await pageLoaded(page, 'Change history: destination crm')
  await expect(page.locator('main')).toContainText('properties.sku')
  expect(await page.content()).not.toContain(secret.slice(6))
  await page.getByRole('link', { name: '← Back' }).click()
  await pageLoaded(page, 'Destination crm')

  // Someone else saves meanwhile: this save is refused and saves nothing.
  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await pageLoaded(page, 'Edit destination crm')
  expect(
    (await admin('PATCH', '/admin/api/destinations/crm?site=demo', { batch: 2 }, { 'if-match': '*' })).status,
  ).toBe(200)
  await page.getByLabel('Name', { exact: true }).fill('Not saved')
  await page.getByRole('button', { name: 'Save destination' }).click()
  await expect(page.getByText('Someone else saved this site since you opened the page')).toBeVisible()
  const now = await admin('GET', '/admin/api/destinations/crm?site=demo')
  expect(now.body.config).toMatchObject({ name: 'CRM', batch: 2, hasSecret: true })
  await page.getByRole('button', { name: 'Load the newest version' }).click()
  await expect(page.getByLabel('Events per request')).toHaveValue('2')

  // Deleting asks first; cancelling keeps it.
  await page.getByRole('button', { name: 'Delete destination' }).click()
  await expect(page.getByRole('group', { name: 'Delete crm?' })).toBeVisible()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByRole('group', { name: 'Delete crm?' })).toBeHidden()
  await page.getByRole('button', { name: 'Delete destination' }).click()
  await page.getByRole('button', { name: 'Yes, delete crm' }).click()
  await pageLoaded(page, 'Destinations')
  await expect(page.getByText('This site has no destinations yet.')).toBeVisible()
  expect((await admin('GET', '/admin/api/destinations?site=demo')).body.destinations).toEqual([])
  expect(await page.evaluate(() => window.violations)).toEqual([])
})
