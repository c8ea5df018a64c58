import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { cells, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// Customers in Chromium: a shop whose orders come from eight customers over four months (some
// ordered again, one on two devices) and whose renewals come from thirty subscribers, enough for
// the CLV models. The dashboard's customers page shows the numbers the reports API answers, its
// CSVs are the API's, its choices live in the address, and it reads on a 375 px phone. An RFM
// group saved as a segment is as big as the group.
test.describe.configure({ mode: 'serial' })

const ORIGIN = 'https://shop.example'
const WRITE_KEY = 'customers-e2e-write-key'
// Headless Chromium's own agent is a bot to the collector; these visitors are desktop Chrome.
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
// Personalization too: a person who refused it is in no segment, and the saved segment is sized.
const CONSENT = {
  categoryPreferences: { necessary: true, analytics: true, personalization: true, marketing: false },
}
const DAY = 86_400_000

/** [device, userId, days ago, revenue]: c7 orders on a laptop and on a phone, joined by signing in. */
const ORDERS: [string, string | null, number, number][] = [
  ['c1', null, 100, 30],
  ['c1', null, 70, 45],
  ['c1', null, 40, 25],
  ['c1', null, 5, 60],
  ['c2', null, 95, 120],
  ['c2', null, 20, 80],
  ['c3', null, 65, 15],
  ['c4', null, 35, 200],
  ['c5', null, 33, 10],
  ['c5', null, 3, 12],
  ['c6', null, 10, 55],
  ['c7-laptop', 'member-7', 50, 40],
  ['c7-phone', 'member-7', 8, 70],
  ['c8', null, 2, 33.5],
]

let collector: Collector
let n = 0
/** A visit `daysAgo` days ago: a page view and, when given, an event a second later. */
const visit = (
  device: string,
  userId: string | null,
  daysAgo: number,
  event?: { name: string; properties: Record<string, unknown> },
) => {
  // Two seconds into the UTC day `daysAgo` days back: the whole days since are the same counted to
  // the end of today (the report's recency) or to now (a segment's size), except in the day's
  // first two seconds; and the models' inputs (days between orders and to the report's end) are
  // the same at any time of day, so their fit is too (at some times it did not settle).
  const at = Math.floor(Date.now() / DAY) * DAY - daysAgo * DAY + 2_000
  const context = {
    page: { path: '/', url: `${ORIGIN}/`, referrer: '' },
    session: { id: `${device}-session-${++n}` },
    userAgent: CHROME,
    consent: CONSENT,
  }
  const base = { anonymousId: device, ...(userId ? { userId } : {}), context }
  return [
    { ...base, type: 'page', messageId: `cu-${n}-p`, timestamp: new Date(at).toISOString(), properties: {} },
    ...(event
      ? [
          {
            ...base,
            type: 'track',
            messageId: `cu-${n}-t`,
            event: event.name,
            properties: event.properties,
            timestamp: new Date(at + 1000).toISOString(),
          },
        ]
      : []),
  ]
}

/** Thirty subscribers: 25 renew on two to four days a month apart, five only once. */
const renewals = () =>
  Array.from({ length: 30 }, (_, i) =>
    Array.from({ length: i < 25 ? 2 + (i % 3) : 1 }, (_, k) =>
      visit(`s${i}`, null, 100 + (i % 20) - 30 * k - (i % 5), {
        name: 'Plan Renewed',
        properties: { amount: 8 + ((i * 37 + k * 11) % 40) },
      }),
    ).flat(),
  ).flat()

test.beforeAll(async () => {
  collector = await startCollector({
    extraSites: [
      {
        id: 'club',
        writeKey: WRITE_KEY,
        allowedOrigins: [ORIGIN],
        goals: {
          order: { name: 'Order', event: 'Order Completed', revenue: 'revenue' },
          signup: { name: 'Signup', event: 'Signed Up' },
          renewal: { name: 'Renewal', event: 'Plan Renewed', revenue: 'amount' },
        },
        // Segments see 400 days of history, so a report over up to 400 days gives rules.
        personalization: { history: { maxDays: 400 } },
      },
    ],
  })
  const events = [
    ...ORDERS.flatMap(([device, userId, daysAgo, revenue]) =>
      visit(device, userId, daysAgo, { name: 'Order Completed', properties: { revenue } }),
    ),
    ...visit('browser-only', null, 4),
    ...visit('c9', null, 6, { name: 'Signed Up', properties: {} }),
    ...renewals(),
  ]
  for (let i = 0; i < events.length; i += 100) {
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME },
      body: JSON.stringify({ writeKey: WRITE_KEY, batch: events.slice(i, i + 100) }),
    })
    expect(res.status, await res.text()).toBe(200)
  }
})
test.afterAll(async () => {
  await collector?.stop()
})

