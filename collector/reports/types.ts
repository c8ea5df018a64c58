// What reports read from a store: one narrow row per page view, per page's engagement figures and
// per other track event, derived once from the stored events (report-row.ts), and a summary per
// visit kept from those rows (visits.ts).
import type { Channel } from './channels.ts'
import type { Sketch } from './sketch.ts'

/** A stored event as reports see it. Ids are the store's pseudonyms; none leaves in an answer. */
export interface ReportRow {
  /** The event's anonymousId (a pseudonym): the device. */
  device: string
  /** The device's profile now (after identity resolution), else the device: the person. */
  person: string
  /** The SDK's session id (context.session.id); without one the event is a visit of its own. */
  session: string
  /** Event time, epoch ms. */
  at: number
  /** A page view, a page's engagement figures, or another track event (goals, funnels). */
  kind: 'page' | 'engagement' | 'event'
  /** The track event's name (kind 'event'). */
  name: string | null
  /** Its properties as JSON text (kind 'event'), null when larger than MAX_PROPS bytes. */
  props: string | null
  /** The page's path (without query or fragment). */
  path: string | null
  /** The referring host of an external referrer, lower case without `www.`; null when none. */
  referrer: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  term: string | null
  content: string | null
  /** The landing URL carried an ad click id (gclid, fbclid, …). */
  clickId: boolean
  browser: string | null
  os: string | null
  /** desktop, mobile, tablet, … as the user agent says. */
  deviceType: string | null
  /** ISO country and region codes from the trusted proxy headers (coarse geo only). */
  country: string | null
  region: string | null
  /** Page Engagement: seconds engaged and the scroll depth reached (0-100). */
  engaged: number | null
  scroll: number | null
}

/** The derived columns of a report row, as an adapter stores them beside site and event id. */
export type DerivedRow = Omit<ReportRow, 'person'>

/**
 * How often identity resolution (kicked after writes) also derives report rows, by its clock: the
 * first report read after a busy hour then finds little left to do. Readers sync before they read.
 */
export const REPORTS_SYNC_EVERY_MS = 10_000

/**
 * The most report rows a report reads into memory at once (about 0.5 KB each as ReportRows, as
 * much again as visits): more are refused with `report_too_large` rather than risk the
 * collector's heap, which ingest shares. PRECIS_REPORTS_MAX_ROWS sets it.
 */
export const REPORTS_MAX_ROWS = 2_000_000

export interface ReportStore {
  /**
   * Derives report rows of the events stored since the last call (every collector may call it;
   * with several, each event is derived once). Resolves to how many events it looked at.
   */
  syncReports(): Promise<number>
  /**
   * Every report row of the sessions that have a row in [from, to) (epoch ms), each with its person
   * as identity resolution has it now: a visit is whole even where it crosses the window's edges.
   */
  reportSessions(site: string, window: { from: number; to: number }): Promise<ReportRow[]>
  /**
   * How many report rows fall in [from, to) (epoch ms), counted up to `limit` (more answers
   * `limit`): what a report checks before reading the rows into memory.
   */
  reportRowsUpTo(site: string, window: { from: number; to: number }, limit: number): Promise<number>
  /**
   * The summary of every visit that starts in [from, to) (epoch ms), with its person now: what
   * `summaryOf(visitsOf(rows))` makes of the visit's rows (visits.ts), kept by `syncReports` as
   * rows arrive and are deleted, so the overview reads a row per visit. In no particular order.
   */
  reportVisits(site: string, window: { from: number; to: number }): Promise<VisitSummary[]>
  /**
   * The person and start of every visit reportVisits answers, and nothing else, handed to `each` as
   * they are read (no object per visit): what a question about people's visits over time
   * (retention without filters) reads, at a fraction of the cost. In no particular order.
   */
  reportVisitStarts(
    site: string,
    window: { from: number; to: number },
    each: (person: string, start: number) => void,
  ): Promise<void>
  /**
   * The page views in [from, to) (epoch ms) whose path matches a pattern of `hits` (goal-schema's
   * `pageMatches`, a missing path being `/`) and the track events there named in it, of visits only
   * (sessions with a page view), with their person now and, when `visits` is asked for, their
   * visit's summary (rows of one visit share one object): what funnels and attribution read
   * instead of whole sessions. At most `limit` of them (the caller asks for one more than it
   * accepts); in no particular order.
   */
  reportHits(
    site: string,
    window: { from: number; to: number },
    hits: HitQuery,
    options: { limit: number; visits: boolean },
  ): Promise<HitRow[]>
  /**
   * The summaries of the visits starting in [from, to) (epoch ms) of these people (as
   * VisitSummary's `person`: a profile, or a device without one), from all their devices.
   */
  reportVisitsOf(
    site: string,
    people: readonly string[],
    window: { from: number; to: number },
  ): Promise<VisitSummary[]>
  /**
   * The aggregate of every UTC hour in [from, to) (epoch ms, whole hours) with a visit: what
   * `hourAggregateOf` (hours.ts) makes of the summaries of the visits starting in it, with the
   * person now. An hour whose visits or persons changed is made again here, before it is read
   * (not at every sync: a busy site's current hour changes with each); one an erasure touched,
   * by the next `syncReports` too, so nothing of the erased stays. In no particular order.
   */
  reportHours(site: string, window: { from: number; to: number }): Promise<HourAggregate[]>
}

