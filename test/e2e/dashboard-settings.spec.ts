import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page, test } from '@playwright/test'
import { snippet } from '../../collector/dashboard/assets/settings-new-site.js'
import { TEXT_GROUPS } from '../../collector/dashboard/assets/settings-texts.js'
import { STRINGS } from '../../consent/core/strings.ts'
import { ADMIN_TOKEN, type Collector, ROOT, startCollector } from '../support/collector-process.ts'
import { adminCall, fitsAPhone, pageLoaded, signInWithToken } from '../support/dashboard-fixture.ts'

// The settings and people pages in Chromium against the real collector: consent texts saved and
// served to browsers without a restart, a stale save refused, site settings and key rotation, a
// new site's keys shown once, a person added who then reads the settings without changing them.
test.describe.configure({ mode: 'serial' })

let collector: Collector
test.beforeAll(async () => {
  collector = await startCollector()
})
test.afterAll(async () => {
  await collector?.stop()
})

const ZH_TEXT = '我们只在您同意后使用分析 Cookie。'
const ANALYST = { name: 'Ana Lyst', email: 'ana@example.com', password: 'analyst password 0001' }

type Json = Record<string, unknown>

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  adminCall(collector.url, method, path, body, headers)

const consentOf = async (site = 'demo') =>
  (await admin('GET', `/admin/api/consent?site=${site}`)).body as { version: number; config: Json }

/** Fails on script errors; records CSP violations in window.violations. */
const watch = async (page: Page) => {
  page.on('pageerror', (err) => {
    throw err
  })
  await page.addInitScript(() => {
    window.violations = []
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective))
  })
}

const settled = pageLoaded

/** Opens a page of the dashboard signed in with the admin token (an owner). */
const asOwner = async (page: Page, hash: string, heading: string) => {
  await watch(page)
  await page.goto(`${collector.url}/admin/${hash}`)
  await signInWithToken(page, ADMIN_TOKEN)
  await settled(page, heading)
}

const axeViolations = async (page: Page) =>
  (await new AxeBuilder({ page }).analyze()).violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )

/** At 375 px the page never scrolls sideways. */

test('the texts the dashboard offers are the banner’s, and the snippet is the README’s', () => {
  // Every text the banner has can be reworded here (the wording itself comes from the API).
  const keys = TEXT_GROUPS.flatMap((g) => g.texts.map(([key]) => key))
  expect([...keys].sort()).toEqual(Object.keys(STRINGS.en).sort())
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const block = /```html\n([\s\S]*?)\n```/.exec(readme)![1]!
  expect(snippet('http://localhost:8787', 'demo')).toBe(block)
})