interface Group {
  customers: number
  meanClv: number
  meanPurchases: number
  meanAlive: number
}
interface Customers {
  from: string
  to: string
  customers: number
  orders: number
  revenue: number
  repeatRate: number | null
  segments: {
    segment: string
    name: string
    customers: number
    share: number
    revenue: number
    meanRecencyDays: number | null
    meanOrders: number | null
    meanRevenue: number | null
    meanR: number | null
    meanF: number | null
    meanM: number | null
    rule: Record<string, unknown> | null
    ruleRefusal: string | null
  }[]
  grid: number[][]
  clusters: {
    k: number
    clusters: {
      cluster: number
      customers: number
      description: string
      centroid: Record<'recencyDays' | 'frequency' | 'monetary' | 'pageviews', number>
      rule: Record<string, unknown> | null
      ruleRefusal: string | null
    }[]
  }
  cohorts: {
    cohort: string
    customers: number
    revenue: number
    meanRevenue: number
    rule: Record<string, unknown> | null
    ruleRefusal: string | null
  }[]
  predicted: null | {
    total: Group & { clv: number }
    bySegment: (Group & { segment: string })[]
    byCluster: (Group & { cluster: number })[]
  }
  predictedReason: string | null
}

const get = (query: string) =>
  fetch(`${collector.url}/admin/api/reports/customers?site=club&${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
const api = async (query: string): Promise<Customers> => {
  const res = await get(query)
  expect(res.status, query).toBe(200)
  return (await res.json()) as Customers
}

// The page's formats (format.js), applied to the API's numbers.
const DASH = '–'
const amounts = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const amount = (x: number | null | undefined) => (typeof x === 'number' ? amounts.format(x) : DASH)
const decimal = (x: number | null) => (x === null ? DASH : x.toFixed(2))
const percent = (x: number | null) => (x === null ? DASH : `${(x * 100).toFixed(1)}%`)
const count = (x: number) => new Intl.NumberFormat('en-US').format(x)

const segmentCells = (d: Customers) =>
  d.segments.map((s) => [
    s.name,
    count(s.customers),
    percent(s.share),
    amount(s.revenue),
    decimal(s.meanRecencyDays),
    decimal(s.meanOrders),
    amount(s.meanRevenue),
    decimal(s.meanR),
    decimal(s.meanF),
    decimal(s.meanM),
    ...(d.predicted ? [amount(d.predicted.bySegment.find((p) => p.segment === s.segment)?.meanClv)] : []),
    s.rule ? 'Save as segment' : s.ruleRefusal!,
  ])
const clusterCells = (d: Customers) =>
  d.clusters.clusters.map((k) => [
    String(k.cluster),
    k.description,
    count(k.customers),
    decimal(k.centroid.recencyDays),
    decimal(k.centroid.frequency),
    amount(k.centroid.monetary),
    decimal(k.centroid.pageviews),
    ...(d.predicted ? [amount(d.predicted.byCluster.find((p) => p.cluster === k.cluster)?.meanClv)] : []),
    k.rule ? 'Save as segment' : k.ruleRefusal!,
  ])
const cohortCells = (d: Customers) =>
  d.cohorts.map((k) => [
    k.cohort,
    count(k.customers),
    amount(k.revenue),
    amount(k.meanRevenue),
    k.rule ? 'Save as segment' : k.ruleRefusal!,
  ])
/** R 5 at the top, F 1 to 5 left to right. */
const gridCells = (d: Customers) =>
  [5, 4, 3, 2, 1].map((r) => [`R ${r}`, ...d.grid[r - 1]!.map((x) => count(x))])

const SEGMENTS = 'RFM segments'
const CLUSTERS = 'Clusters'
const COHORTS = 'Lifetime value by month of first order'

const open = async (page: Page, hash: string) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, 'Customers')
  await page.locator('#site').selectOption('club')
  await loaded(page)
}
const loaded = async (page: Page) => {
  await pageLoaded(page, 'Customers')
  await expect(page.locator('#customers-report')).toHaveAttribute('aria-busy', 'false')
}
const tile = (page: Page, box: string, label: string) =>
  page
    .locator(`#${box} .tile`)
    .filter({ has: page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) })
    .locator('strong')
