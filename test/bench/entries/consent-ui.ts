// The consent core, banner and dialog, CSS and both languages: what the issue budgets at 5 KB.
export { cookiePersistence } from '../../../consent/browser/cookie.ts'
export { createConsentStore } from '../../../consent/core/state.ts'
export { pickLanguage, resolveStrings } from '../../../consent/core/strings.ts'
export { mountLocalizedUi } from '../../../consent/ui/localized.ts'
