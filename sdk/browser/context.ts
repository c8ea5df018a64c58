import type { Properties } from '../core/types.ts'
import { VERSION } from '../core/version.ts'
import { withoutClickIds } from '../rules/click-ids.ts'

/**
 * Segment's page properties, read at call time so SPA navigations are reflected. Under Global
 * Privacy Control without ad click ids, even if the visitor switched marketing on (the tracker
 * removes them whenever marketing consent is missing).
 */
export const pageProperties = (win: Window): Properties => {
  const page = {
    path: win.location.pathname,
    referrer: win.document.referrer,
    search: win.location.search,
    title: win.document.title,
    url: win.location.href,
  }
  return (win.navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl
    ? withoutClickIds(page)
    : page
}

// Read once a page: a formatter is costly to make, and every event carries the zone.
let zone: string | undefined
const timeZone = () => {
  zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone
  return zone
}

export const pageContext = (win: Window): Properties => ({
  page: pageProperties(win),
  locale: win.navigator.language,
  // Segment's field; journeys keep quiet hours in the visitor's own time zone.
  timezone: timeZone(),
  userAgent: win.navigator.userAgent,
  library: { name: 'precis', version: VERSION },
})
