// Slot decisions before the first paint, in Chromium at 4× CPU, the demo shop on a server of its own
// and a proxy that adds 150 ms to every collector response: returning visitors of the demo shop who
// are in the hero's segment, each page view measured with the plan the previous page left (today's
// p.js) and, alternately, with the plan removed from localStorage before p.js runs (the behaviour
// before the plan: the decision waits for the chunk and IndexedDB). The instrument is an init
// script, not the product.
import { readFileSync, rmSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { launch } from '../support/chromium.ts'
import { type Collector, demoSite, startCollector } from '../support/collector-process.ts'

/** Added to every response the page gets from the collector (the page, p.js, chunks, config, batches). */
export const LATENCY_MS = 150
export const CPU_SLOWDOWN = 4
/** Returning visitors, and measured home pages per visitor in each mode (alternating). */
export const VISITORS = Number(process.env.PAINT_VISITORS ?? 4)
export const VIEWS = Number(process.env.PAINT_VIEWS ?? 8)

const SLOT = 'hero'
/** The demo's behavioural segment for the hero: three outdoor products viewed within 30 days. */
const SEGMENT = 'outdoor-fan'
const VARIANT = 'outdoor'
const demo = demoSite().personalization as {
  slots: Record<string, { variants: { key: string; content: { heading?: string } }[] }>
}
/** The variant's heading: the slot shows it, and nothing of the baseline. */
const HEADING = demo.slots[SLOT]!.variants.find((v) => v.key === VARIANT)!.content.heading
const OUTDOOR = ['tent-2p', 'pack-38', 'lamp-h', 'tent-2p', 'pack-38', 'lamp-h']
const BEFORE_PLAN = 'before-plan'

export type Mode = 'plan' | typeof BEFORE_PLAN

interface View {
  variant: string | null
  /** The slot's content is exactly the variant's (no baseline left in it). */
  variantContent: boolean
  /** performance.now() when the slot got data-precis-ready. */
  readyAt: number
  /** performance.now() when the slot was first in the document (the parser inserted it). */
  insertedAt: number
  /** Content changes inside the slot after a frame in which it was visible. */
  changesAfterShown: number
  /** The baseline heading (elementtiming="hero-baseline") was painted. */
  baselinePainted: boolean
  segments: string[]
}

export interface PaintMode {
  /** Page views of a returning visitor in the segment. */
  eligible: number
  /** Share of them that showed the variant from the start (no late decision). */
  shown: number
  /** Of them, decided with the baseline because the decision came after the hiding window. */
  late: number
  /** Page views where something already painted in the slot changed afterwards. */
  changedAfterPaint: number
  /** Decision time from navigation start (performance.now() at data-precis-ready), p95. */
  decisionP95: number
  /**
   * How long the slot waited hidden for its decision: from the parser inserting it to
   * data-precis-ready, p95. What comes before (the previous page's unload, the page's own
   * delivery and parsing at 4× CPU) no decision can be faster than.
   */
  waitP95: number
  waitP50: number
  /** When the parser inserted the slot, from navigation start, p95: no decision can come earlier. */
  insertedP95: number
}

export interface PaintResult {
  plan: PaintMode
  beforePlan: PaintMode
  visitors: number
  seconds: number
}

/**
 * Runs in every page before its own scripts. In the `before-plan` mode it removes the plan from
 * the cached config, as if the previous page had left none. Then it watches the slot: when it got
 * data-precis-ready, the first animation frame in which it was visible (not hidden by the hide
 * sheet), every change of its content after that frame, a paint of the baseline heading (Element
 * Timing), and the moment the chunk keeps the next page's plan (what the bench waits for).
 */
const instrument = ([slot, beforePlan]: [string, string]) => {
  if (window !== window.top) return
  if (new URLSearchParams(location.search).get('bench') === beforePlan) {
    try {
      const cached = JSON.parse(localStorage.getItem('precis.personalize') ?? 'null')
      if (cached && 'plan' in cached) {
        delete cached.plan
        localStorage.setItem('precis.personalize', JSON.stringify(cached))
      }
    } catch {
      // Nothing cached: nothing to remove.
    }
  }
  const bench = {
    readyAt: -1,
    insertedAt: -1,
    shownAt: -1,
    changes: 0,
    baselinePainted: false,
    planSaved: false,
  }
  Object.assign(window, { __paintBench: bench })
  const selector = `[data-precis-slot="${slot}"]`
  const setItem = Storage.prototype.setItem
  Storage.prototype.setItem = function (key: string, value: string) {
    if (this === localStorage && key === 'precis.personalize') {
      try {
        if ('plan' in JSON.parse(value)) bench.planSaved = true
      } catch {}
    }
    return setItem.call(this, key, value)
  }
  const inSlot = (node: Node | null) =>
    (node instanceof Element ? node : node?.parentElement)?.closest(selector) ?? null
  // Records are delivered in order with the tasks that made them, before the next frame's
  // callbacks: a change seen after `shownAt` was set came after a frame that showed the slot.
  new MutationObserver((records) => {
    for (const r of records) {
      if (bench.insertedAt < 0 && document.querySelector(selector)) bench.insertedAt = performance.now()
      if (!inSlot(r.target)) continue
      if (r.type === 'attributes') {
        if (r.attributeName === 'data-precis-ready' && bench.readyAt < 0 && r.target instanceof Element) {
          if (r.target.hasAttribute('data-precis-ready')) bench.readyAt = performance.now()
        }
        continue
      }
      if (bench.shownAt >= 0) bench.changes++
    }
  }).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['data-precis-ready'],
  })
  const frame = () => {
    const el = document.querySelector(selector)
    if (el && getComputedStyle(el).visibility !== 'hidden') bench.shownAt = performance.now()
    else requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as PerformanceEntry & { identifier?: string }).identifier === 'hero-baseline')
        bench.baselinePainted = true
  }).observe({ type: 'element', buffered: true })
}

