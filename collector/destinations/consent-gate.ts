// Which stored events a destination may receive: consent decides by construction. A destination
// declares the purposes it serves; an event goes only when the consent stamped on it when it was
// made (Segment's context.consent.categoryPreferences) grants every one of them, and never to a
// marketing destination when the browser sent Global Privacy Control.

/** The consent purposes a destination may ask for (necessary is always granted). */
export const PURPOSES = ['analytics', 'personalization', 'marketing'] as const

/** What an event carries of consent: its stamp, and whether the browser sent GPC. */
export interface ConsentStamp {
  categoryPreferences?: unknown
  gpc?: unknown
}

/**
 * Why the event may not go to a destination serving `purposes`, or undefined when it may. Only
 * `true` grants a purpose; an event without a stamp (a server's) goes only where no purpose is asked.
 */
export const deliveryRefusal = (stamp: ConsentStamp | undefined, purposes: readonly string[]) => {
  if (purposes.includes('marketing') && stamp?.gpc === true)
    return 'the browser sent Global Privacy Control: no marketing destination'
  const prefs = stamp?.categoryPreferences
  const granted = (p: string) =>
    typeof prefs === 'object' && prefs !== null && (prefs as Record<string, unknown>)[p] === true
  const missing = purposes.filter((p) => !granted(p))
  return missing.length === 0 ? undefined : `the event's consent does not grant ${missing.join(', ')}`
}
