// The scripts the build makes and the collector serves, each with one name: rollup builds them,
// the collector serves them, p.js loads the chunks, and each chunk hands its API to its global.
// Plain constants, so the tag's minifier inlines the two strings p.js needs and drops the rest.

/** @typedef {{ entry: string, file: string, global: string, about: string }} Bundle */

/** The script tag: loads the chunks below only when they are needed. */
export const TAG = {
  entry: 'sdk/browser/script-tag.ts',
  file: 'p.js',
  global: 'precis',
  about: 'the SDK bundle',
}

/** The web-vitals package, once analytics is granted. */
export const VITALS_CHUNK = {
  entry: 'sdk/browser/vitals-chunk.ts',
  file: 'p-vitals.js',
  global: 'precisVitals',
  about: 'the web-vitals chunk',
}

/** The banner and preferences dialog, when there is no valid choice or the preferences are opened. */
export const CONSENT_CHUNK = {
  entry: 'consent/ui/chunk.ts',
  file: 'p-consent.js',
  global: 'precisConsentUi',
  about: 'the consent banner chunk',
}

/** Segments, the local history, slots and experiments, with personalization consent. */
export const PERSONALIZE_CHUNK = {
  entry: 'sdk/browser/personalize/chunk.ts',
  file: 'p-personalize.js',
  global: 'precisPersonalize',
  about: 'the segments and slots chunk',
}

/** @type {readonly Bundle[]} */
export const BUNDLES = [TAG, CONSENT_CHUNK, VITALS_CHUNK, PERSONALIZE_CHUNK]