/** A Node proxy that holds every request LATENCY_MS before passing it on. */
const startProxy = async () => {
  let target = ''
  const agent = new Agent({ keepAlive: true })
  const server = createServer((req, res) => {
    setTimeout(() => {
      const upstream = request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502)
        res.end()
      })
      req.pipe(upstream)
    }, LATENCY_MS)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    to(url: string) {
      target = url
    },
    close: () =>
      new Promise<void>((done) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
}

/**
 * The demo shop on a server of its own, as a site owner's pages are: only what the tag asks of the
 * collector (p.js, its chunks, the config, batches) goes through the slow proxy.
 */
const startShop = async (collector: string) => {
  const root = join(import.meta.dirname, '../../demo-site')
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://shop').pathname).replace(/^\/+/, '')
    try {
      let body = readFileSync(join(root, path || 'index.html'))
      const type = TYPES[extname(path)] ?? 'application/octet-stream'
      if (type.startsWith('text/html'))
        body = Buffer.from(body.toString().replace('src="/p.js"', `src="${collector}/p.js"`))
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

/** Waits until the chunk has kept the next page's plan (and with it decided this page). */
const planKept = (page: Page) =>
  page.waitForFunction(
    () => (window as unknown as { __paintBench: { planSaved: boolean } }).__paintBench.planSaved,
  )

/** Two animation frames and a task: paints and Element Timing entries of what was decided are in. */
const settled = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((done) =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(), 0))),
      ),
  )

/** Accepts everything on the first page, then views outdoor products until in the segment. */
const becomeEligible = async (page: Page, shop: string) => {
  await page.goto(`${shop}index.html`)
  await page.waitForFunction(() => typeof window.precis?.consent?.acceptAll === 'function')
  await page.evaluate(() => window.precis.consent.acceptAll())
  await planKept(page)
  for (const sku of OUTDOOR) {
    await page.goto(`${shop}product.html?sku=${sku}`)
    await planKept(page)
    if ((await page.evaluate(() => window.precis.segments())).includes(SEGMENT)) break
  }
  // The plan the next page starts from: the hero's variant for this segment.
  await page.waitForFunction(
    ([slot, variant]) =>
      JSON.parse(localStorage.getItem('precis.personalize') ?? '{}').plan?.slots?.[slot!]?.decision
        ?.variant === variant,
    [SLOT, VARIANT],
  )
}

