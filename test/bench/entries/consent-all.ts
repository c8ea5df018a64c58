// What of consent/ p.js itself ships: store, tag gate, cleanup, signals (the banner is a chunk).
export { startConsentMode } from '../../../consent/browser/consent-mode.ts'
export { cookiePersistence } from '../../../consent/browser/cookie.ts'
export { startTagGate } from '../../../consent/browser/gate.ts'
export { removeServiceData } from '../../../consent/browser/purge.ts'
export { startConsent } from '../../../consent/browser/start-consent.ts'
export { createConsentStore } from '../../../consent/core/state.ts'
