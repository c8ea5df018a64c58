// Report rows and visits as the report queries read them, for the unit tests of collector/reports:
// each test names only the fields its case is about.
import type { HitRow, ReportRow } from '../../collector/reports/types.ts'
import { sessionsOf, summaryOf, type Visit, visitsOf } from '../../collector/reports/visits.ts'

/** A page view on '/' by person p1 on device d1 (session s1) in Chrome on a Windows desktop, at 0. */
export const reportRow = (over: Partial<ReportRow> = {}): ReportRow => ({
  device: 'd1',
  person: 'p1',
  session: 's1',
  at: 0,
  kind: 'page',
  name: null,
  props: null,
  path: '/',
  referrer: null,
  source: null,
  medium: null,
  campaign: null,
  term: null,
  content: null,
  clickId: false,
  browser: 'Chrome',
  os: 'Windows',
  deviceType: 'desktop',
  country: null,
  region: null,
  engaged: null,
  scroll: null,
  ...over,
})

/**
 * A direct visit of one page view on '/' by person p1 on device d1 at 0, nothing else known; its
 * counts (page views, scroll sum and count) follow the pages and scrolls given.
 */
export const reportVisit = (over: Partial<Visit> = {}): Visit => {
  const visit: Omit<Visit, 'pageviews' | 'scrollSum' | 'scrollCount'> = {
    person: 'p1',
    device: 'd1',
    start: 0,
    end: 0,
    pages: ['/'],
    entry: '/',
    exit: '/',
    channel: 'Direct',
    referrer: null,
    source: null,
    medium: null,
    campaign: null,
    term: null,
    content: null,
    browser: null,
    os: null,
    deviceType: null,
    country: null,
    region: null,
    engaged: 0,
    clickId: false,
    scrolls: [],
    events: [],
    ...over,
  }
  return {
    ...visit,
    pageviews: over.pageviews ?? visit.pages.length,
    scrollSum: over.scrollSum ?? visit.scrolls.reduce((sum, n) => sum + n, 0),
    scrollCount: over.scrollCount ?? visit.scrolls.length,
  }
}

/** What a store's reportHits answers for whole sessions' rows: each page view and event with its visit. */
export const hitRowsOf = (rows: readonly ReportRow[]): HitRow[] =>
  sessionsOf(rows).flatMap((list) => {
    const [visit] = visitsOf(list)
    if (!visit) return []
    const summary = summaryOf(visit)
    return list.flatMap((r): HitRow[] =>
      r.kind === 'engagement'
        ? []
        : [
            {
              at: r.at,
              kind: r.kind,
              path: r.path,
              name: r.name,
              props: r.props,
              device: r.device,
              person: summary.person,
              visit: summary,
            },
          ],
    )
  })
