// What a proof-of-consent record says about the visitor's situation, derived by the collector
// rather than trusted from the client: the texts they were shown and their browser family.
import { createHash } from 'node:crypto'
import { UAParser } from 'ua-parser-js'
import { type Language, resolveStrings } from '../../consent/core/strings.ts'
import type { SiteConfig } from '../config/site-config.ts'
import { canonicalJson } from './canonical.ts'

/**
 * sha256 of what the visitor was shown, as the collector serves it: the texts of that language
 * (built-in, with the site's overrides), the policy version and the services listed per purpose.
 * Canonical JSON, so anyone holding the config can recompute it.
 */
export const shownTextHash = (site: SiteConfig, language: Language) =>
  createHash('sha256')
    .update(
      canonicalJson({
        language,
        version: site.consent.version,
        strings: resolveStrings(language, site.consent.strings),
        services: site.consent.services,
      }),
    )
    .digest('hex')

/** Parsers fall back to tokens copied from the header for unknown clients: keep them short. */
const part = (value: string | undefined) => (value || 'unknown').slice(0, 40)

/** "Chrome 131 / Linux": enough to tell how the choice was made, too little to single anyone out. */
export const userAgentFamily = (ua: string | undefined) => {
  const { browser, os } = new UAParser(ua ?? '').getResult()
  const major = browser.name && browser.major ? ` ${browser.major.slice(0, 6)}` : ''
  return `${part(browser.name)}${major} / ${part(os.name)}`
}
