import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { adminCall, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// The experiment editor against the real collector: creating one through the form, changing the
// split of a running one (the rebucket question, answered, recorded as the version's note),
// refusals that save nothing, read-only roles, accessibility and a phone's width.
test.describe.configure({ mode: 'serial' })

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector()
})
test.afterAll(async () => {
  await collector?.stop()
})

const KEY = 'checkout-copy'

const call = (method: string, path: string, body?: unknown) => adminCall(collector.url, method, path, body)

const experiment = async (key: string) => call('GET', `/admin/api/experiments/${key}?site=demo`)

/** Opens a dashboard page signed in with the token; fails on any script error or CSP violation. */
const open = async (page: Page, hash: string, heading: string) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.addInitScript(() => {
    window.violations = []
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective))
  })
  await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await loaded(page, heading)
}

const loaded = pageLoaded

const violations = async (page: Page) =>
  (await new AxeBuilder({ page }).include('main').analyze()).violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )

const row = (page: Page, name: string) => page.getByRole('group', { name, exact: true })

test('creates an experiment through the form: the results page and the API have what was typed', async ({
  page,
}) => {
  await open(page, '#/experiments', 'Experiments')
  await page.getByRole('link', { name: 'New experiment' }).click()
  await loaded(page, 'New experiment')
  await page.getByLabel('Experiment key').fill(KEY)
  await page.getByLabel('Experiment name').fill('Checkout button copy')
  await page.getByLabel('Status').selectOption('running')
  await page.getByLabel('Coverage (%)').fill('80')
  await page.getByRole('button', { name: 'Add a condition' }).click()
  const rule = row(page, 'Who is eligible, rule 1')
  await expect(rule.getByLabel('Attribute')).toBeFocused()
  await rule.getByLabel('Attribute').fill('page.path')
  await rule.getByLabel('Value').fill('/checkout')
  await page.getByLabel('Segment').selectOption('pro-member')

  const control = row(page, 'Variation 1 (the control)')
  const second = row(page, 'Variation 2')
  await expect(control.getByLabel('Key', { exact: true })).toHaveValue('control')
  await second.getByLabel('Key', { exact: true }).fill('buy-now')
  await second.getByLabel('Name', { exact: true }).fill('Buy now')
  await second.getByLabel('Change').selectOption('class')
  await second.getByLabel('CSS selector').fill('#checkout')
  await second.getByLabel('Class to add').fill('cta-now')
  await expect(second.getByLabel('Slot')).toBeHidden()
  await page.getByRole('button', { name: 'Split equally' }).click()
  await expect(control.getByLabel('Weight (%)')).toHaveValue('50')
  await expect(second.getByLabel('Weight (%)')).toHaveValue('50')
  // Two to ten variations: two cannot lose one.
  await expect(control.getByRole('button', { name: 'Remove variation 1' })).toBeDisabled()

  const goal = row(page, 'Goal 1')
  await goal.getByLabel('Event').fill('Order Completed')
  await goal.getByLabel('Property (optional)').fill('revenue')
  await goal.getByLabel('Cap at percentile (optional)').fill('99')
  await page.getByRole('button', { name: 'Add a guardrail' }).click()
  await row(page, 'Guardrail 1').getByLabel('Event').fill('Refund Issued')
  await row(page, 'Guardrail 1').getByLabel('Property (optional)').fill('amount')
  await row(page, 'Guardrail 1').getByText('Can be negative (refunds)').click()
  await page.getByLabel('Smallest lift worth finding (%)').fill('5')

  await page.getByRole('button', { name: 'Create the experiment' }).click()
  await expect(page).toHaveURL(new RegExp(`#/experiments/${KEY}$`))
  await loaded(page, 'Checkout button copy')
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Change history' })).toBeVisible()

  const saved = await experiment(KEY)
  expect(saved.status).toBe(200)
  expect(saved.body.config).toEqual({
    key: KEY,
    name: 'Checkout button copy',
    status: 'running',
    coverage: 0.8,
    condition: { 'page.path': '/checkout' },
    segment: 'pro-member',
    variations: [
      { key: 'control', name: 'Control', weight: 0.5 },
      {
        key: 'buy-now',
        name: 'Buy now',
        weight: 0.5,
        change: { class: { selector: '#checkout', add: 'cta-now' } },
      },
    ],
    goals: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.99 } }],
    guardrails: [{ event: 'Refund Issued', property: 'amount', signed: true }],
    plan: { mde: 0.05, power: 0.8 },
  })
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('changing the split of a running experiment asks, and the answer is the version note', async ({
  page,
}) => {
  await open(page, `#/experiments/${KEY}`, 'Checkout button copy')
  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await loaded(page, 'Edit experiment: Checkout button copy')
  // An untouched form saves what was loaded: no question, nothing changed but the name.
  await page.getByLabel('Experiment name').fill('Checkout copy')
  await page.getByRole('button', { name: 'Save the changes' }).click()
  await loaded(page, 'Checkout copy')
  const before = await experiment(KEY)
  expect(before.body.config).toMatchObject({
    name: 'Checkout copy',
    variations: [{ weight: 0.5 }, { weight: 0.5 }],
  })
  expect(before.body.config).not.toHaveProperty('bucketVersion')

  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await loaded(page, 'Edit experiment: Checkout copy')
  await row(page, 'Variation 1 (the control)').getByLabel('Weight (%)').fill('70')
  await row(page, 'Variation 2').getByLabel('Weight (%)').fill('30')
  await page.getByRole('button', { name: 'Save the changes' }).click()
  const question = page.locator('[data-code="rebucket_choice_required"]')
  await expect(question).toHaveText(
    /This experiment is running and its split changed\. Re-randomize everyone \(new bucket version: results start over\) or keep everyone in their variation \(only new visitors follow the new split\)\?/,
  )
  await expect(question).toHaveAttribute('role', 'alert')
  expect((await experiment(KEY)).body.config).toEqual(before.body.config)
  expect(await violations(page)).toEqual([])

  await question.getByRole('button', { name: 'Re-randomize everyone' }).click()
  await loaded(page, 'Checkout copy')
  expect((await experiment(KEY)).body.config).toMatchObject({
    bucketVersion: 1,
    variations: [
      { key: 'control', weight: 0.7 },
      { key: 'buy-now', weight: 0.3 },
    ],
  })

  await page.getByRole('link', { name: 'Change history' }).click()
  await loaded(page, `Change history: experiment ${KEY}`)
  await expect(page.getByRole('region', { name: /Version \d+ \(now\)/ })).toContainText(
    'variations or weights changed while running: everyone re-bucketed (bucketVersion 1)',
  )

  // Keeping everyone's variation is the other answer, and its own note.
  await page.goto(`${collector.url}/admin/#/experiments/${KEY}/edit`)
  await loaded(page, 'Edit experiment: Checkout copy')
  await page.getByRole('button', { name: 'Split equally' }).click()
  await page.getByRole('button', { name: 'Save the changes' }).click()
  await question.getByRole('button', { name: 'Keep everyone in their variation' }).click()
  await loaded(page, 'Checkout copy')
  const kept = await call('GET', `/admin/api/experiments/${KEY}/versions?site=demo`)
  const [newest] = kept.body.versions as { note: string }[]
  expect(newest?.note).toBe('variations or weights changed while running: assignments kept (bucketVersion 1)')
  expect((await experiment(KEY)).body.config).toMatchObject({
    bucketVersion: 1,
    variations: [{ weight: 0.5 }, { weight: 0.5 }],
  })
})

