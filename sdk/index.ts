// The ESM package: for sites that bundle their own JavaScript instead of the script tag.
export type { ConsentState, ConsentStore, Purpose, Purposes } from '../consent/core/state.ts'
export { createPrecis, type Precis, type PrecisDeps } from './core/precis.ts'
export type { Clock, KeyValueStorage, OutgoingEvent, Properties, Transport } from './core/types.ts'
export { VERSION } from './core/version.ts'
export type { SegmentEvent } from './rules/event-schema.ts'

import type { VitalsApi } from './browser/capture/vitals.ts'
import { type BrowserOptions, startBrowserSdk } from './browser/start.ts'
import type { Precis } from './core/precis.ts'

/** Starts the SDK in this page: `const precis = init({ apiHost, writeKey })`. */
export const init = (options: BrowserOptions): Precis => {
  const {
    replay: _replay,
    outbox: _outbox,
    ...precis
  } = startBrowserSdk(window, {
    loadVitals: () => import('web-vitals') as unknown as Promise<VitalsApi>,
    loadConsentUi: () => import('../consent/ui/localized.ts').then((m) => m.mountLocalizedUi),
    loadPersonalizer: () => import('./browser/personalize/personalizer.ts').then((m) => m.startPersonalizer),
    ...options,
  })
  return precis
}
