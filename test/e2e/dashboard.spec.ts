import { expect, type Page, test } from '@playwright/test'
import {
  count,
  decimal,
  interval,
  percent,
  points,
  pValue,
  seriesLabel,
  signedDecimal,
  signedPercent,
} from '../../collector/dashboard/assets/format.js'
import { slotLateCell } from '../../collector/dashboard/assets/late.js'
import { ADMIN_TOKEN, type Collector, DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'

// The dashboard in Chromium against the real collector: data seeded through the public API, each
// page's numbers compared with the admin API's JSON, hostile strings shown as text, a strict CSP.

const XSS = '<img src=x onerror=window.pwned=1>'
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

let collector: Collector
let seq = 0
const started = Date.now()

/** Events through POST /v1/batch, as a server library sends them (no Origin). */
const send = async (...events: Record<string, unknown>[]) => {
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

const track = (anonymousId: string, event: string, properties: Record<string, unknown>, at = 0) => ({
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
const api = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as T
}

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

/** Opens the dashboard, signs in, and waits for the page's heading. Fails on any script error. */
const signIn = async (page: Page, hash: string, heading: string) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.addInitScript(() => {
    window.violations = []
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective))
  })
  const res = await page.goto(`${collector.url}/admin/${hash}`)
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { level: 2, name: heading, exact: true })).toBeVisible()
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
  return res!
}

/** The body cells of a table, by its caption. */
const cells = (page: Page, caption: string) =>
  page
    .getByRole('table', { name: caption, exact: true })
    .evaluate((t: HTMLTableElement) =>
      [...t.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => c.textContent?.trim() ?? '')),
    )

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
  await page.getByLabel('Admin token').fill('not-the-token-at-all')
  await page.getByRole('button', { name: 'Sign in' }).click()
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
    segments.map((s) => [s.name, s.key, count(s.profiles), count(s.visitors7d)]),
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

type Lift = { lift: number | null; ci: [number, number] | null }
interface Results {
  experiment: { key: string; name: string; variations: { key: string; name: string; weight: number }[] }
  users: number
  late: { total: number; variations: { key: string; late: number }[] }
  srm: { chi2: number | null; pValue: number | null; warn: boolean }
  adjustment: string
  metrics: {
    event: string
    property: string | null
    kind: 'proportion' | 'mean'
    role: 'goal' | 'guardrail'
    cap: { percentile: number; value: number | null } | null
    cuped: {
      applied: boolean
      reason: 'off' | 'no-history' | null
      theta: number | null
      varianceReduction: number | null
      windowDays: number
    }
    variations: {
      key: string
      users: number
      conversions?: number
      mean: number | null
      ci: [number, number] | null
      stdErr: number | null
      vsControl: null | {
        absolute: Lift
        relative: Lift
        pValue: number | null
        adjustedPValue: number | null
        chanceToWin: number | null
        risk: { treatment: number; control: number } | null
      }
    }[]
  }[]
  granularity: 'hour' | 'day'
  daily: {
    date: string
    variations: { key: string; users: number; conversions: number; lift: number | null }[]
  }[]
  verdict: string
}

/** The line under a metric saying whether CUPED adjusted its comparisons, from the API's numbers. */
const cupedText = (c: Results['metrics'][number]['cuped']) => {
  if (!c.applied)
    return c.reason === 'off'
      ? 'CUPED off: the comparisons are unadjusted.'
      : 'CUPED not applied: no history before exposure.'
  const history = `using each person's ${c.windowDays} days before exposure`
  const r = c.varianceReduction
  if (r === null) return `CUPED applied, ${history}.`
  return r >= 0
    ? `CUPED: variance cut by ${percent(r, 0)} ${history}.`
    : `CUPED: variance grew by ${percent(-r, 0)} ${history}.`
}

