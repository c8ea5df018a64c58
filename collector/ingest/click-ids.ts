import { withoutClickIds } from '../../sdk/rules/click-ids.ts'
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
  marketingGranted(event) ? event : withoutClickIds(event)
