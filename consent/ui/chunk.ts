// Entry of the consent banner chunk (bundles.mjs): the banner and preferences dialog, loaded by
// p.js only when the visitor has no valid choice yet or opens the preferences.
import { CONSENT_CHUNK } from '../../bundles.mjs'
import { mountLocalizedUi } from './localized.ts'

type Hand = (mount: typeof mountLocalizedUi) => void
;(window as unknown as Record<string, Hand | undefined>)[CONSENT_CHUNK.global]?.(mountLocalizedUi)