/** Every table of the page as the API's answer says it should read. */
const expectTables = async (page: Page, d: Customers) => {
  await expect(tile(page, 'customers-tiles', 'Customers')).toHaveText(count(d.customers))
  await expect(tile(page, 'customers-tiles', 'Orders')).toHaveText(count(d.orders))
  await expect(tile(page, 'customers-tiles', 'Revenue')).toHaveText(amount(d.revenue))
  await expect(tile(page, 'customers-tiles', 'Repeat rate')).toHaveText(percent(d.repeatRate))
  expect(await cells(page, SEGMENTS)).toEqual(segmentCells(d))
  expect(await cells(page, 'Customers by recency score (R) and frequency score (F)')).toEqual(gridCells(d))
  expect(await cells(page, CLUSTERS)).toEqual(clusterCells(d))
  expect(await cells(page, COHORTS)).toEqual(cohortCells(d))
}

test('the customers page shows what the API answers; its choices live in the address', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const orders = await api('goal=order')
  expect(orders).toMatchObject({ customers: 8, orders: ORDERS.length })
  expect(orders.cohorts.length).toBeGreaterThanOrEqual(3)
  expect(orders.predicted).toBeNull()
  expect(orders.predictedReason).toMatch(/at least 20/)
  const context = await browser.newContext({ userAgent: CHROME })
  const page = await context.newPage()
  await open(page, '#/customers')
  // Only revenue goals are offered; the first is chosen.
  await expect(page.getByLabel('Goal')).toHaveValue('order')
  await expect(page.getByLabel('Goal').locator('option')).toHaveText(['Order', 'Renewal'])
  await expectTables(page, orders)
  await expect(page.locator('#customers-from')).toHaveValue(orders.from)
  await expect(page.locator('#customers-to')).toHaveValue(orders.to)
  await expect(page.getByRole('status').filter({ hasText: orders.predictedReason! })).toBeVisible()
  await expect(page.locator('#customers-predicted')).toHaveCount(0)
  await expect(page.getByRole('img', { name: 'Customers by RFM segment' })).toBeVisible()
  // Nobody's id reaches the page.
  for (const id of ['member-7', 'c7-laptop', 'c7-phone', 'c1-session', 's12-session'])
    expect(await page.content()).not.toContain(id)

  // Each table's CSV is what the API answers for the same question.
  for (const table of ['segments', 'clusters', 'cohorts']) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download ${table} CSV` }).click(),
    ])
    expect(download.suggestedFilename()).toBe(`club-customers-${table}-${orders.from}-${orders.to}.csv`)
    const csv = await get(`goal=order&from=${orders.from}&to=${orders.to}&format=csv&table=${table}`)
    expect(await readFile((await download.path())!, 'utf8')).toBe(await csv.text())
  }
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])

  // Renewals, a six-month horizon, revenue in the chart: the address carries each choice, and the
  // predicted CLV the API fitted is shown beside every group.
  await page.getByLabel('Goal').selectOption('renewal')
  await expect(page).toHaveURL(/goal=renewal/)
  await loaded(page)
  await page.getByLabel('CLV horizon (months)').fill('6')
  await page.getByLabel('CLV horizon (months)').dispatchEvent('change')
  await expect(page).toHaveURL(/horizon=6/)
  await loaded(page)
  await page.getByLabel('Chart').selectOption('revenue')
  await expect(page).toHaveURL(/chart=revenue/)
  await loaded(page)
  const renewal = await api('goal=renewal&horizon=6')
  expect(renewal.predicted, renewal.predictedReason ?? '').not.toBeNull()
  const twelve = await api('goal=renewal')
  expect(twelve.predicted!.total.clv).not.toBe(renewal.predicted!.total.clv)
  const expectRenewal = async (p: Page) => {
    await expect(p.getByRole('img', { name: 'Revenue by RFM segment' })).toBeVisible()
    await expect(tile(p, 'customers-predicted', 'Predicted CLV')).toHaveText(
      amount(renewal.predicted!.total.clv),
    )
    await expect(tile(p, 'customers-predicted', 'Per customer')).toHaveText(
      amount(renewal.predicted!.total.meanClv),
    )
    await expect(tile(p, 'customers-predicted', 'Still active')).toHaveText(
      percent(renewal.predicted!.total.meanAlive),
    )
    await expectTables(p, renewal)
  }
  await expectRenewal(page)

  // A reload keeps every choice.
  await page.reload()
  await loaded(page)
  await expect(page.getByLabel('Goal')).toHaveValue('renewal')
  await expect(page.getByLabel('CLV horizon (months)')).toHaveValue('6')
  await expect(page.getByLabel('Chart')).toHaveValue('revenue')
  await expectRenewal(page)

  // A later first date reads a shorter history: the numbers follow the API's for those dates.
  const from = new Date(Date.parse(`${renewal.to}T12:00:00Z`) - 45 * DAY).toISOString().slice(0, 10)
  // Filling a date input fires its change event.
  await page.getByLabel('From').fill(from)
  await expect(page).toHaveURL(new RegExp(`from=${from}`))
  await loaded(page)
  const shorter = await api(`goal=renewal&horizon=6&from=${from}`)
  expect(shorter.customers).toBeLessThan(renewal.customers)
  await expectTables(page, shorter)

  // The shared address opens the same view, and it reads on a phone: nothing wider than the screen.
  const phone = await browser.newContext({ userAgent: CHROME, viewport: { width: 375, height: 740 } })
  const shared = await phone.newPage()
  await open(shared, `#/customers?${page.url().split('?')[1]}`)
  await expect(shared.getByLabel('Goal')).toHaveValue('renewal')
  await expect(shared.locator('#customers-from')).toHaveValue(from)
  await expectTables(shared, shorter)
  const overflow = await shared.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  expect((await new AxeBuilder({ page: shared }).analyze()).violations.map((v) => v.id)).toEqual([])
  await context.close()
  await phone.close()
})

