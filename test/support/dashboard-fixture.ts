// The dashboard's e2e fixture: one collector per spec file, seeded through the public API (events
// and consent choices), and the helpers its specs share: the admin API's JSON, sign-in, table cells.
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from './collector-process.ts'

export const XSS = '<img src=x onerror=window.pwned=1>'
const BASIC = `Basic ${Buffer.from(`${DEMO_WRITE_KEY}:`).toString('base64')}`
const CONSENT = {
  consent: {
    categoryPreferences: { necessary: true, analytics: true, personalization: true, marketing: false },
  },
}

declare global {
  interface Window {
    pwned?: unknown
    violations: string[]
  }
}

export let collector: Collector
let seq = 0
const started = Date.now()

/** Events through POST /v1/batch, as a server library sends them (no Origin). */
export const send = async (...events: Record<string, unknown>[]) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: events.map((e) => ({ messageId: `dash-${++seq}`, context: CONSENT, ...e })),
      sentAt: new Date().toISOString(),
    }),
  })
  expect(await res.json()).toMatchObject({ rejected: [] })
}

export const track = (anonymousId: string, event: string, properties: Record<string, unknown>, at = 0) => ({
  type: 'track',
  anonymousId,
  event,
  properties,
  timestamp: new Date(started - 60_000 + at).toISOString(),
})

/** A visitor's choice through POST /v1/consent. */
const choose = async (consentId: string, granted: [boolean, boolean, boolean], more = {}) => {
  const [analytics, personalization, marketing] = granted
  const res = await fetch(`${collector.url}/v1/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      consentId,
      proof: `secret-of-browser-${consentId}`,
      version: 1,
      purposes: { necessary: true, analytics, personalization, marketing },
      source: 'banner',
      language: 'en',
      gpc: false,
      timestamp: new Date().toISOString(),
      ...more,
    }),
  })
  expect(res.status).toBe(200)
}

/** The admin API's JSON, with the token. */
export const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as T
}

/** Starts and seeds the spec file's collector before its tests, and stops it after them. */
export const useSeededCollector = () => {
  test.describe.configure({ mode: 'serial' })
  test.beforeAll(async () => {
    collector = await startCollector()
    await send(
      {
        type: 'identify',
        anonymousId: 'a-pro',
        userId: 'u-pro',
        traits: { plan: 'pro', name: XSS },
        timestamp: new Date(started - 70_000).toISOString(),
      },
      track('a-pro', 'Slot Viewed', { slot: 'hero', variant: 'pro' }),
      track('a-pro', 'Order Completed', { revenue: 20 }, 1000),
      track('a-2', 'Slot Viewed', { slot: 'hero', variant: 'holdout', eligible: 'outdoor' }),
      track('a-3', 'Slot Viewed', { slot: 'hero', variant: 'baseline' }),
      track('a-3', 'Slot Clicked', { slot: 'hero', variant: 'baseline' }, 500),
      track('a-xss', XSS, { note: XSS, nested: { html: '<script>window.pwned=2</script>' } }, 2000),
    )
    // The demo's experiment cta-color: six visitors exposed, some add to cart, one orders.
    const exposed = ['control', 'green', 'control', 'green', 'control', 'green']
    await send(
      ...exposed.map((variation, i) =>
        track(
          `x${i}`,
          'Experiment Viewed',
          { experiment_id: 'cta-color', variation_id: variation, bucket_version: 0 },
          100 * i,
        ),
      ),
      track('x1', 'Product Added', { sku: 'tent-2p' }, 1000),
      track('x3', 'Product Added', { sku: 'pack-38' }, 1000),
      track('x0', 'Product Added', { sku: 'lamp-h' }, 1000),
      track('x1', 'Order Completed', { revenue: 189 }, 2000),
    )
    // Current choices: k1 analytics + personalization (changed its mind), k2 none, k3 analytics
    // with GPC, k4 everything.
    await choose('k1', [true, true, true])
    await choose('k2', [false, false, false])
    await choose('k3', [true, false, false], { gpc: true })
    await choose('k1', [true, true, false], { source: 'preferences' })
    await choose('k4', [true, true, true], { source: 'api' })
  })
  test.afterAll(async () => {
    await collector?.stop()
  })
}

/** An admin API call on the collector at `base` with the admin token: status, ETag and JSON. */
export const adminCall = async (
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? null : JSON.stringify(body),
  })
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    body: (await res.json()) as Record<string, unknown>,
  }
}

/** Waits until the dashboard shows the page with this heading and has finished loading it. */
export const pageLoaded = async (page: Page, heading: string) => {
  await expect(page.getByRole('heading', { level: 2, name: heading, exact: true })).toBeVisible()
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
}

/** Signs in on the sign-in page with an admin token (the form under "Use the admin token"). */
export const signInWithToken = async (page: Page, token: string) => {
  await page.getByText('Use the admin token').click()
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Sign in with the token' }).click()
}

/** Fails on script errors; records CSP violations in window.violations. */
export const watchPage = async (page: Page) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.addInitScript(() => {
    window.violations = []
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective))
  })
}

/** Opens a collector's dashboard as the owner (the admin token) and waits for the page's heading. */
export const ownerAt = async (page: Page, url: string, hash: string, heading: string) => {
  await watchPage(page)
  await page.goto(`${url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await pageLoaded(page, heading)
}

/** No serious accessibility finding in the page's main part, and no CSP violation (watchPage). */
export const noViolations = async (page: Page) => {
  const found = (await new AxeBuilder({ page }).include('main').analyze()).violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )
  expect(found).toEqual([])
  expect(await page.evaluate(() => window.violations)).toEqual([])
}

/** At 375 px the page never scrolls sideways (tables scroll in their boxes). */
export const fitsAPhone = async (page: Page) => {
  const size = page.viewportSize()
  await page.setViewportSize({ width: 375, height: 800 })
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0)
  if (size) await page.setViewportSize(size)
}

/** Opens the dashboard, signs in, and waits for the page's heading. Fails on any script error. */
export const signIn = async (page: Page, hash: string, heading: string) => {
  await watchPage(page)
  const res = await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await expect(page.getByRole('heading', { level: 2, name: heading, exact: true })).toBeVisible()
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
  return res!
}

/** The body cells of a table, by its caption. */
export const cells = (page: Page, caption: string) =>
  page
    .getByRole('table', { name: caption, exact: true })
    .evaluate((t: HTMLTableElement) =>
      [...t.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => c.textContent?.trim() ?? '')),
    )
