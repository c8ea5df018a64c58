import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'
import { openDemo } from '../support/demo-page.ts'

// KPIs in Chromium: a visitor arrives from a newsletter campaign, spend is uploaded as a CSV file
// (a bad file first, whose refusal names the row), and the KPI table shows what the API answers;
// the grouping lives in the address, and the page reads on a 375 px phone.
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

interface Kpis {
  currency: string | null
  rows: { value: string | null; visitors: number; visits: number; spend: number; cpc: number | null }[]
}

const upload = async (page: Page, name: string, csv: string) => {
  await page.getByLabel('Spend CSV').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) })
  await page.getByRole('button', { name: 'Import', exact: true }).click()
}

const money = (x: number | null) =>
  x === null ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

test('uploads spend as CSV and shows the KPIs the API answers', async ({ browser }) => {
  test.setTimeout(120_000)
  const visitor = await browser.newContext({ userAgent: CHROME })
  const shop = await visitor.newPage()
  await openDemo(shop, collector.url, 'index.html?utm_source=newsletter&utm_medium=email&utm_campaign=winter')
  await shop.evaluate(() => window.precis.consent.set({ analytics: true }))
  await shop.evaluate(() => window.precis.flush())
  await expect
    .poll(() => collector.rows().filter((r) => r.type === 'page').length, { timeout: 30_000 })
    .toBe(1)
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
  const caption = 'Campaigns, amounts in EUR'
  await expect(page.getByRole('table', { name: caption, exact: true })).toContainText('ghost')
  expect((await cells(page, caption)).map((r) => [r[0], r[1], r[2], r[7], r[8]])).toEqual(
    answer.rows.map((r) => [
      r.value ?? '(none)',
      String(r.visitors),
      String(r.visits),
      money(r.spend),
      money(r.cpc),
    ]),
  )
  await expect(page.locator('#kpis-tiles')).toContainText('17.50 EUR')

  // By channel: the choice lives in the address, and a shared address opens the same view.
  await page.getByLabel('By', { exact: true }).selectOption('channel')
  await expect(page).toHaveURL(/by=channel/)
  await pageLoaded(page, 'KPIs')
  const channels = await api<Kpis>('/admin/api/reports/kpis?site=demo&by=channel')
  expect((await cells(page, 'Channels, amounts in EUR')).map((r) => [r[0], r[7]])).toEqual(
    channels.rows.map((r) => [r.value ?? '(none)', money(r.spend)]),
  )
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