test('an RFM group, a cluster or a cohort saved as a segment holds the customers the report put in it', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  // Two years read, but segments see 400 days: every group says so instead of offering a rule.
  const long = await api('goal=order')
  for (const s of long.segments)
    expect(s.ruleRefusal).toMatch(/history\.maxDays.*Choose \d{4}-\d{2}-\d{2} or later/)
  // Renewals are valued by "amount", segment revenue terms sum "revenue".
  const renewals = await api(`goal=renewal&from=${daysBefore(long.to, 150)}`)
  for (const s of renewals.segments) expect(s.ruleRefusal).toMatch(/"amount"/)

  const from = daysBefore(long.to, 150)
  const d = await api(`goal=order&from=${from}`)
  expect(d.customers).toBe(8)
  // The biggest group, so the size compared below counts several people.
  const group = [...d.segments].sort((a, b) => b.customers - a.customers)[0]!
  expect(group.customers).toBeGreaterThan(1)
  expect(group.rule).not.toBeNull()
  const context = await browser.newContext({ userAgent: CHROME, viewport: { width: 375, height: 740 } })
  const page = await context.newPage()
  await open(page, `#/customers?goal=order&from=${from}`)
  expect(await cells(page, SEGMENTS)).toEqual(segmentCells(d))

  // Cancel (or Escape) closes the form and gives focus back to the button that opened it.
  const save = page.getByRole('button', { name: `Save ${group.name} as a segment` })
  await save.click()
  const key = page.getByLabel('Key')
  await expect(key).toBeFocused()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(key).toHaveCount(0)
  await expect(save).toBeFocused()
  await save.press('Enter')
  await key.press('Escape')
  await expect(key).toHaveCount(0)
  await expect(save).toBeFocused()
  await save.press('Enter')
  await expect(key).toBeFocused()
  await expect(key).toHaveValue(`${group.segment}-${d.to}`)
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(`${group.name} ${d.to}`)
  const form = page.getByRole('form', { name: `Save ${group.name} as a segment` })
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0)
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([])
  await form.getByRole('button', { name: 'Save segment' }).click()
  const link = page.getByRole('link', { name: `Open segment ${group.segment}-${d.to}` })
  await expect(link).toBeFocused()

  // The segment holds the report's rule, and is as big as the group.
  const admin = (path: string) =>
    fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  const saved = await admin(`/admin/api/segments/${group.segment}-${d.to}?site=club`)
  expect(saved.status).toBe(200)
  expect(((await saved.json()) as { config: { rule: unknown } }).config.rule).toEqual(group.rule)
  const sizes = (await (await admin('/admin/api/sites/club/segments')).json()) as {
    segments: { key: string; profiles: number }[]
  }
  expect(sizes.segments.find((s) => s.key === `${group.segment}-${d.to}`)?.profiles).toBe(group.customers)
  // And every other group's rule, sized before it is saved, counts its customers.
  for (const s of d.segments.filter((g) => g.rule)) {
    const res = await fetch(`${collector.url}/admin/api/sites/club/segments/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rule: s.rule }),
    })
    expect(((await res.json()) as { profiles: number }).profiles, s.segment).toBe(s.customers)
  }
  expect(d.segments.filter((g) => g.rule && g.customers > 0).length).toBeGreaterThanOrEqual(4)
  // Every cluster's and cohort's rule counts its customers too, and one of each is saved.
  expect(await cells(page, CLUSTERS)).toEqual(clusterCells(d))
  expect(await cells(page, COHORTS)).toEqual(cohortCells(d))
  for (const k of [...d.clusters.clusters, ...d.cohorts]) {
    const res = await fetch(`${collector.url}/admin/api/sites/club/segments/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rule: k.rule }),
    })
    expect(((await res.json()) as { profiles: number }).profiles, JSON.stringify(k)).toBe(k.customers)
  }
  const cluster = d.clusters.clusters[0]!
  await page.getByRole('button', { name: `Save cluster ${cluster.cluster} as a segment` }).click()
  await expect(page.getByLabel('Key')).toHaveValue(`cluster-${cluster.cluster}-${d.to}`)
  await page.getByRole('button', { name: 'Save segment' }).click()
  await expect(
    page.getByRole('link', { name: `Open segment cluster-${cluster.cluster}-${d.to}` }),
  ).toBeFocused()
  const cohort = d.cohorts[0]!
  await page.getByRole('button', { name: `Save First order ${cohort.cohort} as a segment` }).click()
  await expect(page.getByLabel('Key')).toHaveValue(`first-order-${cohort.cohort}`)
  await page.getByRole('button', { name: 'Save segment' }).click()
  await expect(page.getByRole('link', { name: `Open segment first-order-${cohort.cohort}` })).toBeFocused()
  const cohortSaved = await admin(`/admin/api/segments/first-order-${cohort.cohort}?site=club`)
  expect(((await cohortSaved.json()) as { config: { rule: unknown } }).config.rule).toEqual(cohort.rule)

  // Saving the same key again is refused, and the page says why.
  await link.click()
  await expect(page).toHaveURL(new RegExp(`#/segments/${group.segment}-${d.to}/edit$`))
  await page.goBack()
  await loaded(page)
  await save.click()
  await page.getByRole('button', { name: 'Save segment' }).click()
  await expect(page.getByRole('alert')).toContainText('already has')
  await context.close()
})

/** The local date `days` before `date` (YYYY-MM-DD). */
const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) - days * DAY).toISOString().slice(0, 10)
