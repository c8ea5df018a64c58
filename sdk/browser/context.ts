import type { Properties } from '../core/types.ts'
import { VERSION } from '../core/version.ts'

/** Segment's page properties, read at call time so SPA navigations are reflected. */
export const pageProperties = (win: Window): Properties => ({
  path: win.location.pathname,
  referrer: win.document.referrer,
  search: win.location.search,
  title: win.document.title,
  url: win.location.href,
})

export const pageContext = (win: Window): Properties => ({
  page: pageProperties(win),
  locale: win.navigator.language,
  userAgent: win.navigator.userAgent,
  library: { name: 'precis', version: VERSION },
})
