import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { type Collector, startCollector } from '../support/collector-process.ts'
import { generate, openDemo, storedNamed } from '../support/demo-page.ts'

// Lossless delivery in Chromium: whatever happens to the network, the collector or the tab, the
// events stored are exactly the events made, each once.
let collector: Collector
test.beforeEach(async () => {
  collector = await startCollector()
})
test.afterEach(async () => {
  await collector.stop()
})

const accepted = async (page: Page, path = 'index.html') => {
  await openDemo(page, collector.url, path)
  await page.evaluate(() => window.precis.consent.acceptAll())
}

/**
 * The collector's answers to every batch of the context's pages, seen by routing them through
 * the test: a batch sent twice comes back with `duplicates`.
 */
const batchAnswers = async (context: BrowserContext) => {
  const answers: { inserted: number; duplicates: number }[] = []
  await context.route('**/v1/batch', async (route) => {
    // A send still under way when the test ends meets the collector stopped: it fails as a
    // network error would, not as the test's.
    const response = await route.fetch().catch(() => undefined)
    if (!response) return route.abort('connectionrefused')
    answers.push(await response.json())
    await route.fulfill({ response })
  })
  return answers
}

const expectExactly = async (name: string, count: number) => {
  await expect.poll(() => storedNamed(collector, name).length, { timeout: 20_000 }).toBe(count)
  const rows = storedNamed(collector, name)
  const indexes = rows.map((r) => JSON.parse(r.payload).properties.i as number).sort((a, b) => a - b)
  expect(indexes).toEqual([...Array(count).keys()])
}

test('events made offline wait in IndexedDB and go once the network is back', async ({ page, context }) => {
  await accepted(page)
  await context.setOffline(true)
  await generate(page, 'Offline', 60)
  await page.evaluate(() => window.precis.flush())
  const waiting = await page.evaluate(async () => {
    const open = indexedDB.open('precis')
    await new Promise((done) => {
      open.onsuccess = done
    })
    const all = open.result.transaction('outbox').objectStore('outbox').count()
    await new Promise((done) => {
      all.onsuccess = done
    })
    open.result.close()
    return all.result
  })
  expect(waiting).toBeGreaterThanOrEqual(60)
  expect(storedNamed(collector, 'Offline')).toHaveLength(0)
  await context.setOffline(false)
  await expectExactly('Offline', 60)
  expect(await page.evaluate(() => window.precis.stats().dropped)).toEqual({
    overflow: 0,
    expired: 0,
    rejected: 0,
  })
})

test('events made offline just before the page is left are kept for the next page', async ({
  page,
  context,
}) => {
  await accepted(page)
  await context.setOffline(true)
  // Left in the same task: their IndexedDB write has not finished when the page goes.
  await page.evaluate(() => {
    for (let i = 0; i < 40; i++) window.precis.track('Offline Left', { i })
    location.href = 'about:blank'
  })
  await page.waitForURL('about:blank')
  await context.setOffline(false)
  await openDemo(page, collector.url, 'index.html')
  await expectExactly('Offline Left', 40)
})

test('a collector answering 503 is retried as its Retry-After says, without losing or doubling', async ({
  page,
}) => {
  await accepted(page)
  let refused = 0
  await page.route('**/v1/batch', (route) => {
    if (refused >= 4) return route.continue()
    refused++
    // Retry-After: 0 beats the backoff: four refusals cost at least 1 + 2 + 4 + 8 = 15 s by
    // backoff alone (sdk/core/retry.ts), so everything stored within the 12 s poll shows the
    // header was honoured, with room to spare on a busy machine.
    return route.fulfill({
      status: 503,
      headers: { 'Retry-After': '0', 'Content-Type': 'application/json' },
      body: '{"error":{"code":"unavailable","message":"try later"}}',
    })
  })
  await generate(page, 'Unavailable', 50)
  await expect.poll(() => storedNamed(collector, 'Unavailable').length, { timeout: 12_000 }).toBe(50)
  expect(refused).toBe(4)
  await expectExactly('Unavailable', 50)
})

test('a collector stopped and restarted gets everything made while it was down', async ({ page }) => {
  await accepted(page)
  await collector.stop()
  await generate(page, 'Down', 30)
  await page.evaluate(() => window.precis.flush())
  await collector.restart()
  await expectExactly('Down', 30)
})

test('a reload in the middle of sending loses nothing', async ({ page }) => {
  await accepted(page)
  await generate(page, 'Reloaded', 45)
  await page.reload()
  await expectExactly('Reloaded', 45)
})

test('a tab closed mid-batch leaves its events to the tabs that stay', async ({ page, context }) => {
  await accepted(page)
  const other = await context.newPage()
  await openDemo(other, collector.url, 'outdoor.html')
  await generate(other, 'Closed', 45)
  await other.close()
  // The next event of the remaining tab sends what the closed one left in the shared outbox.
  await page.evaluate(() => window.precis.track('Still Here'))
  await page.evaluate(() => window.precis.flush())
  await expectExactly('Closed', 45)
})

test('two tabs share one outbox and never send the same event twice', async ({ page, context }) => {
  // Two pages, 100 events and a two-second batch timer: 4 s alone, 10–17 s beside a busy build on
  // two cores, past the default 30 s once in a full run. The wait is for delivery, not for speed.
  test.setTimeout(90_000)
  const answers = await batchAnswers(context)
  await accepted(page)
  const other = await context.newPage()
  await openDemo(other, collector.url, 'kitchen.html')
  for (let round = 0; round < 5; round++) {
    await Promise.all([
      page.evaluate((r) => {
        for (let i = 0; i < 10; i++) window.precis.track('Shared', { i: r * 20 + i })
      }, round),
      other.evaluate((r) => {
        for (let i = 10; i < 20; i++) window.precis.track('Shared', { i: r * 20 + i })
      }, round),
    ])
  }
  await expectExactly('Shared', 100)
  // An answer reaches the list a moment after its rows reach the database: wait for the two to meet.
  const sum = (field: 'inserted' | 'duplicates') => answers.reduce((n, a) => n + a[field], 0)
  await expect.poll(() => sum('inserted') - collector.rows().length, { timeout: 10_000 }).toBe(0)
  expect(sum('duplicates')).toBe(0)
})

test('big events leaving with the page stay within the keepalive budget; the rest goes next page', async ({
  page,
  context,
}) => {
  // Listened to, not routed: a routed request does not outlive its page as a keepalive one does.
  const sizes: number[] = []
  context.on('request', (req) => {
    const body = req.url().endsWith('/v1/batch') ? req.postDataBuffer() : null
    if (body) sizes.push(body.length)
  })
  await accepted(page)
  await generate(page, 'Big', 40, 4000) // 160 KB: more than one page's keepalive budget
  await page.goto('about:blank')
  await openDemo(page, collector.url, 'index.html')
  await expectExactly('Big', 40)
  expect(sizes.length).toBeGreaterThan(2)
  expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024)
  // What the first page could not finish writing to IndexedDB waited in localStorage, now empty.
  await expect.poll(() => page.evaluate(() => localStorage.getItem('precis.outbox'))).toBeNull()
})

test('without IndexedDB (a private mode) events are kept in memory and still delivered', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
  })
  await accepted(page)
  await generate(page, 'Private', 25)
  await page.evaluate(() => window.precis.flush())
  await expectExactly('Private', 25)
  expect(errors).toEqual([])
})
