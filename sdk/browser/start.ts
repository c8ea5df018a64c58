import { startConsentMode } from '../../consent/browser/consent-mode.ts'
import { cookiePersistence } from '../../consent/browser/cookie.ts'
import { startConsent } from '../../consent/browser/start-consent.ts'
import type { ConsentConfig } from '../../consent/core/config.ts'
import { createConsentStore } from '../../consent/core/state.ts'
import type { ConsentUi } from '../../consent/ui/mount.ts'
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

/** What GET /v1/sites/:site/config answers. */
interface SiteSettings {
  writeKey: string
  consent: ConsentConfig
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

  const gpc = (win.navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true
  const consent = createConsentStore({
    persistence: cookiePersistence(win.document),
    now: clock.now,
    newId,
    gpc,
  })
  // Consent Mode defaults go to dataLayer first, before any Google tag can read it.
  startConsentMode(win, consent)
  let ui: ConsentUi | undefined
  const post = (path: string, body: object) =>
    fetch(`${options.apiHost}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'text/plain' },
      keepalive: true,
      credentials: 'omit',
    }).catch(() => {})

  const precis = createPrecis({
    clock,
    newId,
    storage: browserStorage(),
    consent,
    openPreferences: () => ui?.open(),
    transport: fetchTransport(() => endpoint, clock),
    context: () => pageContext(win),
    pageProperties: () => pageProperties(win),
  })

  if (options.site) {
    // The site config is the one request made before consent: the banner needs it.
    fetch(`${options.apiHost}/v1/sites/${encodeURIComponent(options.site)}/config`, { credentials: 'omit' })
      .then((res) => (res.ok ? (res.json() as Promise<SiteSettings>) : Promise.reject(res.status)))
      .then(({ writeKey, consent: config }) => {
        endpoint = { url, writeKey }
        ui = startConsent({
          win,
          consent,
          config,
          gpc,
          record: (r) => post('/v1/consent', { ...r, writeKey }),
        })
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
