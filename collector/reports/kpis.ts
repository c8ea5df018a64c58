// KPIs per campaign or channel: visits and a revenue goal's conversions (goals.ts) beside the ad
// spend imported for the same local dates (spend.ts), and the ratios marketers read: CAC, ROAS,
// ROI, cost per visit; with the site-wide click-through of slots and the share of visits that came
// from a campaign link. A conversion counts for the visit it happened in (the visit's landing
// page gives the campaign and channel); the attribution report spreads it over earlier visits.
// Pure: visits and spend rows in, figures out.
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { channelOf } from './channels.ts'
import { reachedIn } from './goals.ts'
import type { SpendRow } from './spend.ts'
import type { Filter } from './traffic.ts'
import type { Visit } from './visits.ts'

export const KPI_BY = ['campaign', 'channel'] as const
export type KpiBy = (typeof KPI_BY)[number]

export interface KpiFigures {
  /** Distinct people with a visit. */
  visitors: number
  /** Visits; for a campaign, the visits that landed from its links (its link clicks). */
  visits: number
  /** The goal's conversions (events or page views); null without a goal. */
  conversions: number | null
  /** People with a conversion (customers won); null without a goal. */
  customers: number | null
  /** customers / visitors. */
  conversionRate: number | null
  revenue: number | null
  /** Average order value: revenue / conversions. */
  aov: number | null
  /** Revenue per customer over the period (not a lifetime value). */
  revenuePerCustomer: number | null
  /** Spend on the period's dates; 0 when none was imported. */
  spend: number
  /** Cost per visit (per campaign link click): spend / visits. */
  cpc: number | null
  /** Customer acquisition cost: spend / customers. */
  cac: number | null
  /** Return on ad spend: revenue / spend. */
  roas: number | null
  /** Return on investment: (revenue − spend) / spend. */
  roi: number | null
}

export interface KpiRow extends KpiFigures {
  /** The campaign (utm_campaign) or channel; null: visits without a campaign. */
  value: string | null
}

export interface Kpis {
  rows: KpiRow[]
  /** Every visit and all the spend (also of campaigns without visits). */
  totals: KpiFigures
  /** Slot impressions (`Slot Viewed`) and clicks (`Slot Clicked`) in the visits; ctr = clicks / impressions. */
  slots: { impressions: number; clicks: number; ctr: number | null }
  /** Visits that landed from a campaign link, and their share of all visits. */
  campaigns: { visits: number; share: number | null }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits
const ratio = (a: number | null, b: number | null, digits: number) =>
  a === null || b === null || b === 0 ? null : round(a / b, digits)

/** The channel a spend row pays for: its own, else what its source and medium say (no referrer). */
export const spendChannel = (r: SpendRow) =>
  r.channel ?? channelOf({ referrer: null, source: r.source, medium: r.medium, clickId: false })

const SPEND_VALUE: Partial<Record<Filter['dimension'], (r: SpendRow) => string | null>> = {
  utm_campaign: (r) => r.campaign,
  utm_source: (r) => r.source,
  utm_medium: (r) => r.medium,
  channel: spendChannel,
}

/**
 * The spend rows the filters keep. Spend knows campaign, source, medium and channel only: filters
 * on other dimensions leave it whole, and are answered in `ignored`.
 */
export const filterSpend = (rows: readonly SpendRow[], filters: readonly Filter[]) => {
  const ignored = [...new Set(filters.filter((f) => !SPEND_VALUE[f.dimension]).map((f) => f.dimension))]
  const kept = rows.filter((r) =>
    filters.every((f) => {
      const value = SPEND_VALUE[f.dimension]
      return value === undefined || value(r) === f.value
    }),
  )
  return { rows: kept, ignored }
}

const figuresOf = (visits: readonly Visit[], spendCents: number, goal: Goal | undefined): KpiFigures => {
  const people = new Set<string>()
  const customers = new Set<string>()
  let conversions = 0
  let revenue = 0
  for (const v of visits) {
    people.add(v.person)
    if (!goal) continue
    const reached = reachedIn(v, goal)
    if (reached.conversions > 0) customers.add(v.person)
    conversions += reached.conversions
    revenue += reached.revenue
  }
  const spend = spendCents / 100
  const money = goal ? round(revenue, 2) : null
  const won = goal ? customers.size : null
  return {
    visitors: people.size,
    visits: visits.length,
    conversions: goal ? conversions : null,
    customers: won,
    conversionRate: ratio(won, people.size, 4),
    revenue: money,
    aov: ratio(money, goal ? conversions : null, 2),
    revenuePerCustomer: ratio(money, won, 2),
    spend,
    cpc: ratio(spend, visits.length, 2),
    cac: ratio(spend, won, 2),
    roas: ratio(money, spend, 4),
    roi: money === null ? null : ratio(money - spend, spend, 4),
  }
}

/**
 * KPI rows by campaign or channel: every value with a visit or with spend, most spend first, then
 * most revenue, most visitors, value. `spend` are the rows of the period, already filtered.
 */
export const kpisOf = (
  visits: readonly Visit[],
  spend: readonly SpendRow[],
  by: KpiBy,
  goal: Goal | undefined,
): Kpis => {
  const groupOf = (v: Visit): string | null => (by === 'campaign' ? v.campaign : v.channel)
  const groups = new Map<string | null, Visit[]>()
  for (const v of visits) {
    const key = groupOf(v)
    const list = groups.get(key)
    if (list) list.push(v)
    else groups.set(key, [v])
  }
  // Cents: sums of many rows stay exact.
  const cents = new Map<string | null, number>()
  let allCents = 0
  for (const r of spend) {
    const key = by === 'campaign' ? r.campaign : spendChannel(r)
    const c = Math.round(r.cost * 100)
    cents.set(key, (cents.get(key) ?? 0) + c)
    allCents += c
  }
  const keys = new Set<string | null>([...groups.keys(), ...cents.keys()])
  const rows = [...keys]
    .map((value): KpiRow => ({ value, ...figuresOf(groups.get(value) ?? [], cents.get(value) ?? 0, goal) }))
    .sort(
      (a, b) =>
        b.spend - a.spend ||
        (b.revenue ?? 0) - (a.revenue ?? 0) ||
        b.visitors - a.visitors ||
        (a.value ?? '').localeCompare(b.value ?? ''),
    )
  let impressions = 0
  let clicks = 0
  let fromCampaign = 0
  for (const v of visits) {
    if (v.campaign !== null) fromCampaign++
    for (const e of v.events) {
      if (e.name === 'Slot Viewed') impressions++
      else if (e.name === 'Slot Clicked') clicks++
    }
  }
  return {
    rows,
    totals: figuresOf(visits, allCents, goal),
    slots: { impressions, clicks, ctr: ratio(clicks, impressions, 4) },
    campaigns: { visits: fromCampaign, share: ratio(fromCampaign, visits.length, 4) },
  }
}

/** The goal a KPI report counts: the one named, else the site's first goal with a revenue property. */
export const revenueGoalKey = (goals: Record<string, Goal>, named: string | undefined) =>
  named ?? Object.entries(goals).find(([, g]) => g.revenue !== undefined)?.[0]
