import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type Browser, expect, type Page, test } from '@playwright/test'
import { ADMIN_TOKEN, type Collector, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'

// The attack on self-service, in two real browsers against the collector process: the attacker's
// browser claims the victim's user id and email with the public write key, then downloads and
// deletes "its" data from the preferences dialog. It gets only what its own browser sent.
const SECRET = 'demo-identity-secret-for-e2e-0123456789'
let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector({ env: { PRECIS_IDENTITY_SECRET_DEMO: SECRET } })
})
test.afterEach(async () => {
  await collector.stop()
})

const admin = async (path: string) =>
  (
    await fetch(`${collector.url}/admin/api${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).json()

/** A visitor in a browser of their own, consent given. */
const visitor = async (browser: Browser) => {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage()
  await openDemo(page, collector.url, 'index.html')
  await page.getByRole('button', { name: 'Accept all' }).click()
  return page
}

const openYourData = async (page: Page) => {
  await page.getByRole('link', { name: 'Privacy choices' }).click()
  const dialog = page.getByRole('dialog', { name: 'Privacy preferences' })
  // The button shows once the collector issued this browser its token.
  await expect(dialog.getByRole('button', { name: 'Download my data' })).toBeVisible()
  return dialog
}

test("an attacker's browser claiming the victim's ids downloads and deletes only its own data", async ({
  browser,
}) => {
  const victim = await visitor(browser)
  const userHash = createHmac('sha256', SECRET).update('victim-7').digest('hex')
  await victim.evaluate((userHash) => {
    window.precis.identify('victim-7', { email: 'vic@example.com', name: 'Victoria' }, { userHash })
    window.precis.track('Order Completed', { revenue: 120 })
    return window.precis.flush()
  }, userHash)
  // Device ids as the collector keeps them: pseudonyms.
  const victimBrowser = await victim.evaluate(() => window.precis.user().anonymousId!)
  const victimDevice = await collector.pseudonym(victimBrowser)
  await expect
    .poll(() => collector.rows().filter((r) => r.anonymous_id === victimDevice).length)
    .toBeGreaterThan(2)
  const before = await admin('/profiles/victim-7/export?site=demo')
  expect(before.profile.traits.name).toBe('Victoria')

  const attacker = await visitor(browser)
  const attackerDevice = await collector.pseudonym(
    await attacker.evaluate(() => window.precis.user().anonymousId!),
  )
  await attacker.evaluate(() => {
    window.precis.identify('victim-7', { name: 'Mallory' }, { userHash: 'f'.repeat(64) })
    window.precis.identify({ email: 'vic@example.com' })
    return window.precis.flush()
  })
  await expect
    .poll(
      () => collector.rows().filter((r) => r.anonymous_id === attackerDevice && r.type === 'identify').length,
    )
    .toBe(2)

  const dialog = await openYourData(attacker)
  const download = attacker.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Download my data' }).click()
  const text = readFileSync((await (await download).path())!, 'utf8')
  for (const secret of ['Victoria', 'Order Completed', victimDevice, victimBrowser])
    expect(text).not.toContain(secret)
  const data = JSON.parse(text)
  expect(data.profile.identifiers).toEqual([{ kind: 'anonymous', value: attackerDevice }])
  expect(new Set(data.events.map((e: { anonymousId: string }) => e.anonymousId))).toEqual(
    new Set([attackerDevice]),
  )

  await dialog.getByRole('button', { name: 'Delete my data' }).click()
  await dialog.getByRole('button', { name: 'Confirm: delete my data' }).click()
  await expect(dialog.getByRole('status').filter({ hasText: 'Your data was deleted.' })).toBeVisible()
  expect(collector.rows().filter((r) => r.anonymous_id === attackerDevice)).toEqual([])

  // The victim's data is intact, and the victim is not suppressed: their next event counts.
  const after = await admin('/profiles/victim-7/export?site=demo')
  // (The victim's page may have sent more meanwhile: engagement, a session's end.)
  expect(after.events.map((e: { messageId: string }) => e.messageId)).toEqual(
    expect.arrayContaining(before.events.map((e: { messageId: string }) => e.messageId)),
  )
  expect(new Set(after.events.map((e: { anonymousId: string }) => e.anonymousId))).toEqual(
    new Set([victimDevice]),
  )
  expect(after.profile.traits).toMatchObject({ name: 'Victoria' })
  await victim.evaluate(() => {
    window.precis.track('Came Back')
    return window.precis.flush()
  })
  await expect
    .poll(async () =>
      (await admin('/profiles/victim-7/export?site=demo')).events.map((e: { event?: string }) => e.event),
    )
    .toContain('Came Back')
})

test("a verified sign-in on a second device reaches the person's first device too", async ({ browser }) => {
  const userHash = createHmac('sha256', SECRET).update('ada-1').digest('hex')
  const signIn = (page: Page) =>
    page.evaluate((userHash) => {
      window.precis.identify('ada-1', { name: 'Ada' }, { userHash })
      return window.precis.flush()
    }, userHash)
  const phone = await visitor(browser)
  await signIn(phone)
  const laptop = await visitor(browser)
  await signIn(laptop)
  const devices = await Promise.all(
    [phone, laptop].map(async (p) =>
      collector.pseudonym(await p.evaluate(() => window.precis.user().anonymousId!)),
    ),
  )
  await expect
    .poll(
      () => collector.rows().filter((r) => r.type === 'identify' && devices.includes(r.anonymous_id)).length,
    )
    .toBe(2)

  const dialog = await openYourData(laptop)
  const download = laptop.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Download my data' }).click()
  const data = JSON.parse(readFileSync((await (await download).path())!, 'utf8'))
  expect(data.profile.identifiers).toEqual(
    expect.arrayContaining([
      { kind: 'user', value: 'ada-1' },
      { kind: 'anonymous', value: devices[0] },
      { kind: 'anonymous', value: devices[1] },
    ]),
  )
  expect(data.profile.traits).toMatchObject({ name: 'Ada' })
})
