import { expect, test } from '@playwright/test'
import { count, percent, points, signedPercent } from '../../collector/dashboard/assets/format.js'
import { slotLateCell } from '../../collector/dashboard/assets/late.js'
import {
  api,
  cells,
  collector,
  send,
  signIn,
  signInWithToken,
  track,
  useSeededCollector,
  XSS,
} from '../support/dashboard-fixture.ts'

// The dashboard in Chromium against the real collector: data seeded through the public API, each
// page's numbers compared with the admin API's JSON, hostile strings shown as text, a strict CSP.
useSeededCollector()

test('the page is served with a strict CSP and asks for the token; a wrong one is refused', async ({
  page,
}) => {
  const res = await page.goto(`${collector.url}/admin/`)
  const headers = res!.headers()
  expect(headers['content-security-policy']).toBe(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  )
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('no-referrer')
  await signInWithToken(page, 'not-the-token-at-all')
  await expect(page.getByRole('alert')).toHaveText('The admin token was refused.')
  expect(await page.evaluate(() => sessionStorage.getItem('precis.admin.token'))).toBeNull()
})

test('live events: the newest events as the API lists them, hostile strings as text, refreshed', async ({
  page,
}) => {
  await signIn(page, '#/events', 'Live events')
  const { events } = await api<{
    events: { messageId: string; type: string; event?: string; name?: string }[]
  }>('/admin/api/events?site=demo&limit=100')
  const rows = await cells(page, 'Newest events')
  expect(rows.map((r) => [r[1], r[2], r[5]])).toEqual(
    events.map((e) => [e.type, e.event ?? e.name ?? '', e.messageId]),
  )
  expect(rows.length).toBe(17)

  // The event named with markup, its properties and the identify's traits: text, never markup.
  // (Rows show device ids as the collector keeps them: pseudonyms.)
  const hostile = page.getByRole('row').filter({ hasText: await collector.pseudonym('a-xss') })
  await expect(hostile.getByRole('cell').nth(2)).toHaveText(XSS)
  await hostile.getByText('Data').click()
  await expect(hostile.locator('pre')).toContainText(`"note": "${XSS}"`)
  await expect(hostile.locator('pre')).toContainText('<script>window.pwned=2</script>')
  await page.getByRole('row').filter({ hasText: 'identify' }).getByText('Data').click()
  await expect(page.getByRole('row').filter({ hasText: 'identify' }).locator('pre')).toContainText(XSS)
  expect(await page.locator('main img, main script').count()).toBe(0)
  expect(await page.evaluate(() => window.pwned)).toBeUndefined()

  // A new event shows up on the next refresh, and the open disclosure stays open.
  await send(track('a-new', 'Newsletter Signed Up', { list: 'weekly' }, 3000))
  await expect
    .poll(async () => (await cells(page, 'Newest events')).map((r) => r[2]))
    .toContain('Newsletter Signed Up')
  await expect(hostile.locator('details')).toHaveAttribute('open', '')
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('consent: rates per purpose and choice as the API computes them', async ({ page }) => {
  await signIn(page, '#/consent', 'Consent')
  type Share = { count: number; share: number | null }
  const stats = await api<{
    visitors: number
    purposes: Record<'analytics' | 'personalization' | 'marketing', Share>
    choices: Record<'acceptAll' | 'rejectAll' | 'custom', Share>
    gpc: Share
    sources: Record<string, number>
  }>('/admin/api/sites/demo/consent/stats?days=30')
  // Hand-computed: four browsers, k1 counted with its second choice.
  expect(stats.visitors).toBe(4)
  expect(stats.purposes.analytics).toEqual({ count: 3, share: 0.75 })
  expect(stats.choices).toEqual({
    acceptAll: { count: 1, share: 0.25 },
    rejectAll: { count: 1, share: 0.25 },
    custom: { count: 2, share: 0.5 },
  })

  expect(await cells(page, 'Consent by purpose')).toEqual([
    ['Analytics', '3', '75.0%'],
    ['Personalization', '2', '50.0%'],
    ['Marketing', '1', '25.0%'],
  ])
  const shown = (s: Share) => [count(s.count), percent(s.share)]
  expect(await cells(page, 'Consent by purpose')).toEqual(
    (['analytics', 'personalization', 'marketing'] as const).map((p, i) => [
      ['Analytics', 'Personalization', 'Marketing'][i],
      ...shown(stats.purposes[p]),
    ]),
  )
  expect(await cells(page, 'Choices')).toEqual([
    ['Accept all', ...shown(stats.choices.acceptAll)],
    ['Reject all', ...shown(stats.choices.rejectAll)],
    ['Custom', ...shown(stats.choices.custom)],
    ['Global Privacy Control', ...shown(stats.gpc)],
  ])
  expect(Object.fromEntries(await cells(page, 'By source'))).toEqual(
    Object.fromEntries(Object.entries(stats.sources).map(([s, n]) => [s, count(n)])),
  )
  const today = new Date().toISOString().slice(0, 10)
  expect(await cells(page, 'Days with choices')).toEqual([[today, '4', '1', '1', '2', '1', '3', '2', '1']])
  await expect(page.locator('#consent-tiles')).toContainText('Visitors4')
  // The chart's numbers are text too.
  await expect(page.getByRole('img', { name: 'Granted, by purpose' })).toContainText('75.0%')

  await page.getByLabel('Period').selectOption('7')
  await expect(page.locator('#consent-tiles')).toContainText(/\d{4}-\d\d-\d\d to \d{4}/)
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('segments: sizes as the API gives them, in a table and a chart', async ({ page }) => {
  await signIn(page, '#/segments', 'Segments')
  const { segments } = await api<{
    segments: { key: string; name: string; profiles: number; visitors7d: number }[]
  }>('/admin/api/sites/demo/segments')
  expect(segments.find((s) => s.key === 'pro-member')?.profiles).toBe(1)
  expect(await cells(page, 'Segment sizes')).toEqual(
    // The last cell holds the links to edit each one and to its history.
    segments.map((s) => [s.name, s.key, count(s.profiles), count(s.visitors7d), 'EditHistory']),
  )
  const chart = page.getByRole('img', { name: 'Segment sizes' })
  await expect(chart.locator('text.label').filter({ hasText: 'Pro members' })).toHaveCount(1)
})

test('slots: results per group as the API gives them', async ({ page }) => {
  // A decision for "pro" that came after the hiding window: the visitor saw the baseline.
  await send(track('a-4', 'Slot Viewed', { slot: 'hero', variant: 'baseline', eligible: 'pro', late: true }))
  await signIn(page, '#/slots', 'Slots')
  await page.getByRole('link', { name: 'hero', exact: true }).click()
  await expect(page.getByRole('heading', { name: 'Slot hero' })).toBeVisible()
  const results = await api<{
    groups: {
      group: string
      kind: string
      impressions: number
      late: number
      visitors: number
      clicks: number
      conversions: number | null
      conversionRate: number | null
      lift?: { absolute: number; relative: number | null } | null
    }[]
  }>('/admin/api/sites/demo/slots/hero/results')
  expect(results.groups.find((g) => g.group === 'pro')).toMatchObject({
    visitors: 1,
    conversions: 1,
    late: 1,
  })
  expect(await cells(page, 'Slot hero: results')).toEqual(
    results.groups.map((g) => [
      g.group,
      g.kind,
      count(g.impressions),
      slotLateCell(g),
      count(g.visitors),
      count(g.clicks),
      count(g.conversions),
      percent(g.conversionRate),
      points(g.lift?.absolute),
      signedPercent(g.lift?.relative),
    ]),
  )
  await expect(page.getByRole('img', { name: /^Conversion rate by group/ })).toContainText('100.0%')
  await expect(page.locator('#slot-late li')).toHaveText(['pro: 1 of 2 impressions came late'])
})
