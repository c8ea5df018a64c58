// KPIs per campaign or channel: visits and a revenue goal's conversions (goals.ts) beside the ad
// spend imported for the same local dates (spend.ts), and the ratios marketers read: CAC, ROAS,
// ROI, cost per visit; with the site-wide click-through of slots and the share of visits that came
// from a campaign link. A conversion counts for the visit it happened in (the visit's landing
// page gives the campaign and channel); the attribution report spreads it over earlier visits.
// CLV per row, for a revenue goal: the customers a row *acquired* in the period are the people
// (after identity resolution, so across their devices) whose first conversion of the goal in the
// history the route passes (731 local dates up to `to`) happened in a visit of the period that is
// the row's; `clv` is their goal revenue to date (every conversion of theirs in visits starting up
// to the end of `to`, on any device, whatever the filters) divided by their number, `acquired`.
// People who converted before the period are not acquired in it. `clvToCac` = clv / cac.
// Pure: visits and spend rows in, figures out.
import type { Goal } from '../../sdk/rules/goal-schema.ts'
import { channelOf } from './channels.ts'
import { reachedIn, reaches } from './goals.ts'
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
  /** People whose first conversion in the history read was in these visits; null without a revenue goal. */
  acquired: number | null
  /** Their goal revenue to date (up to the end of `to`) per person; null without a revenue goal. */
  clv: number | null
  /** clv / cac; null when either is null or cac is 0. */
  clvToCac: number | null
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

/** A person's first conversion of the goal in the history read, and their goal revenue to date. */
export interface FirstConversion {
  /** The visit it happened in. */
  visit: Visit
  /** When it happened, epoch ms. */
  at: number
  /** The revenue of all their conversions in visits starting before the end of `to`, any device. */
  revenue: number
}

/**
 * Per person with a conversion of an event goal in `history` (every visit read, whole, unfiltered,
 * on all their devices), the visit of their first conversion (earliest event; ties: earlier visit,
 * then device) and their revenue over every visit that starts before `before` (the end of `to`).
 */
export const firstConversions = (
  history: readonly Visit[],
  goal: Goal,
  before: number,
): Map<string, FirstConversion> => {
  const firsts = new Map<string, FirstConversion>()
  for (const visit of history) {
    if (visit.start >= before) continue
    for (const e of visit.events) {
      const revenue = reaches(goal, { kind: 'event', name: e.name, props: e.props })
      if (revenue === null) continue
      const first = firsts.get(visit.person)
      if (!first) {
        firsts.set(visit.person, { visit, at: e.at, revenue })
        continue
      }
      first.revenue += revenue
      const earlier =
        e.at - first.at || visit.start - first.visit.start || visit.device.localeCompare(first.visit.device)
      if (earlier < 0) {
        first.visit = visit
        first.at = e.at
      }
    }
  }
  return firsts
}

const figuresOf = (
  visits: readonly Visit[],
  spendCents: number,
  goal: Goal | undefined,
  firsts: ReadonlyMap<string, FirstConversion> | undefined,
): KpiFigures => {
  const people = new Set<string>()
  const customers = new Set<string>()
  let conversions = 0
  let revenue = 0
  let acquired = 0
  let lifetime = 0
  for (const v of visits) {
    people.add(v.person)
    const first = firsts?.get(v.person)
    // A person has one first visit: their other visits and devices never count them again.
    if (first?.visit === v) {
      acquired++
      lifetime += first.revenue
    }
    if (!goal) continue
    const reached = reachedIn(v, goal)
    if (reached.conversions > 0) customers.add(v.person)
    conversions += reached.conversions
    revenue += reached.revenue
  }
  const spend = spendCents / 100
  const money = goal ? round(revenue, 2) : null
  const won = goal ? customers.size : null
  const clv = firsts ? ratio(lifetime, acquired, 2) : null
  const cac = ratio(spend, won, 2)
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
    cac,
    roas: ratio(money, spend, 4),
    roi: money === null ? null : ratio(money - spend, spend, 4),
    acquired: firsts ? acquired : null,
    clv,
    clvToCac: ratio(clv, cac, 4),
  }
}

/** Whether a goal values its conversions: CLV needs one. */
export const valuesRevenue = (goal: Goal | undefined): goal is Goal =>
  goal?.event !== undefined && goal.revenue !== undefined

/**
 * KPI rows by campaign or channel: every value with a visit or with spend, most spend first, then
 * most revenue, most visitors, value. `spend` are the rows of the period, already filtered.
 * `history`, for a revenue goal's CLV: every visit of the history read that starts before `before`
 * (the end of the period), whole and unfiltered; `visits` must be the same objects where
 * they are the same visits (as filtering a read leaves them). Without a revenue goal, or without
 * `history`, the CLV figures are null.
 */
export const kpisOf = (
  visits: readonly Visit[],
  spend: readonly SpendRow[],
  by: KpiBy,
  goal: Goal | undefined,
  history?: { visits: readonly Visit[]; before: number },
): Kpis => {
  const firsts =
    valuesRevenue(goal) && history ? firstConversions(history.visits, goal, history.before) : undefined
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
    .map(
      (value): KpiRow => ({
        value,
        ...figuresOf(groups.get(value) ?? [], cents.get(value) ?? 0, goal, firsts),
      }),
    )
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
    totals: figuresOf(visits, allCents, goal, firsts),
    slots: { impressions, clicks, ctr: ratio(clicks, impressions, 4) },
    campaigns: { visits: fromCampaign, share: ratio(fromCampaign, visits.length, 4) },
  }
}

/** The goal a KPI report counts: the one named, else the site's first goal with a revenue property. */
export const revenueGoalKey = (goals: Record<string, Goal>, named: string | undefined) =>
  named ?? Object.entries(goals).find(([, g]) => g.revenue !== undefined)?.[0]
