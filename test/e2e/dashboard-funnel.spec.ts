import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import { cells, fitsAPhone, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// Funnels in Chromium: four scripted people (one who starts on a laptop and orders on a phone),
// and the funnel page shows what POST /admin/api/reports/funnel answers; the steps live in the
// address, the CSV is the API's, a click on a group filters, and the page fits a phone.
test.describe.configure({ mode: 'serial' })

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const BASIC = `Basic ${Buffer.from(`${DEMO_WRITE_KEY}:`).toString('base64')}`
const STEPS = [{ page: '/' }, { page: '/cart' }, { event: 'Order Completed' }]

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector()
})
test.afterAll(async () => {
  await collector?.stop()
})

let seq = 0
const start = Date.now() - 30 * 60_000
/** One device's visit: page views (a path) and events ({ event }), a minute apart. */
const visit = (
  device: string,
  items: (string | { event: string })[],
  options: { ua?: string; userId?: string; query?: string; at?: number } = {},
) => {
  const at = start + (options.at ?? 0)
  return items.map((item, i) => {
    const path = typeof item === 'string' ? item : '/cart'
    const context = {
      userAgent: options.ua ?? CHROME,
      page: { path, url: `https://shop.example${path}${i === 0 ? (options.query ?? '') : ''}`, referrer: '' },
      session: { id: `${device}-session` },
      consent: {
        categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
      },
      ...(options.query ? { campaign: { source: 'newsletter', medium: 'email', name: 'winter' } } : {}),
    }
    const base = {
      messageId: `funnel-e2e-${++seq}`,
      anonymousId: device,
      ...(options.userId ? { userId: options.userId } : {}),
      timestamp: new Date(at + i * 60_000).toISOString(),
      context,
    }
    return typeof item === 'string'
      ? { ...base, type: 'page', name: path, properties: { path } }
      : { ...base, type: 'track', event: item.event, properties: { revenue: 40 } }
  })
}

const send = async (batch: Record<string, unknown>[]) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
  })
  expect(await res.json()).toMatchObject({ rejected: [] })
}

const funnel = async (body: Record<string, unknown>, format = '') => {
  const res = await fetch(`${collector.url}/admin/api/reports/funnel?site=demo${format}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
  return res
}

interface Step {
  step: number
  label: string
  people: number
  fromPrevious: number | null
  fromFirst: number | null
  dropOff: number
}
interface Answer {
  from: string
  to: string
  steps: Step[]
  groups: { value: string | null; steps: Step[] }[]
}

/** At 375 px the page never scrolls sideways. */

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`)

test('the funnel page shows what the funnel API answers, across devices', async ({ browser }) => {
  test.setTimeout(120_000)
  await send([
    ...visit('ann-laptop', ['/', '/cart', { event: 'Order Completed' }]),
    ...visit('ben-laptop', ['/', '/shoes', '/cart'], { query: '?utm_source=newsletter&utm_medium=email' }),
    // Carol looks on her laptop and orders on her phone, signed in on both.
    ...visit('carol-laptop', ['/', '/cart'], { userId: 'carol' }),
    ...visit('carol-phone', ['/cart', { event: 'Order Completed' }], {
      ua: IPHONE,
      userId: 'carol',
      at: 10 * 60_000,
    }),
    ...visit('dan-laptop', ['/shoes']),
  ])
  const body = { steps: STEPS, window: '1d', order: 'any', breakdown: 'channel', filter: [] }
  const answer = (await (await funnel(body)).json()) as Answer
  expect(answer.steps.map((s) => s.people)).toEqual([3, 3, 2])
  expect(answer.groups.map((g) => [g.value, g.steps.map((s) => s.people)])).toEqual([
    ['Direct', [2, 2, 2]],
    ['Email', [1, 1, 0]],
  ])

  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/#/funnel`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'Funnels')
  await expect(page.locator('#funnel-report')).toContainText('Give the steps')

  // Define the funnel: '/' (given), '/cart', then the order event; a day's window, by channel.
  await page.getByLabel('Step 2: kind').selectOption('page')
  await page.getByLabel('Step 2: page path').fill('/cart')
  await page.getByRole('button', { name: 'Add a step' }).click()
  await page.getByLabel('Step 3: kind').selectOption('event')
  await page.getByLabel('Step 3: event name').fill('Order Completed')
  await page.getByLabel('Window').selectOption('1d')
  await page.getByLabel('Break down by').selectOption('channel')
  await page.getByRole('button', { name: 'Show the funnel' }).click()
  await expect(page).toHaveURL(/step=page%3A%2Fcart/)
  await pageLoaded(page, 'Funnels')
  await expect(page.locator('#funnel-table')).toBeVisible()

  expect(await cells(page, 'People at each step')).toEqual(
    answer.steps.map((s, i) => [
      `${s.step}. ${s.label}`,
      String(s.people),
      i === 0 ? '–' : pct(s.fromPrevious),
      pct(s.fromFirst),
      i === 0 ? '–' : String(s.dropOff),
      expect.any(String),
    ]),
  )
  expect(await cells(page, 'By Channel')).toEqual(
    answer.groups.map((g) => [
      g.value ?? '(none)',
      ...g.steps.map((s) => String(s.people)),
      pct(g.steps[2]!.fromFirst),
    ]),
  )
  await expect(page.locator('figure.chart figcaption')).toContainText('People at each step')
  await expect(page.locator('figure.chart .hbar')).toHaveCount(3)
  await expect(page.locator('figure.chart .hbar .value')).toHaveText(['3', '3', '2'])

  // The CSV is what the API answers for the same question.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click(),
  ])
  const csv = await (await funnel({ ...body, from: answer.from, to: answer.to }, '&format=csv')).text()
  expect(await readFile((await download.path())!, 'utf8')).toBe(csv)

  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])
  await fitsAPhone(page)

  // A click on a channel keeps only its visits; the address carries the filter, and a shared
  // address opens the same funnel.
  await page.getByRole('table', { name: 'By Channel' }).getByRole('button', { name: 'Email' }).click()
  await expect(page).toHaveURL(/filter=channel%3AEmail/)
  await pageLoaded(page, 'Funnels')
  await expect(page.locator('#funnel-filters')).toContainText('channel: Email')
  await expect
    .poll(async () => (await cells(page, 'People at each step')).map((r) => r[1]))
    .toEqual(['1', '1', '0'])
  const shared = await context.newPage()
  await shared.goto(page.url())
  await signInWithToken(shared, ADMIN_TOKEN)
  await pageLoaded(shared, 'Funnels')
  await expect(shared.getByLabel('Step 3: event name')).toHaveValue('Order Completed')
  expect((await cells(shared, 'People at each step')).map((r) => r[1])).toEqual(['1', '1', '0'])
  await context.close()
})
