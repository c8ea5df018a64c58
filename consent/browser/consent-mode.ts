import type { ConsentState, ConsentStore } from '../core/state.ts'

type Signal = 'granted' | 'denied'
type DataLayerWindow = Window & { dataLayer?: unknown[] }

const signal = (on: boolean): Signal => (on ? 'granted' : 'denied')

/** Google Consent Mode v2 signals from Precis purposes. */
export const consentModeSignals = ({ purposes: p }: ConsentState): Record<string, Signal> => ({
  ad_storage: signal(p.marketing),
  ad_user_data: signal(p.marketing),
  ad_personalization: signal(p.marketing),
  analytics_storage: signal(p.analytics),
  personalization_storage: signal(p.personalization),
})

/**
 * Speaks Google Consent Mode v2 through dataLayer, as gtag.js does: a default of everything
 * denied (with wait_for_update, so tags wait for the banner), an update for the stored choice and
 * for every change, and a `precis.consent` event that tag managers can trigger on.
 */
export const startConsentMode = (win: DataLayerWindow, consent: Pick<ConsentStore, 'get' | 'on'>) => {
  win.dataLayer = win.dataLayer || []
  const layer = win.dataLayer
  // gtag() pushes its `arguments` object, not an array; Google's tags only read that shape.
  function gtag(..._args: unknown[]) {
    // biome-ignore lint/complexity/noArguments: the dataLayer protocol needs the arguments object
    layer.push(arguments)
  }
  const none = { necessary: true, analytics: false, personalization: false, marketing: false }
  gtag('consent', 'default', {
    ...consentModeSignals({ purposes: none } as ConsentState),
    wait_for_update: 500,
  })
  const announce = (state: ConsentState) => {
    gtag('consent', 'update', consentModeSignals(state))
    layer.push({ event: 'precis.consent', precisConsent: { ...state.purposes } })
  }
  // A stored choice (or an opt-out site's defaults) applies at once.
  const { necessary: _, ...optional } = consent.get().purposes
  if (Object.values(optional).some(Boolean)) announce(consent.get())
  consent.on('change', announce)
}