test('a bad value shows the refusal and saves nothing', async ({ page }) => {
  await open(page, '#/experiments/new', 'New experiment')
  await page.getByLabel('Experiment key').fill('Bad-Key')
  await row(page, 'Variation 2').getByLabel('Key', { exact: true }).fill('green')
  await row(page, 'Goal 1').getByLabel('Event').fill('Product Added')
  await page.getByRole('button', { name: 'Create the experiment' }).click()
  // The API judges the key: its refusal, with where and why.
  const refusal = page.locator('.form-status [role="alert"]')
  await expect(refusal).toHaveAttribute('data-code', 'invalid_config')
  await expect(refusal).toContainText('lowercase')
  expect((await experiment('Bad-Key')).status).toBe(404)

  // Weights that do not add up to 100 % are caught before sending.
  await page.getByLabel('Experiment key').fill('bad-weights')
  await row(page, 'Variation 1 (the control)').getByLabel('Weight (%)').fill('60')
  await row(page, 'Variation 2').getByLabel('Weight (%)').fill('30')
  await page.getByRole('button', { name: 'Create the experiment' }).click()
  await expect(refusal).toHaveText('The weights must add up to 100 % (now 90 %).')
  expect((await experiment('bad-weights')).status).toBe(404)
  const list = await call('GET', '/admin/api/experiments?site=demo')
  expect((list.body.experiments as { key: string }[]).map((e) => e.key).sort()).toEqual([KEY, 'cta-color'])
})

