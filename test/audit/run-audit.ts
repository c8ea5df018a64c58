// npm run audit:privacy -- <page url> [more page urls…]
// Opens the first page in a fresh Chromium profile and reports what it did before any click;
// then presses the banner's "Reject all" and reports again after visiting every page given.
// Exits 1 when anything needed consent. Works on any site that runs the Precis script tag.
import { launch } from '../support/chromium.ts'
import { CLEAN, findings, instrument, recordRequests } from './privacy-audit.ts'

const [first, ...more] = process.argv.slice(2)
if (!first) {
  console.error('usage: npm run audit:privacy -- <page url> [more page urls…]')
  process.exit(2)
}

const browser = await launch()
const context = await browser.newContext()
await instrument(context)
const page = await context.newPage()
const requests = recordRequests(page)
const collector = async () =>
  page.evaluate(() => (document.querySelector('script[src*="/p.js"]') as HTMLScriptElement | null)?.src ?? '')
const settle = () => page.waitForLoadState('networkidle')

let failed = false
const report = (step: string, found: Awaited<ReturnType<typeof findings>>) => {
  const clean = JSON.stringify(found) === JSON.stringify(CLEAN)
  failed ||= !clean
  console.log(`${clean ? 'PASS' : 'FAIL'} ${step}${clean ? '' : `\n${JSON.stringify(found, null, 2)}`}`)
}

await page.goto(first)
await settle()
const origin = new URL((await collector()) || first).origin
report(
  'before any click: no cookie, no storage, no request but the script and its config',
  await findings(page, requests, origin),
)

await page.getByRole('button', { name: /Reject all|全部拒绝/ }).click()
for (const url of [first, ...more]) {
  await page.goto(url)
  await settle()
  report(
    `after "Reject all", on ${url}`,
    await findings(page, requests, origin, { cookies: ['precis_consent'], requests: [/\/v1\/consent$/] }),
  )
}
await browser.close()
process.exit(failed ? 1 : 0)
