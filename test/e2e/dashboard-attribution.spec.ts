import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// Attribution in Chromium: a person clicks a paid ad on a laptop and orders on a phone, another
// comes from a newsletter twice; the dashboard's attribution page shows the numbers the reports
// API answers, its choices live in the address, and it reads on a 375 px phone.
test.describe.configure({ mode: 'serial' })

const ORIGIN = 'https://shop.example'
const WRITE_KEY = 'attribution-e2e-write-key'
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const consent = {
  categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
}
const HOUR = 3_600_000

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector({
    extraSites: [
      {
        id: 'shop',
        writeKey: WRITE_KEY,
        allowedOrigins: [ORIGIN],
        goals: {
          order: { name: 'Order', event: 'Order Completed', revenue: 'revenue' },
          cart: { name: 'Cart', page: '/cart' },
        },
      },
    ],
  })
  const now = Date.now()
  let n = 0
  const visit = (device: string, userId: string | null, at: number, query: string, order?: number) => {
    const context = {
      page: { path: '/cart', url: `${ORIGIN}/cart${query}`, referrer: '' },
      // The SDK sends the landing URL's UTM parameters as context.campaign.
      ...(query.includes('utm_')
        ? {
            campaign: Object.fromEntries(
              [...new URLSearchParams(query)].map(([k, v]) => [
                k === 'utm_campaign' ? 'name' : k.replace(/^utm_/, ''),
                v,
              ]),
            ),
          }
        : {}),
      session: { id: `${device}-${at}` },
      userAgent: CHROME,
      // The ad click id is kept only where the visitor granted marketing.
      consent: {
        categoryPreferences: { ...consent.categoryPreferences, marketing: query.includes('gclid') },
      },
    }
    const base = { anonymousId: device, ...(userId ? { userId } : {}), context }
    return [
      {
        ...base,
        type: 'page',
        messageId: `m-${++n}`,
        timestamp: new Date(at).toISOString(),
        properties: { path: '/cart' },
      },
      ...(order === undefined
        ? []
        : [
            {
              ...base,
              type: 'track',
              messageId: `m-${++n}`,
              event: 'Order Completed',
              timestamp: new Date(at + 60_000).toISOString(),
              properties: { revenue: order },
            },
          ]),
    ]
  }
  const batch = [
    ...visit(
      'laptop',
      'ann',
      now - 5 * HOUR,
      '?gclid=abc&utm_source=google&utm_medium=cpc&utm_campaign=spring',
    ),
    ...visit('phone', 'ann', now - 3 * HOUR, '', 80),
    ...visit(
      'tablet',
      null,
      now - 4 * HOUR,
      '?utm_source=newsletter&utm_medium=email&utm_campaign=letter',
      20,
    ),
    ...visit('tablet', null, now - 2 * HOUR, '', 15.5),
  ]
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME },
    body: JSON.stringify({ writeKey: WRITE_KEY, batch }),
  })
  expect(res.status, await res.text()).toBe(200)
})
test.afterAll(async () => {
  await collector?.stop()
})

interface Figures {
  conversions: number
  revenue: number
}
type Row = { key: string; touches: number; clicks: number } & Record<string, Figures>
interface Attribution {
  conversions: number
  revenue: number
  rows: Row[]
}
const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay']
const credit = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

