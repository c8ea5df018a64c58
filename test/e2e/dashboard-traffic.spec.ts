import { expect, type Page, test } from '@playwright/test'
import Database from 'better-sqlite3'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'
import { openDemo } from '../support/demo-page.ts'

// Traffic in Chromium: two visitors browse the demo shop (one from a newsletter), and the dashboard's
// traffic page shows the numbers the reports API answers; a click on a channel filters the view and
// the filter lives in the address.
test.describe.configure({ mode: 'serial' })

// Headless Chromium names itself HeadlessChrome, which the collector counts as a bot (reports
// leave bots out): the visitors here browse as the desktop Chrome they stand for.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector()
})
test.afterAll(async () => {
  await collector?.stop()
})

const api = async <T>(path: string, on = collector): Promise<T> => {
  const res = await fetch(`${on.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as T
}

/** A visitor who accepts analytics (and maybe personalization) on the first page and follows the shop's links. */
const browse = async (
  page: Page,
  first: string,
  links: string[],
  personalization = false,
  on = collector,
) => {
  await openDemo(page, on.url, first)
  await page.evaluate(
    (p) => window.precis.consent.set({ analytics: true, personalization: p }),
    personalization,
  )
  for (const name of links) {
    await page.getByRole('navigation').getByRole('link', { name, exact: true }).click()
    await page.waitForFunction(() => typeof window.precis?.flush === 'function' && !('q' in window.precis))
  }
  await page.evaluate(() => window.precis.flush())
}

interface Overview {
  estimated: boolean
  visitors: number
  visits: number
  pageviews: number
}
interface Breakdown {
  rows: { value: string | null; visitors: number; visits: number; pageviews: number }[]
}

/** The page events and what the reports derived of them, as text for a failure's message. */
const storedForReports = () => {
  const db = new Database(collector.dbPath, { readonly: true })
  try {
    const events = collector
      .rows()
      .filter((r) => r.type === 'page')
      .map((r) => {
        const context = (JSON.parse(String(r.payload)) as { context?: Record<string, unknown> }).context
        return {
          id: r.message_id,
          device: r.anonymous_id,
          at: r.timestamp,
          session: context?.session,
          bot: context?.bot,
        }
      })
    const rows = db.prepare('SELECT event_id, device, session, at, kind, path FROM report_rows').all()
    const visits = db.prepare('SELECT device, session, start_at, pageviews FROM report_visits').all()
    return JSON.stringify({ events, rows, visits })
  } finally {
    db.close()
  }
}

/** A tile's figure on the traffic page. */
const tileOf = (page: Page) => (label: string) =>
  page
    .locator('#traffic-tiles .tile')
    .filter({ has: page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) })
    .locator('strong')

test('the traffic page shows what the reports API answers, and filters by a click', async ({ browser }) => {
  test.setTimeout(120_000)
  const one = await browser.newContext({ userAgent: CHROME })
  await browse(await one.newPage(), 'index.html', ['Outdoor', 'Kitchen'])
  // The newsletter's visitor reads Chinese and allows personalization: a "Chinese speaker".
  const two = await browser.newContext({ userAgent: CHROME, locale: 'zh-CN' })
  await browse(
    await two.newPage(),
    'index.html?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
    [],
    true,
  )
  await expect
    .poll(() => collector.rows().filter((r) => r.type === 'page').length, { timeout: 30_000 })
    .toBe(4)

  const overview = await api<Overview>('/admin/api/reports/overview?site=demo')
  // A mismatch seen once in CI and never again: the message carries what was stored, to find why.
  expect(overview, storedForReports()).toMatchObject({ visitors: 2, visits: 2, pageviews: 4 })
  const channels = await api<Breakdown>('/admin/api/reports/breakdown?site=demo&dimension=channel')
  expect(channels.rows.map((r) => [r.value, r.visits])).toEqual([
    ['Direct', 1],
    ['Email', 1],
  ])

  const page = await browser.newPage()
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/#/traffic`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'Traffic')
  const tile = tileOf(page)
  await expect(tile('Visitors')).toHaveText(String(overview.visitors))
  await expect(tile('Page views')).toHaveText(String(overview.pageviews))
  expect(await cells(page, 'Channels')).toEqual(
    channels.rows.map((r) => [
      r.value ?? '(none)',
      String(r.visitors),
      String(r.visits),
      String(r.pageviews),
      r.visits === 1 && r.pageviews === 1 ? '100.0%' : '0.0%',
    ]),
  )
  const pages = await api<Breakdown>('/admin/api/reports/breakdown?site=demo&dimension=page')
  expect((await cells(page, 'Pages')).map((row) => row.slice(0, 4))).toEqual(
    pages.rows.map((r) => [r.value ?? '(none)', String(r.visitors), String(r.visits), String(r.pageviews)]),
  )

  // A click on "Email" shows only those visits; the address carries the filter.
  await page.getByRole('table', { name: 'Channels' }).getByRole('button', { name: 'Email' }).click()
  await expect(page).toHaveURL(/filter=channel%3AEmail/)
  await pageLoaded(page, 'Traffic')
  await expect(page.locator('#traffic-filters')).toContainText('channel: Email')
  await expect(tile('Visits')).toHaveText('1')
  expect(await cells(page, 'Campaigns')).toEqual([['winter', '1', '1', '1', '100.0%']])

  // The shared address opens the same view in a new tab.
  const shared = await browser.newPage()
  await shared.goto(page.url())
  await signInWithToken(shared, ADMIN_TOKEN)
  await pageLoaded(shared, 'Traffic')
  await expect(shared.locator('#traffic-filters')).toContainText('channel: Email')

  // A segment chosen in the controls. One Chinese speaker is too few: no report shows one person.
  await page.goto(`${collector.url}/admin/#/traffic`)
  await pageLoaded(page, 'Traffic')
  await expect(page.getByLabel('Reached goal')).toBeDisabled() // the demo shop has no goals
  await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'Chinese speakers' })
  await expect(page).toHaveURL(/filter=segment%3Achinese-speaker/)
  await expect(page.getByRole('alert')).toContainText('fewer than 5 people')
  // Four more come from the newsletter: now the page shows their visits, as the API counts them.
  // Each in a browser of their own (a context shares its storage, so its pages are one visitor).
  const more = await Promise.all(
    [1, 2, 3, 4].map(() => browser.newContext({ userAgent: CHROME, locale: 'zh-CN' })),
  )
  for (const context of more)
    await browse(
      await context.newPage(),
      'index.html?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
      [],
      true,
    )
  await expect
    .poll(() => collector.rows().filter((r) => r.type === 'page').length, { timeout: 30_000 })
    .toBe(8)
  const speakers = await api<Overview>('/admin/api/reports/overview?site=demo&filter=segment:chinese-speaker')
  expect(speakers).toMatchObject({ visitors: 5, visits: 5, pageviews: 5 })
  await page.reload()
  await pageLoaded(page, 'Traffic')
  await expect(page.locator('#traffic-filters')).toContainText('segment: chinese-speaker')
  await expect(tile('Visitors')).toHaveText(String(speakers.visitors))
  await expect(tile('Page views')).toHaveText(String(speakers.pageviews))
  expect(await cells(page, 'Campaigns')).toEqual([['winter', '5', '5', '5', '100.0%']])
  await expect(page.getByLabel('Segment', { exact: true })).toHaveValue('chinese-speaker')
  for (const context of more) await context.close()
  await one.close()
  await two.close()
})

test('an overview added up by the hour shows its visitors as the estimate the API says it is', async ({
  browser,
}) => {
  // Every period counts as big here: the hours and their sketches answer.
  const estimating = await startCollector({ env: { PRECIS_REPORTS_EXACT_VISITS: '0' } })
  try {
    const context = await browser.newContext({ userAgent: CHROME })
    await browse(await context.newPage(), 'index.html', ['Outdoor'], false, estimating)
    await expect
      .poll(() => estimating.rows().filter((r) => r.type === 'page').length, { timeout: 30_000 })
      .toBe(2)
    const overview = await api<Overview>('/admin/api/reports/overview?site=demo', estimating)
    expect(overview).toMatchObject({ estimated: true, visitors: 1, visits: 1, pageviews: 2 })
    const page = await browser.newPage()
    await page.goto(`${estimating.url}/admin/#/traffic`)
    await signInWithToken(page, ADMIN_TOKEN)
    await pageLoaded(page, 'Traffic')
    await expect(tileOf(page)('Visitors')).toHaveText('≈ 1')
    await expect(tileOf(page)('Page views')).toHaveText('2')
    await context.close()
  } finally {
    await estimating.stop()
  }
})
