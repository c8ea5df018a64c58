import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { openDemo } from '../support/demo-page.ts'

// Ad click ids are marketing identifiers: a visitor landing from an ad (gclid) with analytics
// only, or under Global Privacy Control, leaves no click id in any request body the page sends,
// in anything the page stores, or in the collector's database.
let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

// Long enough that no random token or id the page writes can contain it by chance ('G1' once
// matched a session token).
const GCLID = 'PrecisTestGclid7Qx'
const LANDING = `index.html?gclid=${GCLID}&utm_source=x`

type Payload = { properties: Record<string, unknown>; context: { campaign?: Record<string, string> } }
const payload = (r: { payload: string }) => JSON.parse(r.payload) as Payload
const pageViews = () => collector.rows().filter((r) => r.type === 'page')

/**
 * Records every request body and every value written to cookies, Web Storage and IndexedDB,
 * from the first byte of every page, through a binding (a page's own log would go with the page).
 */
const watch = async (context: BrowserContext, gpc: boolean) => {
  const bodies: string[] = []
  const writes: string[] = []
  await context.exposeFunction('__clickIdWrite', (value: string) => writes.push(value))
  await context.addInitScript((gpc) => {
    const log = (value: unknown) => {
      try {
        ;(window as unknown as { __clickIdWrite(v: string): void }).__clickIdWrite(
          typeof value === 'string' ? value : JSON.stringify(value),
        )
      } catch {}
    }
    if (gpc) Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        return cookie.get!.call(this)
      },
      set(value: string) {
        log(value)
        cookie.set!.call(this, value)
      },
    })
    const setItem = Storage.prototype.setItem
    Storage.prototype.setItem = function (key: string, value: string) {
      log(`${key}=${value}`)
      setItem.call(this, key, value)
    }
    for (const method of ['put', 'add'] as const) {
      const original = IDBObjectStore.prototype[method]
      IDBObjectStore.prototype[method] = function (value: unknown, key?: IDBValidKey) {
        log(value)
        return original.call(this, value, key)
      }
    }
  }, gpc)
  context.on('request', (req) => bodies.push(req.postData() ?? ''))
  return { bodies, writes }
}

/** Everything the page's origin holds now: cookies, both storages, every IndexedDB record. */
const storedNow = async (page: Page) => {
  const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`)
  const held = await page.evaluate(async () => {
    const out = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(name!)
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => reject(req.error)
      })
      for (const store of db.objectStoreNames) {
        const all = await new Promise<unknown>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).getAll()
          req.onsuccess = () => resolve(req.result)
          req.onerror = () => reject(req.error)
        })
        out.push(JSON.stringify(all))
      }
      db.close()
    }
    return out
  })
  return [...cookies, ...held].join('\n')
}

/** Leaves the landing page for another page of the shop, where the session's campaign goes on. */
const nextPage = async (page: Page) => {
  await page.getByRole('navigation').getByRole('link', { name: 'Outdoor' }).click()
  await page.waitForURL(/outdoor\.html$/)
  await page.waitForFunction(() => typeof window.precis?.flush === 'function' && !('q' in window.precis))
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => pageViews().length, { timeout: 20_000 }).toBe(2)
}

const expectNoClickId = async (page: Page, seen: { bodies: string[]; writes: string[] }) => {
  expect(seen.bodies.some((b) => b.includes('"batch"'))).toBe(true)
  expect(seen.bodies.filter((b) => b.includes(GCLID))).toEqual([])
  expect(seen.writes.filter((w) => w.includes(GCLID))).toEqual([])
  expect(await storedNow(page)).not.toContain(GCLID)
  expect(collector.rows().filter((r) => r.payload.includes(GCLID))).toEqual([])
  // The UTM campaign is analytics, and stays with the session.
  for (const r of collector.rows()) expect(payload(r).context.campaign).toEqual({ source: 'x' })
}

test('analytics only: no click id is sent or stored, the UTM campaign is', async ({ context, page }) => {
  const seen = await watch(context, false)
  await openDemo(page, collector.url, LANDING)
  await page.getByRole('button', { name: 'Preferences' }).click()
  await page.getByRole('switch', { name: 'Analytics' }).check()
  await page.getByRole('button', { name: 'Save choices' }).click()
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => pageViews().length, { timeout: 20_000 }).toBe(1)
  expect(payload(pageViews()[0]!).properties).toMatchObject({ search: '?utm_source=x' })
  await nextPage(page)
  await expectNoClickId(page, seen)
})

test('marketing granted: the landing campaign keeps the click id', async ({ context, page }) => {
  const seen = await watch(context, false)
  await openDemo(page, collector.url, LANDING)
  await page.getByRole('button', { name: 'Accept all' }).click()
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => pageViews().length, { timeout: 20_000 }).toBe(1)
  expect(payload(pageViews()[0]!).context.campaign).toEqual({ gclid: GCLID, source: 'x' })
  await nextPage(page)
  expect(payload(pageViews()[1]!).context.campaign?.gclid).toBe(GCLID)
  // The instruments the other tests rely on do see a click id where there is one.
  expect(seen.bodies.some((b) => b.includes(GCLID))).toBe(true)
  expect(seen.writes.some((w) => w.includes(GCLID))).toBe(true)
  expect(await storedNow(page)).toContain(GCLID)
})

test('Global Privacy Control: no click id, even after Accept all and marketing switched on', async ({
  context,
  page,
}) => {
  const seen = await watch(context, true)
  await openDemo(page, collector.url, LANDING)
  await page.getByRole('button', { name: 'Accept all' }).click()
  expect(await page.evaluate(() => window.precis.consent.get().purposes)).toMatchObject({
    analytics: true,
    marketing: false,
  })
  await page.evaluate(() => window.precis.flush())
  await expect.poll(() => pageViews().length, { timeout: 20_000 }).toBe(1)
  // The visitor then switches marketing on: click ids still stay out under GPC.
  await page.evaluate(() => {
    window.precis.consent.set({ marketing: true }, 'preferences')
    window.precis.track('Marketing Allowed')
    return window.precis.flush()
  })
  await expect
    .poll(() => collector.rows().some((r) => r.name === 'Marketing Allowed'), { timeout: 20_000 })
    .toBe(true)
  await nextPage(page)
  await expectNoClickId(page, seen)
})
