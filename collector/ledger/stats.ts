// Consent statistics from the ledger: each consent id counted once, with its latest record in the
// window, as shares of the window's browsers and per UTC day. Pure; the store sums the rows.
import type { ConsentSource } from '../../consent/core/state.ts'
import type { ConsentStatsRow } from '../store/types.ts'

const DAY = 86_400_000
const OPTIONAL = ['analytics', 'personalization', 'marketing'] as const
const SOURCES: readonly ConsentSource[] = ['banner', 'preferences', 'api', 'gpc', 'default']

export interface Share {
  count: number
  /** count / visitors; null without visitors. */
  share: number | null
}

export interface ConsentDay {
  date: string
  visitors: number
  acceptAll: number
  rejectAll: number
  custom: number
  gpc: number
  granted: Record<(typeof OPTIONAL)[number], number>
}

export interface ConsentStats {
  /** Consent ids (browsers) whose latest record falls in the window: each counts once. */
  visitors: number
  /** Per optional purpose: how many of them grant it. */
  purposes: Record<(typeof OPTIONAL)[number], Share>
  /** Every optional purpose granted / none / anything else. */
  choices: { acceptAll: Share; rejectAll: Share; custom: Share }
  gpc: Share
  /** By the source of the counted record. */
  sources: Record<ConsentSource, number>
  /** Every UTC date of the window, oldest first, days without records included. */
  daily: ConsentDay[]
}

const share = (count: number, visitors: number): Share => ({
  count,
  share: visitors === 0 ? null : count / visitors,
})

/** Pure: the store's rows (per day and source) as the totals, shares and days of the window. */
export const shapeConsentStats = (
  rows: readonly ConsentStatsRow[],
  dates: readonly string[],
): ConsentStats => {
  const byDate = new Map<string, ConsentDay>(
    dates.map((date) => [
      date,
      {
        date,
        visitors: 0,
        acceptAll: 0,
        rejectAll: 0,
        custom: 0,
        gpc: 0,
        granted: { analytics: 0, personalization: 0, marketing: 0 },
      },
    ]),
  )
  const sources = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<ConsentSource, number>
  for (const r of rows) {
    sources[r.source] = (sources[r.source] ?? 0) + r.visitors
    const day = byDate.get(r.day)
    if (!day) continue // the store was asked for these dates only
    day.visitors += r.visitors
    day.acceptAll += r.acceptAll
    day.rejectAll += r.rejectAll
    day.custom += r.visitors - r.acceptAll - r.rejectAll
    day.gpc += r.gpc
    for (const p of OPTIONAL) day.granted[p] += r[p]
  }
  const daily = [...byDate.values()]
  const sum = (pick: (d: ConsentDay) => number) => daily.reduce((n, d) => n + pick(d), 0)
  const visitors = sum((d) => d.visitors)
  return {
    visitors,
    purposes: {
      analytics: share(
        sum((d) => d.granted.analytics),
        visitors,
      ),
      personalization: share(
        sum((d) => d.granted.personalization),
        visitors,
      ),
      marketing: share(
        sum((d) => d.granted.marketing),
        visitors,
      ),
    },
    choices: {
      acceptAll: share(
        sum((d) => d.acceptAll),
        visitors,
      ),
      rejectAll: share(
        sum((d) => d.rejectAll),
        visitors,
      ),
      custom: share(
        sum((d) => d.custom),
        visitors,
      ),
    },
    gpc: share(
      sum((d) => d.gpc),
      visitors,
    ),
    sources,
    daily,
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The last `days` UTC days up to `now` (today included): the store's window and every date in it. */
export const statsWindow = (now: number, days: number) => {
  const since = Math.floor(now / DAY) * DAY - (days - 1) * DAY
  const dates = Array.from({ length: days }, (_, i) => isoDate(since + i * DAY))
  return { since, until: now + 1, dates }
}
