// Opening demo pages the way the e2e tests need them: SDK loaded, site config arrived.
import type { Page } from '@playwright/test'
import type { Collector } from './collector-process.ts'

declare global {
  interface Window {
    precis: import('../../sdk/core/precis.ts').Precis
  }
}

/** Opens a demo page and waits until the SDK has loaded and fetched its site config. */
export const openDemo = async (page: Page, collectorUrl: string, path: string) => {
  const config = page.waitForResponse((res) => res.url().endsWith('/v1/sites/demo/config'))
  await page.goto(`${collectorUrl}/demo/${path}`)
  await config
  await page.waitForFunction(() => typeof window.precis.flush === 'function' && !('q' in window.precis))
}

/** Stored events whose name starts with `prefix`. */
export const storedNamed = (collector: Collector, prefix: string) =>
  collector.rows().filter((r) => r.name?.startsWith(prefix))

/** Makes `count` track events named `name` with their index, in the page. */
export const generate = (page: Page, name: string, count: number, padding = 0) =>
  page.evaluate(
    ([name, count, padding]) => {
      for (let i = 0; i < count; i++) window.precis.track(name, { i, pad: 'x'.repeat(padding) })
    },
    [name, count, padding] as const,
  )

/**
 * Collects the page's Content-Security-Policy violations (the demo shop sends a strict policy);
 * call before the first page, read with the function it returns.
 */
export const watchCsp = async (page: Page) => {
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] }
    w.cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    )
  })
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)
}
