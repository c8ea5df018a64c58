// The privacy audit: what a page does before the visitor decides, and after. Used by
// test/e2e/privacy-audit.spec.ts and runnable against any site (see run-audit.ts).
import type { BrowserContext, Page } from '@playwright/test'

declare global {
  interface Window {
    __audit?: { cookies: string[]; storage: string[]; databases: string[] }
  }
}

/** Records every cookie write, storage write and IndexedDB open, in every frame, from the first byte. */
export const instrument = (context: BrowserContext) =>
  context.addInitScript(() => {
    const log = { cookies: [] as string[], storage: [] as string[], databases: [] as string[] }
    window.__audit = log
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        return cookie.get!.call(this)
      },
      set(value: string) {
        log.cookies.push(String(value).split('=')[0]!.trim())
        cookie.set!.call(this, value)
      },
    })
    const setItem = Storage.prototype.setItem
    Storage.prototype.setItem = function (key: string, value: string) {
      log.storage.push(key)
      setItem.call(this, key, value)
    }
    const open = IDBFactory.prototype.open
    IDBFactory.prototype.open = function (name: string, version?: number) {
      log.databases.push(name)
      return open.call(this, name, version)
    }
  })

/** Requests a page makes, as `METHOD url`. */
export const recordRequests = (page: Page) => {
  const seen: string[] = []
  page.on('request', (req) => seen.push(`${req.method()} ${req.url()}`))
  return seen
}

export interface Findings {
  /** Requests to the collector other than the script and the site config, and to gated resources. */
  requests: string[]
  cookies: string[]
  storage: string[]
  databases: string[]
}

/**
 * What the page did that needs consent. `collector` is the collector's origin; `allowed` lists
 * what necessary processing may do (e.g. the consent cookie after a choice, its proof record).
 */
export const findings = async (
  page: Page,
  requests: readonly string[],
  collector: string,
  allowed: { cookies?: string[]; requests?: RegExp[] } = {},
): Promise<Findings> => {
  const gated = await page.evaluate(() =>
    [...document.querySelectorAll('[data-consent]')]
      .map((el) => el.getAttribute('data-src') ?? el.getAttribute('src'))
      .filter((src): src is string => !!src)
      .map((src) => new URL(src, location.href).href),
  )
  // The tag, its consent banner chunk and the site config are needed to ask; nothing else of
  // the collector's (its API, the web-vitals chunk) may be fetched without consent.
  const necessary = [/\/p(-consent)?\.js$/, /\/v1\/sites\/[^/]+\/config$/, ...(allowed.requests ?? [])]
  const log = await page.evaluate(() => window.__audit ?? { cookies: [], storage: [], databases: [] })
  const live = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    databases: (await indexedDB.databases()).map((db) => db.name ?? ''),
  }))
  const cookies = (await page.context().cookies()).map((c) => c.name)
  const okCookie = (name: string) => allowed.cookies?.includes(name) ?? false
  return {
    requests: requests.filter((line) => {
      const url = line.slice(line.indexOf(' ') + 1)
      if (gated.includes(url)) return true
      const path = url.startsWith(collector) ? new URL(url).pathname : ''
      return /^\/(v1\/|p[-.])/.test(path) && !necessary.some((re) => re.test(url))
    }),
    cookies: [...new Set([...log.cookies, ...cookies])].filter((name) => !okCookie(name)),
    storage: [...new Set([...log.storage, ...live.local, ...live.session])],
    databases: [...new Set([...log.databases, ...live.databases])],
  }
}

export const CLEAN: Findings = { requests: [], cookies: [], storage: [], databases: [] }
