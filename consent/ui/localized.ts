import { type Language, resolveStrings, type Strings } from '../core/strings.ts'
import { type ConsentUiOptions, mountConsentUi } from './mount.ts'

export type LocalizedUiOptions = Omit<ConsentUiOptions, 'strings'> & {
  language: Language
  overrides?: Partial<Record<Language, Partial<Strings>>> | undefined
}

/** The UI with its texts resolved here, so the texts travel in the UI's chunk, not in p.js. */
export const mountLocalizedUi = ({ language, overrides, ...options }: LocalizedUiOptions) =>
  mountConsentUi({ ...options, strings: resolveStrings(language, overrides) })
