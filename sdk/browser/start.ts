import { cookiePersistence } from '../../consent/browser/cookie.ts'
import { createConsentStore } from '../../consent/core/state.ts'
import { uuid } from '../core/ids.ts'
import { createPrecis } from '../core/precis.ts'
import type { Clock } from '../core/types.ts'
import { pageContext, pageProperties } from './context.ts'
import { browserStorage } from './storage.ts'
import { type Endpoint, fetchTransport } from './transport.ts'

export interface BrowserOptions {
  /** Origin of the collector, e.g. https://collect.example. */
  apiHost: string
  /** The site id; with no writeKey the SDK fetches the site's public config from the collector. */
  site?: string
  writeKey?: string
}

/** Wires the SDK's core to the real browser: cookie, localStorage, fetch, timers, crypto. */
export const startBrowserSdk = (win: Window, options: BrowserOptions) => {
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => win.setTimeout(fn, ms),
    clearTimeout: (handle) => win.clearTimeout(handle as number),
  }
  const newId = () => uuid((bytes) => win.crypto.getRandomValues(bytes))
  const url = `${options.apiHost}/v1/batch`
  let endpoint: Endpoint | undefined = options.writeKey ? { url, writeKey: options.writeKey } : undefined

  const precis = createPrecis({
    clock,
    newId,
    storage: browserStorage(),
    consent: createConsentStore({ persistence: cookiePersistence(win.document), now: clock.now, newId }),
    transport: fetchTransport(() => endpoint, clock),
    context: () => pageContext(win),
    pageProperties: () => pageProperties(win),
  })

  if (!endpoint && options.site) {
    // The site config is the one request allowed before consent: the consent UI will need it too.
    fetch(`${options.apiHost}/v1/sites/${encodeURIComponent(options.site)}/config`, { credentials: 'omit' })
      .then((res) => (res.ok ? (res.json() as Promise<{ writeKey: string }>) : Promise.reject(res.status)))
      .then(({ writeKey }) => {
        endpoint = { url, writeKey }
        void precis.flush()
      })
      .catch(() => {})
  }

  // Page unload: send what waits now; keepalive requests outlive the page.
  const leave = () => void precis.flush()
  win.addEventListener('pagehide', leave)
  win.document.addEventListener('visibilitychange', () => {
    if (win.document.visibilityState === 'hidden') leave()
  })
  return precis
}
