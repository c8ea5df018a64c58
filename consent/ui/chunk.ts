// Entry of dist/p-consent.js: the banner and preferences dialog, loaded by p.js only when the
// visitor has no valid choice yet or opens the preferences.
import { mountConsentUi } from './mount.ts'

;(window as Window & { precisConsentUi?: (mount: typeof mountConsentUi) => void }).precisConsentUi?.(
  mountConsentUi,
)