const viewHome = async (page: Page, shop: string, mode: Mode): Promise<View> => {
  await page.goto(`${shop}index.html?bench=${mode}`)
  await page.waitForFunction(
    (slot) => document.querySelector(`[data-precis-slot="${slot}"]`)?.hasAttribute('data-precis-ready'),
    SLOT,
  )
  await planKept(page)
  await settled(page)
  return page.evaluate(
    ([slot, variant, heading]) => {
      const bench = (window as unknown as { __paintBench: Record<string, number | boolean> }).__paintBench
      const el = document.querySelector<HTMLElement>(`[data-precis-slot="${slot}"]`)!
      return {
        variant: el.dataset.precisVariant ?? null,
        variantContent:
          el.dataset.precisVariant === variant &&
          el.querySelector('h2')?.textContent === heading &&
          !el.querySelector('[elementtiming="hero-baseline"]') &&
          el.querySelectorAll('h2').length === 1,
        readyAt: bench.readyAt as number,
        insertedAt: bench.insertedAt as number,
        changesAfterShown: bench.changes as number,
        baselinePainted: bench.baselinePainted as boolean,
        segments: window.precis.segments(),
      }
    },
    [SLOT, VARIANT, HEADING],
  )
}

const quantile = (values: number[], q: number) => {
  if (!values.length) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!
}

const summarize = (views: View[]): PaintMode => {
  const eligible = views.filter((v) => v.segments.includes(SEGMENT))
  const n = eligible.length
  const shown = eligible.filter((v) => v.variantContent).length
  const waits = eligible.map((v) => v.readyAt - v.insertedAt)
  return {
    eligible: n,
    shown: n ? shown / n : 0,
    late: eligible.filter((v) => v.variant === 'baseline').length,
    // Content changed after a frame that showed the slot, or the baseline was painted and then
    // replaced by the variant.
    changedAfterPaint: eligible.filter(
      (v) => v.changesAfterShown > 0 || (v.baselinePainted && v.variant !== 'baseline'),
    ).length,
    decisionP95: quantile(
      eligible.map((v) => v.readyAt),
      0.95,
    ),
    waitP95: quantile(waits, 0.95),
    waitP50: quantile(waits, 0.5),
    insertedP95: quantile(
      eligible.map((v) => v.insertedAt),
      0.95,
    ),
  }
}

const visit = async (browser: Browser, shop: string, views: Record<Mode, View[]>) => {
  const context = await browser.newContext({ locale: 'en-US' })
  try {
    // As source: tsx names inner functions with its `__name` helper, which the page lacks.
    await context.addInitScript({
      content: `(() => { const __name = (f) => f; (${instrument})(${JSON.stringify([SLOT, BEFORE_PLAN])}) })()`,
    })
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
    await becomeEligible(page, shop)
    // Alternating, so both modes see the same visitor, cache and history at the same moments.
    for (let i = 0; i < VIEWS * 2; i++) {
      const mode: Mode = i % 2 === 0 ? 'plan' : BEFORE_PLAN
      views[mode].push(await viewHome(page, shop, mode))
    }
  } finally {
    await context.close()
  }
}

export const measurePaint = async (): Promise<PaintResult> => {
  const started = performance.now()
  const proxy = await startProxy()
  const shop = await startShop(proxy.url)
  let collector: Collector | undefined
  let browser: Browser | undefined
  try {
    // The demo's slots and segments; no holdout, so every visitor in the segment is owed the
    // variant. The hiding window stays the default (300 ms).
    collector = await startCollector({
      allowedOrigins: [shop.origin],
      personalization: { ...demo, slots: { ...demo.slots, [SLOT]: { ...demo.slots[SLOT], holdout: 0 } } },
    })
    proxy.to(collector.url)
    browser = await launch()
    const views: Record<Mode, View[]> = { plan: [], [BEFORE_PLAN]: [] }
    for (let v = 0; v < VISITORS; v++) await visit(browser, `${shop.origin}/`, views)
    return {
      plan: summarize(views.plan),
      beforePlan: summarize(views[BEFORE_PLAN]),
      visitors: VISITORS,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await browser?.close().catch(() => {})
    await collector?.stop()
    await Promise.all([proxy.close(), shop.close()])
    if (collector) rmSync(dirname(collector.dbPath), { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measurePaint())
