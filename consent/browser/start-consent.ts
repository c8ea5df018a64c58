import type { ConsentConfig } from '../core/config.ts'
import { type ConsentState, type ConsentStore, PURPOSES } from '../core/state.ts'
import { pickLanguage, resolveStrings } from '../core/strings.ts'
import { type ConsentUi, mountConsentUi } from '../ui/mount.ts'
import { startTagGate } from './gate.ts'
import { removeServiceData } from './purge.ts'

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
 * shows the banner when there is no valid choice, runs gated tags as purposes are granted, cleans
 * up after withdrawn ones, and records every choice the visitor makes.
 */
export const startConsent = ({ win, consent, config, gpc, record }: StartConsentOptions): ConsentUi => {
  const doc = win.document
  consent.configure({ version: config.version, maxAgeDays: config.maxAgeDays, mode: config.mode, gpc })
  const language = pickLanguage(config.language, doc.documentElement.lang || win.navigator.language)
  const strings = resolveStrings(language, config.strings)
  const gate = startTagGate({
    doc,
    strings,
    granted: consent.granted,
    grant: (purpose) => consent.set({ [purpose]: true }, 'preferences'),
  })
  const ui = mountConsentUi({ doc, consent, strings, services: config.services, gpc, ran: gate.ran })
  consent.on('change', (state, previous) => {
    gate.update()
    const withdrawn = PURPOSES.filter((p) => previous.purposes[p] && !state.purposes[p])
    if (withdrawn.length > 0) void removeServiceData(win, config.services, withdrawn)
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