/**
 * What a visit is without its pages and events: what the overview and breakdowns of visit-level
 * dimensions count. Stores keep one per visit (`ReportStore.reportVisits`), made by `summaryOf`
 * (visits.ts) from the visit's rows, so those reports read a row per visit, not every row.
 */
export interface VisitSummary {
  person: string
  device: string
  start: number
  end: number
  entry: string | null
  exit: string | null
  channel: Channel
  referrer: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  term: string | null
  content: string | null
  browser: string | null
  os: string | null
  deviceType: string | null
  country: string | null
  /** `country-region` (DE-BE), so one region name never mixes two countries. */
  region: string | null
  /** Seconds engaged, summed over its pages' engagement figures. */
  engaged: number
  /** Its page views. */
  pageviews: number
  /** The sum and the number of the scroll depths its pages reported. */
  scrollSum: number
  scrollCount: number
  /** Its landing URL carried an ad click id (gclid, fbclid, …): a paid click, as attribution counts. */
  clickId: boolean
}

/** Which rows `reportHits` reads: page views matching a pattern, and events by name. */
export interface HitQuery {
  /** Page path patterns (`*` is any characters, as a goal's `page`). */
  pages: readonly string[]
  /** Track event names. */
  events: readonly string[]
}

/** A page view or track event of a visit, with its person and, when asked for, its visit. */
export interface HitRow {
  at: number
  kind: 'page' | 'event'
  /** A page view's (null for an event). */
  path: string | null
  /** An event's (null for a page view). */
  name: string | null
  /** An event's (null for a page view). */
  props: string | null
  device: string
  /** The device's person now, as VisitSummary's. */
  person: string
  visit?: VisitSummary
}

/** A visit's person (as VisitSummary's) and start, epoch ms. */
export interface VisitStart {
  person: string
  start: number
}

/** What totals are made of: sums that add up across hours (hours.ts), and the two distinct counts. */
export interface Counts {
  visitors: number
  devices: number
  visits: number
  pageviews: number
  /** Visits with one page view. */
  bounces: number
  /** Seconds from each visit's first event to its last, summed. */
  duration: number
  engaged: number
  scrollSum: number
  scrollCount: number
}

/**
 * The visits starting in one UTC hour (hours.ts): the sums an overview adds up and sketches of
 * their devices and people, so a big period's totals read a row per hour.
 */
export interface HourAggregate extends Omit<Counts, 'visitors' | 'devices'> {
  /** The hour's start, epoch ms (a multiple of an hour). */
  hour: number
  devices: Sketch
  people: Sketch
}
