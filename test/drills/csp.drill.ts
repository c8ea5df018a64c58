// Content security: a shop on another origin with a strict Content-Security-Policy runs the SDK
// and the consent banner (snippet allowed by hash, then by nonce); the dashboard keeps its own
// strict policy and shows XSS payloads from events, traits and config as text. No violation, no
// injected element, no dialog; the shop's events and consent records arrive.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { launch } from '../support/chromium.ts'
import { ADMIN_TOKEN, DEMO_WRITE_KEY, demoSite, ROOT, startCollector } from '../support/collector-process.ts'
import { injectedElements, type Watched, watchedPage } from './csp-browser.ts'
import {
  byNonce,
  hasSlots,
  MORE_PAYLOADS,
  PAYLOADS,
  readmeSnippet,
  shopPage,
  shopPolicy,
  shopScript,
  startShop,
  type Variant,
} from './csp-site.ts'
import type { Drill, DrillMode } from './drill.ts'

const PLAN: Record<DrillMode, { variants: Variant[]; payloads: string[] }> = {
  short: { variants: ['hash', 'nonce', 'slots', 'slots-nonce'], payloads: PAYLOADS },
  full: {
    variants: ['hash', 'nonce', 'strict-dynamic', 'slots', 'slots-nonce'],
    payloads: [...PAYLOADS, ...MORE_PAYLOADS],
  },
}

