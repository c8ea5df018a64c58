import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { adminCall, cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'
import { openDemo } from '../support/demo-page.ts'

// KPIs in Chromium: a visitor arrives from a newsletter campaign and orders twice, spend is
// uploaded as a CSV file (a bad file first, whose refusal names the row), and the KPI table shows
// what the API answers, CLV of the customer acquired included; the grouping lives in the address,
// and the page reads on a 375 px phone.
test.describe.configure({ mode: 'serial' })

// Headless Chromium names itself HeadlessChrome, which the collector counts as a bot.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector()
})
test.afterAll(async () => {
  await collector?.stop()
})

const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as T
}

interface Figures {
  visitors: number
  visits: number
  spend: number
  cpc: number | null
  acquired: number | null
  clv: number | null
  clvToCac: number | null
}
interface Kpis {
  currency: string | null
  totals: Figures
  rows: (Figures & { value: string | null })[]
}

const upload = async (page: Page, name: string, csv: string) => {
  await page.getByLabel('Spend CSV').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.getByRole('button', { name: 'Import', exact: true }).click()
}

const money = (x: number | null) =>
  x === null ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const times = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`)
const count = (x: number | null) => (x === null ? '–' : String(x))

test('uploads spend as CSV and shows the KPIs the API answers', async ({ browser }) => {
  test.setTimeout(120_000)
  // The revenue goal the KPIs count (the demo site has none).
  const goal = await adminCall(collector.url, 'POST', '/admin/api/goals?site=demo', {
    key: 'order',
    config: { name: 'Order', event: 'Order Completed', revenue: 'revenue' },
  })
  expect(goal.status, JSON.stringify(goal.body)).toBe(201)
  const visitor = await browser.newContext({ userAgent: CHROME })
  const shop = await visitor.newPage()
  await openDemo(shop, collector.url, 'index.html?utm_source=newsletter&utm_medium=email&utm_campaign=winter')
  await shop.evaluate(() => window.precis.consent.set({ analytics: true }))
  // Two orders in the visit: the first acquires the visitor for winter, both count in the CLV.
  await shop.evaluate(() => {
    window.precis.track('Order Completed', { revenue: 42 })
    window.precis.track('Order Completed', { revenue: 8 })
  })
  await shop.evaluate(() => window.precis.flush())
  await expect
    .poll(() => collector.rows().filter((r) => r.type === 'page').length, { timeout: 30_000 })
    .toBe(1)
  await expect
    .poll(() => collector.rows().filter((r) => r.name === 'Order Completed').length, { timeout: 30_000 })
    .toBe(2)
  await visitor.close()

  const page = await browser.newPage()
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/#/kpis`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'KPIs')

  const today = new Date().toISOString().slice(0, 10)
  // A refusal names the row and column; nothing of the file is stored.
  await upload(
    page,
    'bad.csv',
    `date,campaign,source,medium,cost,currency\n${today},winter,newsletter,email,12.345,EUR\n`,
  )
  await expect(page.locator('#kpis-upload-result')).toContainText(
    'Refused (invalid_body): row 1, column cost',
  )
  expect((await api<{ rows: unknown[] }>('/admin/api/spend?site=demo')).rows).toEqual([])

  await upload(
    page,
    'spend.csv',
    `date,campaign,source,medium,cost,currency\n${today},winter,newsletter,email,12.50,EUR\n${today},ghost,google,cpc,5,EUR\n`,
  )
  await expect(page.locator('#kpis-upload-result')).toContainText('Imported 2 rows for 1 days')
  await expect(page.locator('#kpis-report')).toHaveAttribute('aria-busy', 'false')
  const answer = await api<Kpis>('/admin/api/reports/kpis?site=demo')
  expect(answer.rows.map((r) => [r.value, r.visits, r.spend])).toEqual([
    ['winter', 1, 12.5],
    ['ghost', 0, 5],
  ])
  // CLV by hand: one customer acquired, 42 + 8 to date; CAC 12.50, so CLV:CAC 50 / 12.5.
  expect(answer.rows.map((r) => [r.value, r.acquired, r.clv, r.clvToCac])).toEqual([
    ['winter', 1, 50, 4],
    ['ghost', 0, null, null],
  ])
  const caption = 'Campaigns, amounts in EUR'
  await expect(page.getByRole('table', { name: caption, exact: true })).toContainText('ghost')
  expect(
    (await cells(page, caption)).map((r) => [r[0], r[1], r[2], r[7], r[8], r[12], r[13], r[14]]),
  ).toEqual(
    answer.rows.map((r) => [
      r.value ?? '(none)',
      String(r.visitors),
      String(r.visits),
      money(r.spend),
      money(r.cpc),
      count(r.acquired),
      money(r.clv),
      times(r.clvToCac),
    ]),
  )
  await expect(page.locator('#kpis-tiles')).toContainText('17.50 EUR')
  // The CLV tile: the totals' (17.50 of spend for one customer: 50 / 17.5 = 2.86×).
  expect(answer.totals).toMatchObject({ acquired: 1, clv: 50, clvToCac: 2.8571 })
  await expect(page.locator('#kpis-tiles')).toContainText(`${money(answer.totals.clv)} EUR`)
  await expect(page.locator('#kpis-tiles')).toContainText(`${times(answer.totals.clvToCac)} CAC`)

  // By channel: the choice lives in the address, and a shared address opens the same view.
  await page.getByLabel('By', { exact: true }).selectOption('channel')
  await expect(page).toHaveURL(/by=channel/)
  await pageLoaded(page, 'KPIs')
  const channels = await api<Kpis>('/admin/api/reports/kpis?site=demo&by=channel')
  expect((await cells(page, 'Channels, amounts in EUR')).map((r) => [r[0], r[7], r[12], r[13]])).toEqual(
    channels.rows.map((r) => [r.value ?? '(none)', money(r.spend), count(r.acquired), money(r.clv)]),
  )
  expect(channels.rows.find((r) => r.value === 'Email')).toMatchObject({ acquired: 1, clv: 50 })
  const phone = await browser.newContext({ userAgent: CHROME, viewport: { width: 375, height: 740 } })
  const shared = await phone.newPage()
  await shared.goto(page.url())
  await signInWithToken(shared, ADMIN_TOKEN)
  await pageLoaded(shared, 'KPIs')
  await expect(shared.getByRole('table', { name: 'Channels, amounts in EUR' })).toBeVisible()
  const overflow = await shared.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await phone.close()
})