const api = async (query: string): Promise<Attribution> => {
  const res = await fetch(`${collector.url}/admin/api/reports/attribution?site=shop&${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status, query).toBe(200)
  return (await res.json()) as Attribution
}
const expectedCells = (a: Attribution, metric: 'conversions' | 'revenue') =>
  a.rows.map((r) => [
    r.key,
    String(r.touches),
    String(r.clicks),
    ...MODELS.map((m) => (metric === 'revenue' ? amount : credit).format(r[m]![metric])),
  ])

const open = async (page: Page, hash: string) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'Attribution')
  await page.locator('#site').selectOption('shop')
  await pageLoaded(page, 'Attribution')
  await expect(page.locator('#attribution-report')).toHaveAttribute('aria-busy', 'false')
}

test('the attribution page shows what the API answers; its choices live in the address', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const byChannel = await api('goal=order')
  expect(byChannel.conversions).toBe(3)
  expect(byChannel.rows.map((r) => r.key).sort()).toEqual(['Direct', 'Email', 'Paid Search'])
  const context = await browser.newContext({ userAgent: CHROME })
  const page = await context.newPage()
  await open(page, '#/attribution?goal=order')
  const tile = (label: string) =>
    page
      .locator('#attribution-tiles .tile')
      .filter({ has: page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) })
      .locator('strong')
  await expect(tile('Conversions')).toHaveText('3')
  await expect(tile('Revenue')).toHaveText(amount.format(byChannel.revenue))
  expect(await cells(page, 'Conversions by channel')).toEqual(expectedCells(byChannel, 'conversions'))
  await expect(page.locator('#attribution-charts figure')).toHaveCount(5)
  await expect(page.getByRole('img', { name: /^Time decay: conversions per channel/ })).toBeVisible()
  // The CSV is what the API answers for the same question.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click(),
  ])
  const from = await page.locator('#attribution-from').inputValue()
  const to = await page.locator('#attribution-to').inputValue()
  const csv = await fetch(
    `${collector.url}/admin/api/reports/attribution?site=shop&goal=order&from=${from}&to=${to}&format=csv`,
    {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    },
  )
  expect(await readFile((await download.path())!, 'utf8')).toBe(await csv.text())
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])

  // Rows by campaign, revenue shown: the address carries both, and the numbers follow the API.
  await page.getByLabel('Rows by').selectOption('campaign')
  await expect(page).toHaveURL(/by=campaign/)
  await pageLoaded(page, 'Attribution')
  await page.getByLabel('Show').selectOption('revenue')
  await expect(page).toHaveURL(/metric=revenue/)
  await expect(page.locator('#attribution-report')).toHaveAttribute('aria-busy', 'false')
  const byCampaign = await api('goal=order&by=campaign')
  expect(byCampaign.rows.map((r) => r.key).sort()).toEqual(['(none)', 'letter', 'spring'])
  await expect(page.getByRole('table', { name: 'Revenue by campaign' })).toBeVisible()
  expect(await cells(page, 'Revenue by campaign')).toEqual(expectedCells(byCampaign, 'revenue'))
  // The phone's order went to the laptop's paid click under first touch.
  const spring = byCampaign.rows.find((r) => r.key === 'spring')!
  expect(spring.first).toEqual({ conversions: 1, revenue: 80 })
  expect(spring).toMatchObject({ touches: 1, clicks: 1 })

  // A shorter lookback and another goal, typed into the controls.
  await page.getByLabel('Lookback (days)').fill('1')
  await page.getByLabel('Lookback (days)').dispatchEvent('change')
  await expect(page).toHaveURL(/lookback=1/)
  await page.getByLabel('Goal').selectOption('cart')
  await expect(page).toHaveURL(/goal=cart/)
  await expect(page.locator('#attribution-report')).toHaveAttribute('aria-busy', 'false')
  const cart = await api('goal=cart&by=campaign&lookback=1')
  expect(cart.conversions).toBe(4)
  await expect(tile('Conversions')).toHaveText('4')
  expect(await cells(page, 'Revenue by campaign')).toEqual(expectedCells(cart, 'revenue'))

  // The shared address opens the same view, and it reads on a phone: nothing wider than the screen.
  const phone = await browser.newContext({ userAgent: CHROME, viewport: { width: 375, height: 740 } })
  const shared = await phone.newPage()
  await open(shared, `#/attribution?${page.url().split('?')[1]}`)
  await expect(shared.getByLabel('Goal')).toHaveValue('cart')
  await expect(shared.getByLabel('Rows by')).toHaveValue('campaign')
  expect(await cells(shared, 'Revenue by campaign')).toEqual(expectedCells(cart, 'revenue'))
  const overflow = await shared.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  expect((await new AxeBuilder({ page: shared }).analyze()).violations.map((v) => v.id)).toEqual([])
  await context.close()
  await phone.close()
})