test('an owner rewords the Chinese banner text: served at once; site settings save after it; a stale save is refused', async ({
  page,
}) => {
  test.slow() // axe over some three hundred fields
  await asOwner(page, '#/settings', 'Settings')
  const before = await consentOf()
  const consent = page.locator('#consent')
  const zh = consent.getByLabel('Banner text (简体中文)')
  await expect(zh).toHaveAttribute('lang', 'zh-CN')
  await expect(zh).toHaveAttribute('placeholder', STRINGS['zh-CN'].text)
  await expect(consent.getByLabel('Banner text (English)')).toHaveAttribute('placeholder', STRINGS.en.text)
  // The services as the config lists them, one fieldset each.
  const services = before.config.services as { name: string }[]
  await expect(consent.locator('fieldset.service')).toHaveCount(services.length)
  await expect(consent.locator('fieldset.service').first().getByLabel('Name')).toHaveValue(services[0]!.name)

  await zh.fill(ZH_TEXT)
  await consent.getByRole('button', { name: 'Save consent texts and services' }).click()
  await expect(consent.getByRole('status')).toHaveText(
    `Saved as version ${before.version + 1}: live within seconds on every collector.`,
  )
  // Only the text changed: nothing else was added or lost on the way through the form.
  expect((await consentOf()).config).toEqual({ ...before.config, strings: { 'zh-CN': { text: ZH_TEXT } } })
  // Browsers get it from the public config, without a restart.
  await expect
    .poll(async () => {
      const res = await fetch(`${collector.url}/v1/sites/demo/config`)
      const config = (await res.json()) as { consent: { strings: Record<string, Record<string, string>> } }
      return config.consent.strings['zh-CN']?.text
    })
    .toBe(ZH_TEXT)

  // The site's settings were loaded at the version before: after the page's own save they still save.
  const site = page.locator('#this-site')
  await site.getByLabel('Name', { exact: true }).fill('Demo shop, renamed')
  await site.getByLabel('Time zone').fill('Asia/Shanghai')
  await site.getByLabel('Allowed origins').fill('https://shop.example\n\nhttps://www.shop.example ')
  await site.getByRole('button', { name: 'Save the site settings' }).click()
  await expect(site.getByRole('status')).toHaveText(
    `Saved as version ${before.version + 2}: live within seconds on every collector.`,
  )
  await expect(site.getByRole('heading', { name: 'This site: Demo shop, renamed (demo)' })).toBeVisible()
  const settings = (await admin('GET', '/admin/api/sites/demo')).body as { config: Json }
  expect(settings.config).toMatchObject({
    name: 'Demo shop, renamed',
    timezone: 'Asia/Shanghai',
    allowedOrigins: ['https://shop.example', 'https://www.shop.example'],
  })
  expect(settings.config).not.toHaveProperty('enrichment')
  expect(settings.config).not.toHaveProperty('rateLimit')

  // Someone else saves the consent section behind the page's back: the page's save is refused.
  const behind = await admin('PATCH', '/admin/api/consent?site=demo', { maxAgeDays: 90 }, { 'if-match': '*' })
  expect(behind.status).toBe(200)
  await consent.getByLabel('Banner title (English)').fill('Cookies?')
  await consent.getByRole('button', { name: 'Save consent texts and services' }).click()
  await expect(consent.getByRole('alert')).toContainText(
    'Someone else saved this site since you opened the page, so nothing was saved.',
  )
  expect((await consentOf()).config.strings).toEqual({ 'zh-CN': { text: ZH_TEXT } })
  await consent.getByRole('button', { name: 'Load the newest version' }).click()
  await settled(page, 'Settings')
  await expect(page.locator('#consent').getByLabel('A choice holds for (days)')).toHaveValue('90')

  expect(await axeViolations(page)).toEqual([])
  await fitsAPhone(page)
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('an owner creates a site and sees its keys once, then rotates its server key', async ({ page }) => {
  await asOwner(page, '#/settings', 'Settings')
  const form = page.locator('#new-site')
  await form.getByLabel('Id').fill('shop')
  await form.getByLabel('Name').fill('Shop')
  await form.getByLabel('Allowed origins').fill('https://shop.example')
  await form.getByRole('button', { name: 'Create the site' }).click()
  await expect(form.getByRole('heading', { name: 'Site shop created' })).toBeFocused()
  await expect(form.getByRole('alert')).toContainText(
    'Copy both keys now: the server key is not shown again.',
  )
  const writeKey = await form.getByLabel('Write key', { exact: true }).inputValue()
  const serverKey = await form.getByLabel('Server key', { exact: true }).inputValue()
  expect(writeKey).toMatch(/^pk_[\w-]{24}$/)
  expect(serverKey).toMatch(/^sk_[\w-]{32}$/)
  const made = (await admin('GET', '/admin/api/sites/shop')).body as { config: Json; hasServerKey: boolean }
  expect(made).toMatchObject({
    config: { id: 'shop', name: 'Shop', writeKey, allowedOrigins: ['https://shop.example'] },
    hasServerKey: true,
  })
  await expect(form.getByLabel('Snippet for every page, in <head>', { exact: true })).toHaveValue(
    snippet(collector.url, 'shop'),
  )

  // Done: the dashboard loads again with the new site picked, and the server key is gone for good.
  await form.getByRole('button', { name: 'Done, I copied the keys' }).click()
  await expect(page.locator('#site')).toHaveValue('shop')
  await settled(page, 'Settings')
  await expect(page.getByRole('heading', { name: 'This site: Shop (shop)' })).toBeVisible()
  await expect(page.locator('#write-key')).toHaveText(writeKey)
  expect(await page.content()).not.toContain(serverKey)

  // A new server key; the old one works for another hour.
  const site = page.locator('#this-site')
  await site.getByLabel('Old key keeps working for (hours)').fill('1')
  await site.getByRole('button', { name: 'Rotate the server key' }).click()
  const rotation = site.locator('#rotation')
  await expect(rotation.getByRole('alert')).toContainText(
    'Copy the new server key now: it is not shown again.',
  )
  await expect(rotation.getByRole('alert')).toContainText('The old server key works until')
  const newKey = await rotation.getByLabel('New server key', { exact: true }).inputValue()
  expect(newKey).toMatch(/^sk_/)
  expect(newKey).not.toBe(serverKey)
  const { versions } = (await admin('GET', '/admin/api/sites/shop/versions')).body as {
    versions: { note: string | null; changes: { path: string; after?: unknown }[] }[]
  }
  expect(versions[0]?.note).toMatch(/^server key rotated, the old one works until /)
  expect(versions[0]?.changes).toContainEqual({
    path: 'serverKey',
    before: `…${serverKey.slice(-4)}`,
    after: `…${newKey.slice(-4)}`,
  })
  // The settings still save after the rotation (the page moved on to its version).
  await site.getByLabel('Name', { exact: true }).fill('Shop, renamed')
  await site.getByRole('button', { name: 'Save the site settings' }).click()
  await expect(site.locator('form').getByRole('status')).toHaveText(
    /^Saved as version \d+: live within seconds/,
  )
  expect(await page.evaluate(() => window.violations)).toEqual([])
})

test('an owner adds an analyst, who signs in and reads the settings without changing them', async ({
  page,
  browser,
}) => {
  test.slow() // two people, two pages, axe over each
  // Another owner, the only one who is a person: the page cannot make them anything else.
  expect(
    (
      await admin('POST', '/admin/api/users', {
        name: 'Olga',
        email: 'olga@example.com',
        role: 'owner',
        password: 'owner password 0001',
      })
    ).status,
  ).toBe(201)
  await asOwner(page, '#/users', 'People')
  const add = page.locator('#add-person')
  await add.getByLabel('Name').fill(ANALYST.name)
  await add.getByLabel('Email').fill(ANALYST.email)
  await add.getByLabel('Role').selectOption('analyst')
  await add.getByLabel('First password').fill(ANALYST.password)
  await add.getByRole('button', { name: 'Add the person' }).click()
  await expect(page.locator('#people-status')).toHaveText(
    `${ANALYST.name} added: they sign in with ${ANALYST.email} and that password.`,
  )
  const ana = page.locator(`li.person[data-email="${ANALYST.email}"]`)
  await expect(ana).toContainText(`${ANALYST.email} · Analyst · active`)
  await expect(add.getByLabel('Name')).toHaveValue('')

  const olga = page.locator('li.person[data-email="olga@example.com"]')
  await olga.getByText('Change Olga').click()
  await olga.getByLabel('Role').selectOption('editor')
  await olga.getByRole('button', { name: 'Save Olga' }).click()
  await expect(olga.getByRole('alert')).toHaveText(
    'the last owner stays an owner: make someone else owner first',
  )
  expect(await axeViolations(page)).toEqual([])
  await fitsAPhone(page)

  // The analyst, in a browser of their own.
  const context = await browser.newContext()
  const theirs = await context.newPage()
  await watch(theirs)
  await theirs.goto(`${collector.url}/admin/#/settings`)
  await theirs.getByLabel('Email').fill(ANALYST.email)
  await theirs.getByLabel('Password').fill(ANALYST.password)
  await theirs.getByRole('button', { name: 'Sign in', exact: true }).click()
  await settled(theirs, 'Settings')
  await expect(theirs.locator('#who')).toHaveText(`${ANALYST.email} (analyst)`)
  await expect(theirs.getByRole('link', { name: 'Settings' })).toBeVisible()
  await expect(theirs.getByRole('link', { name: 'People' })).toHaveCount(0)
  // They read everything; nothing offers a change.
  const zh = theirs.getByLabel('Banner text (简体中文)')
  await expect(zh).toHaveValue(ZH_TEXT)
  await expect(zh).not.toBeEditable()
  await expect(theirs.locator('#this-site').getByLabel('Name', { exact: true })).not.toBeEditable()
  for (const name of [
    'Save consent texts and services',
    'Add a service',
    'Save the site settings',
    'Rotate the write key',
    'Create the site',
  ])
    await expect(theirs.getByRole('button', { name })).toHaveCount(0)
  await expect(theirs.locator('#new-site')).toHaveCount(0)
  await expect(theirs.getByText('Owners and privacy officers change these; you can read them.')).toBeVisible()

  // Their own API token: shown once, works with their role, revoked.
  const account = theirs.locator('#account')
  await account.getByLabel('Name of the new token').fill('weekly report')
  await account.getByRole('button', { name: 'Make a token' }).click()
  await expect(account.getByRole('alert')).toContainText(
    'Copy the token "weekly report" now: it is not shown again.',
  )
  const secret = await account.getByLabel('New API token', { exact: true }).inputValue()
  expect(secret).toMatch(/^pt_/)
  const me = (token: string) =>
    fetch(`${collector.url}/admin/api/me`, { headers: { authorization: `Bearer ${token}` } })
  expect(await (await me(secret)).json()).toMatchObject({ role: 'analyst', via: 'api-token' })
  await account.getByRole('button', { name: 'Revoke weekly report' }).click()
  await expect(account.getByRole('status').filter({ hasText: 'revoked' })).toHaveText(
    'Token "weekly report" revoked: it works no more.',
  )
  expect((await me(secret)).status).toBe(401)

  expect(await axeViolations(theirs)).toEqual([])
  await fitsAPhone(theirs)

  // Their own password: every sign-in of theirs ends, and the new password signs in.
  await account.getByLabel('Current password').fill(ANALYST.password)
  await account.getByLabel('New password', { exact: true }).fill('a new analyst password')
  await account.getByLabel('New password again').fill('a new analyst password')
  await account.getByRole('button', { name: 'Change my password' }).click()
  await expect(account.getByRole('status').filter({ hasText: 'Password' })).toContainText(
    'Password changed. Every sign-in of yours has ended, this one too.',
  )
  await account.getByRole('button', { name: 'Sign in again' }).click()
  await theirs.getByLabel('Email').fill(ANALYST.email)
  await theirs.getByLabel('Password').fill('a new analyst password')
  await theirs.getByRole('button', { name: 'Sign in', exact: true }).click()
  await settled(theirs, 'Settings')

  // People is for owners: the page says so rather than failing.
  await theirs.goto(`${collector.url}/admin/#/users`)
  await settled(theirs, 'People')
  await expect(theirs.getByRole('status')).toHaveText(
    'Only owners manage people. Your own password and API tokens are under Settings.',
  )
  expect(await theirs.evaluate(() => window.violations)).toEqual([])
  await context.close()
})
