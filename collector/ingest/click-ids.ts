import { CLICK_IDS, isClickId, withoutClickIds } from '../../sdk/rules/click-ids.ts'
import type { SegmentEvent } from '../../sdk/rules/event-schema.ts'

/** Whether the event's consent stamp grants marketing: `true` there and nothing else. */
const marketingGranted = (event: SegmentEvent) => {
  const prefs = (event.context?.consent as { categoryPreferences?: unknown } | undefined)?.categoryPreferences
  return typeof prefs === 'object' && prefs !== null && (prefs as { marketing?: unknown }).marketing === true
}

/**
 * Ad click ids are marketing identifiers: an event keeps them (in `context.campaign`, the urls of
 * `context.page` and of its properties) only when its consent stamp grants marketing. The SDK
 * already removes them; this holds for any client. An event without a stamp (a server library)
 * loses them too: nothing says the visitor allowed marketing.
 */
export const clickIdsByConsent = <E extends SegmentEvent>(event: E): E =>
  marketingGranted(event) || !mayHoldClickIds(event) ? event : withoutClickIds(event)

const ANY_CLICK_ID = new RegExp(CLICK_IDS.join('|'), 'i')
const URLS = new Set(['url', 'search', 'referrer', 'landing_page', 'landingPage'])
const NESTED = new Set(['context', 'page', 'properties', 'campaign'])

/**
 * Whether withoutClickIds would change anything: a click-id key, or a url field naming one, where
 * it looks (a false positive only costs the copy). Every event passes here, and most hold none.
 */
const mayHoldClickIds = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null) return false
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key]
    if (isClickId(key)) return true
    if (typeof v === 'string' ? URLS.has(key) && ANY_CLICK_ID.test(v) : NESTED.has(key) && mayHoldClickIds(v))
      return true
  }
  return false
}