/** Code a strict script-src forbids; minified bundles must not need it. */
const EVAL = /\beval\(|new Function\b|\bFunction\(|set(?:Timeout|Interval)\(\s*["'`]/

/**
 * Each time the document adopts the snippet's (or p.js's) hide sheet: whether the hero's rule is
 * in force then, read back from the sheet the document holds.
 */
const HIDE_WATCH = `window.__hide = [];
(function () {
  var own = Object.getOwnPropertyDescriptor(Document.prototype, 'adoptedStyleSheets');
  Object.defineProperty(Document.prototype, 'adoptedStyleSheets', {
    configurable: true,
    get: own.get,
    set: function (sheets) {
      own.set.call(this, sheets);
      var hide = own.get.call(this).filter(function (s) { return s.precisHide; })[0];
      if (hide) window.__hide.push(/visibility: hidden/.test(hide.cssRules[0].cssText));
    },
  });
})();`

/** What a failure report says about the gated frame. */
const FRAME_STATE = `(function () { var f = document.getElementById('partner'); var d = f.contentDocument; return JSON.stringify({ srcdoc: f.getAttribute('srcdoc') !== null, url: d && d.URL, html: d && d.documentElement.outerHTML, sheets: d && d.adoptedStyleSheets.length }) })()`

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const poll = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000) => {
  const until = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < until) {
    await sleep(250)
    value = await read()
  }
  return value
}

/**
 * Waits for `expression` to hold in the page. Not page.waitForFunction: it evaluates strings with
 * eval inside the page, which these pages' policies rightly refuse.
 */
const until = async (page: Page, expression: string, ms = 15_000) => {
  const ok = await poll(
    () => page.evaluate(expression).catch(() => false),
    (v) => !!v,
    ms,
  )
  if (!ok) throw new Error(`timed out waiting for ${expression}`)
}

type Event = {
  type: string
  event?: string
  name?: string
  userId?: string
  properties?: Record<string, unknown>
  context?: { page?: { path?: string; title?: string } }
}

export const drill: Drill = {
  name: 'csp',
  summary:
    'SDK + banner under a strict CSP (snippet by hash, by nonce), dashboard CSP, XSS payloads shown as text; 0 violations, 0 injected elements',
  async run(mode) {
    const { variants, payloads } = PLAN[mode]
    const failures: string[] = []
    const fail = (why: string) => void failures.push(why)
    let pagesChecked = 0
    let violations = 0
    let injected = 0

    // The bundles: nothing that 'unsafe-eval' would be needed for.
    for (const file of readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'))) {
      const hit = EVAL.exec(readFileSync(join(ROOT, 'dist', file), 'utf8'))
      if (hit) fail(`dist/${file} contains ${hit[0]}`)
    }

    const shop = await startShop()
    // The demo site with payloads for its name and the names of segments, experiments, variations.
    const site = demoSite({ allowedOrigins: [shop.origin] })
    const pick = (i: number) => payloads[i % payloads.length]!
    site.name = pick(0)
    let i = 1
    for (const segment of Object.values(site.personalization.segments) as { name?: string }[])
      segment.name = pick(i++)
    for (const e of site.experiments as { name?: string; variations: { name?: string }[] }[]) {
      e.name = pick(i++)
      for (const v of e.variations) v.name = pick(i++)
    }
    // The strict shop: a site without slots or experiments, so nothing hides before the paint.
    const strict = {
      ...site,
      id: 'shop',
      writeKey: 'shop-write-key-0001',
      serverKey: undefined, // every key names one site
      personalization: { segments: {}, slots: {} },
      experiments: [],
    }
    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-csp-'))
    writeFileSync(join(dir, 'precis.config.json'), JSON.stringify({ sites: [site, strict] }))
    const collector = await startCollector({ env: { PRECIS_CONFIG: join(dir, 'precis.config.json') } })
    const admin = async <T>(path: string) => {
      const res = await fetch(`${collector.url}${path}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return (await res.json()) as T
    }
    const events = (id: string) => () =>
      admin<{ events: Event[]; total: number }>(`/admin/api/events?site=${id}&limit=1000`)
    const consentRecords = (id: string) => () =>
      admin<{ ok: boolean; records: number }>(`/admin/api/consent/verify?site=${id}`)

    let browser: Browser | undefined
    try {
      browser = await launch()
      const snippet = readmeSnippet()
      shop.script('/shop.js', shopScript(payloads))
      shop.page('/frame', '<p>partner content</p>', "default-src 'none'")

      // (1) The shop, once per way of allowing the snippet.
      for (const variant of variants) {
        const id = hasSlots(variant) ? 'demo' : 'shop'
        const nonce = randomBytes(16).toString('base64')
        const policy = shopPolicy(collector.url, variant, snippet, nonce)
        for (const path of [`/${variant}/`, `/${variant}/product`])
          shop.page(
            path,
            shopPage({ collector: collector.url, variant, snippet, nonce, title: pick(1), site: id }),
            policy,
          )
        const before = await consentRecords(id)()
        const w = await watchedPage(browser)
        await w.page.addInitScript(HIDE_WATCH)
        const where = `shop (${variant})`
        const loaded = `typeof window.precis.flush === 'function' && !('q' in window.precis)`
        await w.page.goto(`${shop.origin}/${variant}/`)
        const accept = w.page.getByRole('button', { name: 'Accept all' })
        const shown = await accept.waitFor({ timeout: 20_000 }).then(
          () => true,
          () => false,
        )
        if (!shown) {
          await w.collect()
          const state = await w.page.evaluate(
            `JSON.stringify({ host: !!document.getElementById('precis-consent'), scripts: Array.from(document.scripts).map(function (s) { return s.src }), precis: typeof window.precis, q: 'q' in window.precis })`,
          )
          fail(`${where}: no banner ${state} ${[...w.violations, ...w.errors].join(' | ')}`)
          await w.page.context().close()
          continue
        }
        // The gated frame's placeholder is styled too (a constructed sheet, not inline styles).
        const placeholder = `(function () { var d = document.getElementById('partner').contentDocument; return d && d.body && d.querySelector('button') ? getComputedStyle(d.body).display : '' })()`
        await until(w.page, `${placeholder} === 'grid'`).catch(() => {})
        const display = await w.page.evaluate(placeholder)
        if (display !== 'grid')
          fail(
            `${where}: the blocked frame's placeholder is unstyled (display ${display}) ${await w.page.evaluate(FRAME_STATE)}`,
          )
        // Styled although style-src has no 'unsafe-inline': fixed at the bottom, not in the flow.
        const position = await w.page.evaluate(
          `getComputedStyle(document.getElementById('precis-consent').shadowRoot.querySelector('[role=dialog]')).position`,
        )
        if (position !== 'fixed') fail(`${where}: the banner is unstyled (position ${position})`)
        await accept.click()
        await until(w.page, loaded)
        // A gated inline tag runs once granted: under a nonce policy, only with the nonce copied.
        if (
          byNonce(variant) &&
          !(await until(w.page, 'window.__gatedRan === true').then(
            () => true,
            () => false,
          ))
        )
          fail(`${where}: the gated inline script did not run after consent`)
        await w.page.evaluate('window.precis.flush()')
        const shopInjected = async () => {
          const found = await injectedElements(w.page, collector.url)
          injected += found.length
          for (const f of found) fail(`${where}: injected element ${f}`)
        }
        await shopInjected()
        await w.collect()
        // A second page: the snippet's second line and p.js now work from the cached config.
        await w.page.goto(`${shop.origin}/${variant}/product`)
        await until(w.page, loaded)
        await w.page.evaluate('window.precis.flush()')
        if (hasSlots(variant)) {
          // The snippet hid the slots with an adopted sheet, which no style-src has to allow.
          await until(w.page, 'window.__hide.length > 0').catch(() => {})
          const hide = await w.page.evaluate('window.__hide')
          if (JSON.stringify(hide) !== '[true]')
            fail(`${where}: the hide sheet was adopted (and hid): ${JSON.stringify(hide)}`)
        }
        await sleep(500)
        await shopInjected()
        await w.collect()
        pagesChecked += 2
        violations += w.violations.length
        note(where, w, fail)
        await w.page.context().close()

        const mine = (list: Event[]) => ({
          pages: list.filter((e) => e.type === 'page' && e.context?.page?.path?.startsWith(`/${variant}/`)),
          tracks: list.filter((e) => e.event === 'Product Viewed' && e.properties?.variant === variant),
          identifies: list.filter((e) => e.type === 'identify' && e.userId === `csp-${variant}`),
        })
        const got = mine(
          (
            await poll(
              events(id),
              (r) => mine(r.events).tracks.length >= 2 && mine(r.events).pages.length >= 2,
            )
          ).events,
        )
        if (got.pages.length !== 2) fail(`${where}: ${got.pages.length} page views stored, not 2`)
        if (got.tracks.length !== 2) fail(`${where}: ${got.tracks.length} Product Viewed stored, not 2`)
        if (got.identifies.length < 1) fail(`${where}: no identify stored`)
        if (got.pages[0] && got.pages[0].context?.page?.title !== pick(1))
          fail(`${where}: page title stored as ${got.pages[0].context?.page?.title}`)
        const after = await poll(consentRecords(id), (r) => r.records > before.records)
        if (after.records <= before.records || !after.ok)
          fail(`${where}: consent records ${before.records} → ${after.records} (chain ok ${after.ok})`)
      }
      // report-uri posts arrive a moment after the violation.
      await sleep(1000)
      const reports = shop.reports
      for (const r of reports) fail(`shop: CSP report ${JSON.stringify(r).slice(0, 300)}`)
      violations += reports.length

      // (2) The dashboard: its own policy, then payloads sent as a server library would.
      const dashboard = await checkDashboard(browser, collector.url, payloads, site)
      pagesChecked += dashboard.pages
      violations += dashboard.violations
      injected += dashboard.injected
      failures.push(...dashboard.failures)
    } finally {
      await browser?.close()
      await collector.stop()
      await shop.stop()
    }
    const stored = collector.rows('demo').length + collector.rows('shop').length
    return {
      name: 'csp',
      figures: {
        policies: variants.length + 1,
        'pages checked': pagesChecked,
        payloads: payloads.length,
        violations,
        'injected elements': injected,
        'events stored': stored,
      },
      failures,
    }
  },
}

const BASIC = `Basic ${Buffer.from(`${DEMO_WRITE_KEY}:`).toString('base64')}`
const CONSENT = {
  consent: {
    categoryPreferences: { necessary: true, analytics: true, personalization: true, marketing: false },
  },
}

const checkDashboard = async (
  browser: Browser,
  url: string,
  payloads: string[],
  site: {
    name: string
    personalization: { segments: Record<string, { name?: string }>; slots: Record<string, unknown> }
    experiments: { key: string; name?: string; variations: { name?: string }[] }[]
  },
) => {
  const failures: string[] = []
  const fail = (why: string) => void failures.push(why)

  const res = await fetch(`${url}/admin/`)
  const policy = res.headers.get('content-security-policy') ?? ''
  const directive = (name: string) =>
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find((d) => d[0] === name)
      ?.slice(1)
  const scripts = directive('script-src') ?? directive('default-src') ?? ['*']
  const styles = directive('style-src') ?? directive('default-src') ?? ['*']
  if (!policy) fail('dashboard: no Content-Security-Policy header')
  if (scripts.some((s) => /unsafe-|^\*$|^data:|^https?:$/.test(s)))
    fail(`dashboard: script-src allows ${scripts.join(' ')}`)
  if (styles.some((s) => /unsafe-inline|^\*$/.test(s)))
    fail(`dashboard: style-src allows ${styles.join(' ')}`)
  for (const d of ['frame-ancestors', 'base-uri', 'object-src']) {
    const v = directive(d) ?? (d === 'object-src' ? directive('default-src') : undefined)
    if (!v) fail(`dashboard: no ${d}`)
  }

  // Payloads as event names, properties, traits and page names and titles.
  const at = Date.now() - 60_000
  const batch = payloads.flatMap((p, i) => [
    {
      type: 'track',
      anonymousId: `x-${i}`,
      event: p,
      properties: {
        note: p,
        url: p.startsWith('javascript:') ? p : `javascript:alert(${i})`,
        nested: { html: p },
      },
    },
    { type: 'identify', anonymousId: `x-${i}`, userId: `xss-${i}`, traits: { name: p, plan: p } },
    {
      type: 'page',
      anonymousId: `x-${i}`,
      name: p,
      properties: { title: p, url: `https://shop.example/?q=${encodeURIComponent(p)}` },
      context: { ...CONSENT, page: { title: p, path: '/xss' } },
    },
  ])
  const sent = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: batch.map((e, n) => ({
        messageId: `csp-${n}`,
        context: CONSENT,
        timestamp: new Date(at + n).toISOString(),
        ...e,
      })),
      sentAt: new Date().toISOString(),
    }),
  })
  const answer = (await sent.json()) as { rejected?: unknown[] }
  if (!sent.ok || (answer.rejected?.length ?? 0) > 0)
    fail(`dashboard: batch ${sent.status} ${JSON.stringify(answer).slice(0, 300)}`)

  const segmentNames = Object.values(site.personalization.segments).map((s) => s.name!)
  const routes: [string, string[]][] = [
    ['#/events', payloads],
    ['#/consent', []],
    ['#/segments', segmentNames],
    ['#/experiments', site.experiments.map((e) => e.name!)],
    ...site.experiments.map(
      (e) => [`#/experiments/${e.key}`, [e.name!, ...e.variations.map((v) => v.name!)]] as [string, string[]],
    ),
    ['#/slots', []],
    ...Object.keys(site.personalization.slots).map((s) => [`#/slots/${s}`, []] as [string, string[]]),
  ]
  const w = await watchedPage(browser)
  let pages = 0
  let violations = 0
  let injected = 0
  try {
    await w.page.goto(`${url}/admin/`)
    await w.page.getByText('Use the admin token').click()
    await w.page.getByLabel('Admin token').fill(ADMIN_TOKEN)
    await w.page.getByRole('button', { name: 'Sign in with the token' }).click()
    for (const [n, [route, expected]] of routes.entries()) {
      const where = `dashboard ${route}`
      // A new document each time (the token stays in sessionStorage): each page starts clean.
      if (n > 0) await w.page.goto(`${url}/admin/?page=${n}${route}`)
      else await w.page.evaluate(`location.hash = ${JSON.stringify(route)}`)
      await until(
        w.page,
        `document.body.dataset.state === 'signed-in' && document.querySelector('main').getAttribute('aria-busy') === 'false' && !!document.querySelector('main h2')`,
      )
      await sleep(300)
      // Every disclosure open, so properties and traits are on screen as well.
      await w.page.evaluate(`document.querySelectorAll('details').forEach(function (d) { d.open = true })`)
      const text = (await w.page.evaluate(
        `document.querySelector('main').innerText + '\\n' + Array.from(document.getElementById('site').options).map(function (o) { return o.text }).join('\\n')`,
      )) as string
      for (const p of [...expected, site.name]) {
        if (!text.includes(p) && !text.includes(JSON.stringify(p).slice(1, -1)))
          fail(`${where}: payload not shown as text: ${p}`)
      }
      const found = await injectedElements(w.page, `${url}/admin/assets/`)
      injected += found.length
      for (const f of found) fail(`${where}: injected element ${f}`)
      if ((await w.page.evaluate('window.pwned')) !== undefined) fail(`${where}: a payload ran`)
      await w.collect()
      violations += w.violations.length
      note(where, w, fail)
      pages++
    }
  } finally {
    await w.page.context().close()
  }
  return { pages, violations, injected, failures }
}

/** Moves what a watched page saw into failures (and empties it, for the next page). */
const note = (where: string, w: Watched, fail: (why: string) => void) => {
  for (const v of w.violations.splice(0)) fail(`${where}: CSP violation ${v}`)
  for (const e of w.errors.splice(0)) fail(`${where}: ${e}`)
  for (const d of w.dialogs.splice(0)) fail(`${where}: dialog ${d}`)
}
