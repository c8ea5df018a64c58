import { CONSENT_CHUNK, PERSONALIZE_CHUNK, VITALS_CHUNK } from '../../bundles.mjs'
import { startConsentMode } from '../../consent/browser/consent-mode.ts'
import { cookiePersistence } from '../../consent/browser/cookie.ts'
import { startConsent } from '../../consent/browser/start-consent.ts'
import type { ConsentConfig } from '../../consent/core/config.ts'
import { createConsentStore } from '../../consent/core/state.ts'
import type { mountLocalizedUi } from '../../consent/ui/localized.ts'
import type { ConsentUi } from '../../consent/ui/mount.ts'
import { uuid } from '../core/ids.ts'
import { createPrecis } from '../core/precis.ts'
import type { Clock } from '../core/types.ts'
import type { Experiment } from '../rules/experiment-schema.ts'
import type { Personalization } from '../rules/personalization-schema.ts'
import { type CaptureOptions, captureOptions } from './capture/options.ts'
import { startCapture } from './capture/start-capture.ts'
import type { VitalsApi } from './capture/vitals.ts'
import { loadChunk } from './chunk.ts'
import { pageContext, pageProperties } from './context.ts'
import { deliveryEdges } from './delivery.ts'
import { type StartPersonalizer, startPersonalization } from './personalize/start.ts'
import { visitorRights } from './rights.ts'
import { browserStorage } from './storage.ts'
import { type Endpoint, fetchTransport } from './transport.ts'

export interface BrowserOptions {
  /** Origin of the collector, e.g. https://collect.example. */
  apiHost: string
  /** The site id; with no writeKey the SDK fetches the site's public config from the collector. */
  site?: string
  writeKey?: string
  /** What is captured without code (defaults: all but forms and hash changes). */
  capture?: Partial<CaptureOptions>
  /** Session inactivity timeout in minutes (default 30). */
  sessionMinutes?: number
  /** Logs delivery trouble (the collector's error codes) to the console. */
  debug?: boolean
  /** How web-vitals is loaded: the script tag loads dist/p-vitals.js, bundlers import it. */
  loadVitals?: () => Promise<VitalsApi>
  /** How segments and slots are loaded: dist/p-personalize.js, or the bundler's import(). */
  loadPersonalizer?: () => Promise<StartPersonalizer>
  /** How the consent banner is loaded: dist/p-consent.js, or the bundler's import(). */
  loadConsentUi?: () => Promise<typeof mountLocalizedUi>
}

/** What GET /v1/sites/:site/config answers. */
interface SiteSettings {
  writeKey: string
  consent: ConsentConfig
  personalization?: Personalization
  experiments?: Experiment[]
}

/** Wires the SDK's core to the real browser: cookie, localStorage, IndexedDB, fetch, timers, crypto. */
export const startBrowserSdk = (win: Window, options: BrowserOptions) => {
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => win.setTimeout(fn, ms),
    clearTimeout: (handle) => win.clearTimeout(handle as number),
  }
  const newId = () => uuid((bytes) => win.crypto.getRandomValues(bytes))
  const log = options.debug ? (m: string) => console.warn(`[precis] ${m}`) : undefined
  const url = `${options.apiHost}/v1/batch`
  let endpoint: Endpoint | undefined = options.writeKey ? { url, writeKey: options.writeKey } : undefined

  const gpc = (win.navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true
  const consent = createConsentStore({
    persistence: cookiePersistence(win.document),
    now: clock.now,
    newId,
    gpc,
  })
  // First, while the slots are still hidden: a returning visitor's plan is applied before the rest
  // of the tag is set up.
  const personalization = startPersonalization(
    win,
    consent,
    options.loadPersonalizer ??
      loadChunk(win, `${options.apiHost}/${PERSONALIZE_CHUNK.file}`, PERSONALIZE_CHUNK.global),
    { clock, track: (event, properties) => precis.track(event, properties), user: () => precis.user() },
  )
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

  const delivery = deliveryEdges(win, newId, clock, log)
  const storage = browserStorage()
  const precis = createPrecis({
    clock,
    newId,
    random: Math.random,
    storage,
    consent,
    openPreferences: () => ui?.open(),
    transport: fetchTransport(() => endpoint, clock),
    context: () => {
      const segments = personalization.stamp()
      return segments ? { ...pageContext(win), segments } : pageContext(win)
    },
    observe: personalization.record,
    personalization,
    gpc,
    pageProperties: () => pageProperties(win),
    outbox: delivery.options,
    ...(options.sessionMinutes !== undefined ? { sessionTimeout: options.sessionMinutes * 60_000 } : {}),
  })
  delivery.connect(precis.outbox, consent)
  const rights = visitorRights(
    win,
    options.apiHost,
    () => endpoint?.writeKey,
    storage,
    precis,
    consent,
    clock.now,
  )
  delivery.onDelivered(rights.delivered)

  if (options.site) {
    // The site config is the one request made before consent: the banner needs it.
    fetch(`${options.apiHost}/v1/sites/${encodeURIComponent(options.site)}/config`, { credentials: 'omit' })
      .then((res) => (res.ok ? (res.json() as Promise<SiteSettings>) : Promise.reject(res.status)))
      .then(({ writeKey, consent: config, personalization: p, experiments }) => {
        endpoint = { url, writeKey }
        if (p) personalization.configure(p, experiments)
        ui = startConsent({
          win,
          consent,
          config,
          gpc,
          record: (r) => post('/v1/consent', { ...r, writeKey }),
          loadUi:
            options.loadConsentUi ??
            loadChunk(win, `${options.apiHost}/${CONSENT_CHUNK.file}`, CONSENT_CHUNK.global),
          rights,
        })
        void precis.flush()
        rights.ensureToken()
      })
      .catch(() => {})
  }

  const capture = startCapture(win, precis, consent, clock, {
    options: captureOptions(options.capture),
    loadVitals:
      options.loadVitals ?? loadChunk(win, `${options.apiHost}/${VITALS_CHUNK.file}`, VITALS_CHUNK.global),
  })

  // Page hidden or left: report this page's figures, then start keepalive requests for what
  // waits. Registered on window, after web-vitals' capture listeners have given their values.
  const leave = () => {
    capture.leave()
    precis.outbox.unload()
  }
  win.addEventListener('pagehide', leave)
  win.addEventListener('visibilitychange', () => {
    if (win.document.visibilityState === 'hidden') leave()
  })
  return precis
}