test("experiments: the list, and one experiment's results as the API computes them", async ({ page }) => {
  // A decision whose target was already shown: no exposure, one late decision.
  await send(
    track('x9', 'Experiment Late', { experiment_id: 'cta-color', variation_id: 'green', bucket_version: 0 }),
  )
  await signIn(page, '#/experiments', 'Experiments')
  const list = await api<{ experiments: { key: string; name: string; status: string; users: number }[] }>(
    '/admin/api/experiments?site=demo',
  )
  expect(list.experiments.map((e) => [e.key, e.users])).toEqual([['cta-color', 6]])
  expect(await cells(page, 'Experiments')).toEqual(
    list.experiments.map((e) => [e.name, e.key, e.status, '2', count(e.users)]),
  )
  const r = await api<Results>('/admin/api/experiments/cta-color/results?site=demo')
  await page.getByRole('link', { name: r.experiment.name, exact: true }).click()
  await expect(page.getByRole('heading', { level: 2, name: r.experiment.name })).toBeVisible()
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')

  // Users per variation and the SRM verdict (three and three: no mismatch).
  const srm = `(χ² = ${decimal(r.srm.chi2)}, p = ${pValue(r.srm.pValue)})`
  expect(r.srm.warn).toBe(false)
  await expect(page.locator('#srm-status')).toHaveText(`No sample ratio mismatch ${srm}.`)
  // Sequential by default: nothing significant yet, and the page says that looking daily is safe.
  expect(r.verdict).toBe('keep-running')
  await expect(page.locator('#verdict')).toContainText('no goal differs from the control yet')
  // Three people in the control are too few to plan from, and the page says so.
  await expect(page.locator('#plan')).toHaveText(
    'Plan: to find a 10% lift of the first goal with 80% power, too few people in the control yet to tell how many are needed.',
  )
  expect(r.late).toEqual({
    total: 1,
    variations: [
      { key: 'control', late: 0 },
      { key: 'green', late: 1 },
    ],
  })
  await expect(page.locator('#experiment-late')).toHaveText(
    '1 decision came late (Green 1): their targets were already shown, so the page stayed as it was and they are not counted as exposures.',
  )
  expect(await cells(page, 'Users per variation')).toEqual([
    ['Blue (control)', 'control', '50.0%', '3', '3.0'],
    ['Green', 'green', '50.0%', '3', '3.0'],
  ])

  // Hand-computed: Product Added by x0 (control) and x1, x3 (green); one order of 189 in green.
  const [added, revenue] = r.metrics
  expect(added?.variations.map((v) => [v.users, v.conversions, v.mean])).toEqual([
    [3, 1, 1 / 3],
    [3, 2, 2 / 3],
  ])
  expect(revenue?.variations.map((v) => v.mean)).toEqual([0, 63])
  // Revenue is capped at its 99th percentile (the demo's config): of the one order, 189 itself.
  expect(added?.cap).toBeNull()
  expect(revenue?.cap).toEqual({ percentile: 0.99, value: 189 })
  await expect(page.locator('section.metric p.cap')).toHaveText([
    'Capped at the 99th percentile: 189.00 per person',
  ])
  const adjusted = r.adjustment === 'holm' ? 'Holm' : 'Benjamini–Hochberg'
  type N = number | null | undefined
  for (const m of r.metrics) {
    const label = `${m.role === 'goal' ? 'Goal' : 'Guardrail'}: ${m.event}${m.property ? `, ${m.property} per user` : ', conversion rate'}`
    const proportion = m.kind === 'proportion'
    const value = proportion ? (x: N) => percent(x, 2) : (x: N) => decimal(x)
    const absolute = proportion ? (x: N) => points(x) : (x: N) => signedDecimal(x)
    const nameOf = (key: string) => r.experiment.variations.find((v) => v.key === key)?.name ?? key
    const table = page.getByRole('table', { name: `${label}: results`, exact: true })
    await expect(table.locator('th').last()).toHaveText('Chance to win')
    const p = m.role === 'goal' ? `p (${adjusted})` : 'p'
    await expect(table.locator('th').nth(proportion ? 6 : 5)).toHaveText(p)
    // Every number is the API's, the intervals included: the page computes none.
    expect(await cells(page, `${label}: results`)).toEqual(
      m.variations.map((v) => {
        const c = v.vsControl
        return [
          `${nameOf(v.key)}${c ? '' : ' (control)'}`,
          count(v.users),
          ...(proportion ? [count(v.conversions)] : []),
          value(v.mean),
          interval(v.ci, value),
          c ? `${signedPercent(c.relative.lift)} ${interval(c.relative.ci, (x) => signedPercent(x))}` : '–',
          pValue(m.role === 'goal' ? c?.adjustedPValue : c?.pValue),
          percent(c?.chanceToWin),
        ]
      }),
    )
    // The rest is one click away.
    const section = page.locator(
      `section.metric[data-metric="${m.event}${m.property ? `.${m.property}` : ''}"]`,
    )
    // Nobody had an event of the metric before their exposure: nothing for CUPED to use.
    expect(m.cuped).toMatchObject({ applied: false, reason: 'no-history', windowDays: 14 })
    await expect(section.locator('p.cuped')).toHaveText(cupedText(m.cuped))
    await section.locator('summary').click()
    expect(await cells(page, `${label}: details`)).toEqual(
      m.variations.map((v) => {
        const c = v.vsControl
        return [
          nameOf(v.key),
          absolute(c?.absolute.lift),
          interval(c?.absolute.ci, absolute),
          pValue(c?.pValue),
          percent(c?.risk?.treatment, 2),
          percent(c?.risk?.control, 2),
        ]
      }),
    )
    // A rate's interval stays inside [0, 1]; revenue's never goes below 0.
    for (const v of m.variations) if (v.ci) expect(v.ci[0]).toBeGreaterThanOrEqual(0)
    if (proportion) for (const v of m.variations) if (v.ci) expect(v.ci[1]).toBeLessThanOrEqual(1)
    // The chart shows each variation's value as text, with interval whiskers where there is one.
    const chart = page.getByRole('img', { name: `${label} (95% intervals)` })
    for (const v of m.variations)
      await expect(chart.locator('text.value').filter({ hasText: value(v.mean) })).not.toHaveCount(0)
    const whiskers = m.variations.filter((v) => v.ci).length
    await expect(chart.locator('g.whisker')).toHaveCount(whiskers)
  }
  expect(added?.variations[1]?.vsControl?.relative.lift).toBeCloseTo(1, 10) // 66.7% vs 33.3%
  await expect(
    page.getByRole('table', { name: 'Goal: Product Added, conversion rate: results' }),
  ).toContainText('+100.0%')

  // Lift over time: the last point's cumulative rates give the same +100%; an experiment that
  // started today is charted by the hour.
  expect(r.granularity).toBe('hour')
  expect(r.daily.at(-1)?.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00Z$/)
  expect(r.daily.at(-1)?.variations).toEqual([
    { key: 'control', users: 3, conversions: 1, lift: null },
    { key: 'green', users: 3, conversions: 2, lift: 1 },
  ])
  const lift = page.getByRole('img', { name: /^Cumulative relative lift vs Blue/ })
  await expect(lift.locator('path')).toHaveCount(1)
  await expect(lift.locator('circle').last().locator('title')).toHaveText(
    `Green, ${seriesLabel(r.daily.at(-1)?.date ?? '')}: +100.0%`,
  )

  // Thirty more people in the control only: a sample ratio mismatch, said loudly.
  await send(
    ...Array.from({ length: 30 }, (_, i) =>
      track(`y${i}`, 'Experiment Viewed', {
        experiment_id: 'cta-color',
        variation_id: 'control',
        bucket_version: 0,
      }),
    ),
  )
  const skewed = await api<Results>('/admin/api/experiments/cta-color/results?site=demo')
  expect(skewed.srm.warn).toBe(true)
  await page.reload()
  await expect(page.getByRole('alert')).toHaveText(
    `Sample ratio mismatch: users are not split as configured (χ² = ${decimal(skewed.srm.chi2)}, p = ${pValue(skewed.srm.pValue)}). Find the cause before trusting these results.`,
  )
  expect((await cells(page, 'Users per variation')).map((row) => row[3])).toEqual(['33', '3'])

  // History before exposure (x0 in the control and x3 in green added to cart a minute before
  // theirs): CUPED adjusts the lifts, and each metric says by how much it cut their variance.
  await send(
    track('x0', 'Product Added', { sku: 'lamp-h' }, -60_000),
    track('x3', 'Product Added', { sku: 'tent-2p' }, -60_000),
  )
  const adjusted2 = await api<Results>('/admin/api/experiments/cta-color/results?site=demo')
  expect(adjusted2.metrics[0]?.cuped.applied).toBe(true)
  expect(adjusted2.metrics[1]?.cuped).toMatchObject({ applied: false, reason: 'no-history' }) // no orders before
  await page.reload()
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'false')
  await expect(page.locator('section.metric p.cuped')).toHaveText(
    adjusted2.metrics.map((m) => cupedText(m.cuped)),
  )
  const [added2] = adjusted2.metrics
  const green = added2!.variations[1]!.vsControl!
  expect((await cells(page, 'Goal: Product Added, conversion rate: results'))[1]?.[5]).toBe(
    `${signedPercent(green.relative.lift)} ${interval(green.relative.ci, (x) => signedPercent(x))}`,
  )
  expect(await page.evaluate(() => window.violations)).toEqual([])

  // The results fit the page at 1,200 px; on a phone the page itself never scrolls sideways.
  const overflow = () =>
    page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      tables: [...document.querySelectorAll('section.metric > .table-wrap')].map(
        (w) => w.scrollWidth - w.clientWidth,
      ),
    }))
  await page.setViewportSize({ width: 1200, height: 900 })
  expect(await overflow()).toEqual({ page: 0, tables: r.metrics.map(() => 0) })
  await page.setViewportSize({ width: 390, height: 844 })
  expect((await overflow()).page).toBeLessThanOrEqual(0)
})
