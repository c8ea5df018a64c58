import type { ConsentConfig } from '../core/config.ts'
import { GATE_STRINGS, pickLanguage } from '../core/gate-strings.ts'
import { type ConsentState, type ConsentStore, PURPOSES } from '../core/state.ts'
import type { mountLocalizedUi } from '../ui/localized.ts'
import type { ConsentUi, VisitorRights } from '../ui/mount.ts'
import { startTagGate } from './gate.ts'
import { removeServiceData } from './purge.ts'

export interface ConsentRecord {
  consentId: string
  /** The secret that proves the consent id is this browser's. */
  proof: string
  version: number
  purposes: ConsentState['purposes']
  source: ConsentState['source']
  language: string
  gpc: boolean
  timestamp: string
}

export interface StartConsentOptions {
  win: Window
  consent: ConsentStore
  config: ConsentConfig
  gpc: boolean
  /** Sends a proof-of-consent record to the collector. */
  record(record: ConsentRecord): void
  /** The banner and dialog, loaded only when needed (a chunk of the script tag). */
  loadUi(): Promise<typeof mountLocalizedUi>
  /** Download and delete of the visitor's data, offered in the preferences dialog. */
  rights?: VisitorRights
}

/**
 * Resolves once the page has a body to hold the banner: p.js and the chunk may run while a blocking
 * script in the head still loads.
 */
const bodyReady = (doc: Document): Promise<void> =>
  doc.body || doc.readyState !== 'loading'
    ? Promise.resolve()
    : new Promise((resolve) => doc.addEventListener('DOMContentLoaded', () => resolve(), { once: true }))

/**
 * The consent manager in the page, once the site's config has arrived: applies the site's policy,
 * shows the banner when there is no valid choice, runs gated tags as purposes are granted, cleans
 * up after withdrawn ones, and records every choice the visitor makes.
 */
export const startConsent = ({
  win,
  consent,
  config,
  gpc,
  record,
  loadUi,
  rights,
}: StartConsentOptions): ConsentUi => {
  const doc = win.document
  consent.configure({ version: config.version, maxAgeDays: config.maxAgeDays, mode: config.mode, gpc })
  const language = pickLanguage(config.language, doc.documentElement.lang || win.navigator.language)
  const overrides = config.strings
  const gate = startTagGate({
    doc,
    strings: { ...GATE_STRINGS[language], ...overrides[language] },
    granted: consent.granted,
    grant: (purpose) => consent.set({ [purpose]: true }, 'preferences'),
  })
  // Most page views come with a valid choice and never need the banner's code.
  let ui: Promise<ConsentUi> | undefined
  const mounted = () =>
    (ui ??= Promise.all([loadUi(), bodyReady(doc)]).then(([mount]) =>
      mount({ doc, consent, language, overrides, services: config.services, gpc, ran: gate.ran, rights }),
    ))
  const open = () =>
    void mounted().then(
      (u) => u.open(),
      () => {},
    )
  if (consent.get().source === 'default') void mounted().catch(() => {})
  // Any element of the site can reopen the preferences.
  doc.addEventListener('click', (e) => {
    if ((e.target as Element | null)?.closest?.('[data-precis-consent-open]')) {
      e.preventDefault()
      open()
    }
  })
  consent.on('change', (state, previous) => {
    if (state.source === 'default') void mounted().catch(() => {}) // reset: ask again
    gate.update()
    const withdrawn = PURPOSES.filter((p) => previous.purposes[p] && !state.purposes[p])
    if (withdrawn.length > 0) void removeServiceData(win, config.services, withdrawn)
    // Choices the visitor made, not defaults the site applied, are what needs proof.
    if (state.source === 'default') return
    record({
      consentId: state.id,
      proof: state.key,
      version: state.version,
      purposes: state.purposes,
      source: state.source,
      language,
      gpc,
      timestamp: new Date(state.updatedAt).toISOString(),
    })
  })
  return { open }
}
