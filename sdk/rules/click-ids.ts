// Ad platforms' click ids are marketing identifiers: kept only with the marketing purpose, never
// under Global Privacy Control. One list and one filter for the SDK, which removes them before
// anything is stored or sent, and for the collector, which removes them again (it trusts no browser).

/** Ad platforms' click ids, as query parameters of a landing URL (and keys of `context.campaign`). */
export const CLICK_IDS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'ttclid',
  'twclid',
  'li_fat_id',
  'yclid',
  'epik',
  'rdt_cid',
  'sccid',
] as const

/** Whether a parameter or key name is a click id, in any case. */
export const isClickId = (name: string) => (CLICK_IDS as readonly string[]).includes(name.toLowerCase())

/**
 * A URL, a path or a search string (`?a=1`) without click-id parameters, in its query and in a
 * hash route's (`#/p?gclid=…`); everything else is kept as written (nothing re-encoded).
 */
export const stripClickIds = (url: string): string =>
  url.replace(/\?([^#]*)/g, (_, query: string) => {
    const kept = query
      .split('&')
      .filter((p) => !isClickId(p.split('=')[0]!))
      .join('&')
    return kept && `?${kept}`
  })

/** Fields that hold URLs: in `context.page`, page and session properties, the SDK's stored session. */
const URLS = ['url', 'search', 'referrer', 'landing_page', 'landingPage']
/** Where click ids are looked for below an event (or the stored session). */
const NESTED = ['context', 'page', 'properties', 'campaign']

/**
 * A copy without click ids of an event, or of the SDK's stored session: no click-id key (in
 * `context.campaign`, the properties, ...), no click-id parameter in a url, search, referrer or
 * landing page. Everything else is kept as it is.
 */
export const withoutClickIds = <T>(value: T): T => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value))
    if (!isClickId(key))
      out[key] =
        typeof v === 'string' && URLS.includes(key)
          ? stripClickIds(v)
          : NESTED.includes(key)
            ? withoutClickIds(v)
            : v
  return out as T
}
