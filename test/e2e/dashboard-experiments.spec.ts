import { expect, test } from '@playwright/test'
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
import { api, cells, send, signIn, track, useSeededCollector } from '../support/dashboard-fixture.ts'

// The experiment pages against the real collector: the list, and one experiment's results drawn
// from the admin API's numbers (seeded as in dashboard.spec.ts).
useSeededCollector()

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
