import type { ConsentConfig } from '../core/config.ts'
import type { ConsentState, ConsentStore } from '../core/state.ts'
import { pickLanguage, resolveStrings } from '../core/strings.ts'
import { type ConsentUi, mountConsentUi } from '../ui/mount.ts'

export interface ConsentRecord {
  consentId: string
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
}

/**
 * The consent manager in the page, once the site's config has arrived: applies the site's policy,
 * shows the banner when there is no valid choice, and records every choice the visitor makes.
 */
export const startConsent = ({ win, consent, config, gpc, record }: StartConsentOptions): ConsentUi => {
  const doc = win.document
  consent.configure({ version: config.version, maxAgeDays: config.maxAgeDays, mode: config.mode, gpc })
  const language = pickLanguage(config.language, doc.documentElement.lang || win.navigator.language)
  const ui = mountConsentUi({
    doc,
    consent,
    strings: resolveStrings(language, config.strings),
    services: config.services,
    gpc,
    ran: () => false,
  })
  consent.on('change', (state) => {
    // Choices the visitor made, not defaults the site applied, are what needs proof.
    if (state.source === 'default') return
    record({
      consentId: state.id,
      version: state.version,
      purposes: state.purposes,
      source: state.source,
      language,
      gpc,
      timestamp: new Date(state.updatedAt).toISOString(),
    })
  })
  return ui
}
