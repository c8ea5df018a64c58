import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import { cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// Retention in Chromium: visitors who came over the last weeks (one on two devices, joined when
// signing in), and the dashboard's retention page shows the cohorts the reports API answers; its
// choices live in the address, the CSV is the API's, and it reads on a 375 px phone.
test.describe.configure({ mode: 'serial' })

const ORIGIN = 'https://shop.example'
// Headless Chromium's own agent is a bot to the collector; these visitors are desktop Chrome.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const DAY = 86_400_000
const CONSENT = {
  categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
}

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector({ allowedOrigins: [ORIGIN] })
})
test.afterAll(async () => {
  await collector?.stop()
})

const api = async (path: string) => {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status, path).toBe(200)
  return res
}

interface Retention {
  from: string
  to: string
  people: number
  cohorts: { cohort: string; people: number; periods: { people: number; rate: number | null }[] }[]
}

let n = 0
/** One visit (a page view in a session of its own) `daysAgo` days ago; signing in joins devices. */
const visit = (device: string, daysAgo: number, userId?: string) => {
  const timestamp = new Date(Date.now() - daysAgo * DAY - 60_000).toISOString()
  const context = {
    page: { path: '/', url: `${ORIGIN}/`, referrer: '' },
    session: { id: `${device}-session-${++n}` },
    userAgent: CHROME,
    consent: CONSENT,
  }
  return [
    {
      type: 'page',
      anonymousId: device,
      messageId: `ret-${n}`,
      timestamp,
      properties: { path: '/' },
      context,
    },
    ...(userId
      ? [
          {
            type: 'identify',
            anonymousId: device,
            userId,
            messageId: `ret-id-${n}`,
            timestamp,
            traits: {},
            context,
          },
        ]
      : []),
  ]
}

/** The heat table's cells as the page should show them, from the API's answer. */
const expectedCells = (d: Retention, periods: number) =>
  d.cohorts.map((c) => [
    c.cohort,
    String(c.people),
    ...Array.from({ length: periods + 1 }, (_, k) => {
      const cell = c.periods[k]
      return cell === undefined ? '' : cell.rate === null ? '–' : `${(cell.rate * 100).toFixed(1)}%`
    }),
  ])

const open = async (page: Page, hash: string) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'Retention')
}

test('the retention page shows the cohorts the API answers, by week and by day', async ({ browser }) => {
  test.setTimeout(120_000)
  const batch = [
    ...visit('r1', 21),
    ...visit('r1', 14),
    ...visit('r1', 7),
    ...visit('r2', 21),
    ...visit('r2', 7),
    ...visit('r3', 14),
    ...visit('r4', 0),
    ...visit('r5-laptop', 22, 'u5'),
    ...visit('r5-phone', 8, 'u5'), // the same person back on another device
  ]
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME },
    body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch }),
  })
  expect(res.status).toBe(200)
  const weekly = '/admin/api/reports/retention?site=demo&by=week&periods=4'
  await expect
    .poll(async () => ((await (await api(weekly)).json()) as Retention).people, { timeout: 30_000 })
    .toBe(5)
  const week = (await (await api(weekly)).json()) as Retention
  expect(week.cohorts.some((c) => (c.periods[1]?.people ?? 0) > 0)).toBe(true)

  const context = await browser.newContext({ userAgent: CHROME })
  const page = await context.newPage()
  await open(page, '#/retention?by=week&periods=4')
  expect(await cells(page, 'Cohorts by week of first visit')).toEqual(expectedCells(week, 4))
  const people = page
    .locator('#retention-tiles .tile')
    .filter({ has: page.locator('.tile-label', { hasText: /^People$/ }) })
    .locator('strong')
  await expect(people).toHaveText('5')
  await expect(page.locator('#retention-from')).toHaveValue(week.from)
  await expect(page.getByRole('figure').first()).toBeVisible()

  // The CSV is saved under the view's name (its content is the API's: test/reports-retention.test.ts).
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#retention-csv').click(),
  ])
  expect(download.suggestedFilename()).toBe(`demo-retention-week-${week.from}-${week.to}.csv`)
  expect(await download.failure()).toBeNull()

  // By day: the address carries the choice, and a shared address opens the same view.
  await page.getByLabel('Cohorts by').selectOption('day')
  await expect(page).toHaveURL(/by=day/)
  await pageLoaded(page, 'Retention')
  const daily = (await (
    await api('/admin/api/reports/retention?site=demo&by=day&periods=4')
  ).json()) as Retention
  expect(await cells(page, 'Cohorts by day of first visit')).toEqual(expectedCells(daily, 4))
  const shared = await context.newPage()
  await open(shared, new URL(page.url()).hash)
  expect(await cells(shared, 'Cohorts by day of first visit')).toEqual(expectedCells(daily, 4))
  await context.close()
})

test('the retention page reads on a 375 px phone: the triangle scrolls in its box', async ({ browser }) => {
  const phone = await browser.newContext({ userAgent: CHROME, viewport: { width: 375, height: 740 } })
  const page = await phone.newPage()
  await open(page, '#/retention?by=day&periods=30')
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    table: document.querySelector('#retention-table')!.scrollWidth,
  }))
  expect(widths.page).toBeLessThanOrEqual(375)
  expect(widths.table).toBeGreaterThan(375)
  await expect(page.getByRole('table', { name: 'Cohorts by day of first visit' })).toBeVisible()
  await expect(page.getByLabel('Came back with')).toBeVisible()
  // The box that scrolls is a labelled region a keyboard can reach.
  await expect(page.getByRole('region', { name: 'Retention by cohort' })).toHaveAttribute('tabindex', '0')
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])
  await phone.close()
})