test('the editor is accessible and fits a 375 px screen', async ({ page }) => {
  await open(page, '#/experiments/new', 'New experiment')
  // Every kind of row on show: a condition, a slot change, a class change, a guardrail.
  await page.getByRole('button', { name: 'Add a condition' }).click()
  await row(page, 'Variation 2').getByLabel('Change').selectOption('slot')
  await page.getByRole('button', { name: 'Add a variation' }).click()
  await row(page, 'Variation 3').getByLabel('Change').selectOption('class')
  await page.getByRole('button', { name: 'Add a guardrail' }).click()
  expect(await violations(page)).toEqual([])
  await page.setViewportSize({ width: 375, height: 800 })
  const fits = () =>
    page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
  expect(await fits()).toBe(true)

  // The editor of an existing experiment, stopped, with its rollout choice.
  await page.goto(`${collector.url}/admin/#/experiments/${KEY}/edit`)
  await loaded(page, 'Edit experiment: Checkout copy')
  await expect(page.getByLabel('Roll out to everyone')).toBeHidden()
  await page.getByLabel('Status').selectOption('stopped')
  await page.getByLabel('Roll out to everyone').selectOption('buy-now')
  expect(await fits()).toBe(true)
  expect(await violations(page)).toEqual([])
  await page.getByRole('button', { name: 'Save the changes' }).click()
  await loaded(page, 'Checkout copy')
  expect((await experiment(KEY)).body.config).toMatchObject({ status: 'stopped', rollout: 'buy-now' })
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('an analyst reads experiments but gets no form and no edit links', async ({ page }) => {
  const password = 'analyst-password-0001'
  const made = await call('POST', '/admin/api/users', {
    email: 'ana@example.com',
    name: 'Ana',
    role: 'analyst',
    password,
  })
  expect(made.status).toBe(201)
  await page.goto(`${collector.url}/admin/#/experiments`)
  await page.getByLabel('Email').fill('ana@example.com')
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await loaded(page, 'Experiments')
  await expect(page.getByRole('link', { name: 'Checkout copy' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'New experiment' })).toHaveCount(0)
  await page.getByRole('link', { name: 'Checkout copy' }).click()
  await loaded(page, 'Checkout copy')
  await expect(page.getByRole('link', { name: 'Change history' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0)
  await page.goto(`${collector.url}/admin/#/experiments/${KEY}/edit`)
  await expect(page.getByText('Your role can read experiments but not change them.')).toBeVisible()
  await expect(page.locator('form')).toHaveCount(0)
})

test("a goal or guardrail may count one of the site's goals, page goals too, shown by its name", async ({
  page,
}) => {
  for (const [key, config] of [
    ['order', { name: 'Order placed', event: 'Order Completed', revenue: 'revenue' }],
    ['thanks', { name: 'Thank-you page', page: '/thank-you' }],
  ] as const)
    expect((await call('POST', '/admin/api/goals?site=demo', { key, config })).status).toBe(201)
  await open(page, '#/experiments/new', 'New experiment')
  await page.getByLabel('Experiment key').fill('goal-metric')
  await page.getByLabel('Experiment name').fill('Goal metric')
  await row(page, 'Variation 2').getByLabel('Key', { exact: true }).fill('green')
  const goal = row(page, 'Goal 1')
  await expect(goal.getByLabel('Counts').locator('option')).toHaveText([
    'An event, named below',
    'Order placed (order)',
    'Thank-you page (thanks)',
  ])
  await goal.getByLabel('Counts').selectOption({ label: 'Order placed (order)' })
  await expect(goal.getByLabel('Event')).toBeHidden()
  await expect(goal.getByLabel('Property (optional)')).toBeHidden()
  await goal.getByLabel('Cap at percentile (optional)').fill('99')
  await page.getByRole('button', { name: 'Add a guardrail' }).click()
  await row(page, 'Guardrail 1').getByLabel('Counts').selectOption({ label: 'Thank-you page (thanks)' })
  expect(await violations(page)).toEqual([])
  await page.getByRole('button', { name: 'Create the experiment' }).click()
  await loaded(page, 'Goal metric')
  await expect(
    page.getByRole('heading', { name: 'Goal: Order placed (Order Completed), revenue per user' }),
  ).toBeVisible()
  await expect(
    page.getByRole('heading', { name: 'Guardrail: Thank-you page (page views), conversion rate' }),
  ).toBeVisible()
  // As written: the references alone, not the goals' events and revenue.
  expect((await experiment('goal-metric')).body.config).toEqual(
    expect.objectContaining({
      goals: [{ goal: 'order', cap: { percentile: 0.99 } }],
      guardrails: [{ goal: 'thanks' }],
    }),
  )

  // The editor loads it with the goal chosen, and the goal cannot be deleted while it is counted.
  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await loaded(page, 'Edit experiment: Goal metric')
  await expect(row(page, 'Goal 1').getByLabel('Counts')).toHaveValue('order')
  const deleted = await adminCall(collector.url, 'DELETE', '/admin/api/goals/order?site=demo', undefined, {
    'if-match': '*',
  })
  expect(deleted.status).toBe(400)
  expect(deleted.body.error).toMatchObject({
    code: 'invalid_config',
    message: expect.stringContaining('experiment goal-metric counts goal "order"'),
  })
})
