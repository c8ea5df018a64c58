// Entry of dist/p-consent.js: the banner and preferences dialog, loaded by p.js only when the
// visitor has no valid choice yet or opens the preferences.
import { mountLocalizedUi } from './localized.ts'

;(window as Window & { precisConsentUi?: (mount: typeof mountLocalizedUi) => void }).precisConsentUi?.(
  mountLocalizedUi,
)
