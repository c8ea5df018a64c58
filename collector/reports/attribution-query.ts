// The attribution report's question and answer (routes/report-attribution.ts): the query string
// read by zod, and attribute()'s credits (attribution.ts) joined into one row per channel or
// campaign with every model's conversions and revenue. Pure.
import { z } from 'zod'
import { type Attribution, MODELS, type Model } from './attribution.ts'
import { reportQuery } from './query.ts'

/** The lookback window's bounds and default, in days. */
export const LOOKBACK_DAYS = { min: 1, max: 180, default: 30 } as const
/** The time-decay model's half-life, in days. */
export const HALF_LIFE_DAYS = 7

/** The models' names in CSV columns. */
export const MODEL_COLUMNS: Record<Model, string> = {
  first: 'first',
  lastNonDirect: 'last_non_direct',
  linear: 'linear',
  position: 'position',
  timeDecay: 'time_decay',
}

// A series interval and a comparison mean nothing here, so they are not taken.
export const attributionQuery = reportQuery.omit({ interval: true, compare: true }).extend({
  /** The goal of the site whose conversions are credited (required). */
  goal: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a goal key of the site'),
  /** Days before each conversion whose visits are its touches. */
  lookback: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(LOOKBACK_DAYS.min)
    .max(LOOKBACK_DAYS.max)
    .default(LOOKBACK_DAYS.default),
  /** Rows per channel, or per campaign (utm_campaign; none is "(none)"). */
  by: z.enum(['channel', 'campaign']).default('channel'),
})

export type AttributionQuery = z.infer<typeof attributionQuery>

export interface Figures {
  conversions: number
  revenue: number
}

export type AttributionRow = {
  key: string
  /** Visits in the lookback of at least one conversion, and of them those with an ad click id. */
  touches: number
  clicks: number
} & Record<Model, Figures>

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits
const figures = (conversions: number, revenue: number): Figures => ({
  conversions: round(conversions, 4),
  revenue: round(revenue, 2),
})

/**
 * One row per key credited under any model, each model's figures (0 where it gave none), most
 * conversions under last non-direct first, then under linear, then by key.
 */
export const rowsOf = (
  result: Attribution,
  touches: ReadonlyMap<string, { touches: number; clicks: number }> = new Map(),
): AttributionRow[] => {
  const rows = new Map<string, AttributionRow>()
  const empty = (key: string) =>
    ({
      key,
      touches: touches.get(key)?.touches ?? 0,
      clicks: touches.get(key)?.clicks ?? 0,
      ...Object.fromEntries(MODELS.map((m) => [m, { conversions: 0, revenue: 0 }])),
    }) as AttributionRow
  for (const model of MODELS)
    for (const credit of result.models[model]) {
      const row = rows.get(credit.key) ?? empty(credit.key)
      row[model] = figures(credit.conversions, credit.value)
      rows.set(credit.key, row)
    }
  return [...rows.values()].sort(
    (a, b) =>
      b.lastNonDirect.conversions - a.lastNonDirect.conversions ||
      b.linear.conversions - a.linear.conversions ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  )
}

/** The whole answer's figures: all, attributed and unattributed conversions with their revenue. */
export const totalsOf = (result: Attribution) => ({
  conversions: result.attributed.conversions + result.unattributed.conversions,
  revenue: round(result.attributed.value + result.unattributed.value, 2),
  attributed: figures(result.attributed.conversions, result.attributed.value),
  unattributed: figures(result.unattributed.conversions, result.unattributed.value),
})

/** CSV columns and rows: the key, its touches and clicks, then each model's conversions and revenue. */
export const csvOfRows = (by: 'channel' | 'campaign', rows: readonly AttributionRow[]) => ({
  columns: [
    by,
    'touches',
    'clicks',
    ...MODELS.flatMap((m) => [`${MODEL_COLUMNS[m]}_conversions`, `${MODEL_COLUMNS[m]}_revenue`]),
  ],
  rows: rows.map((r) => [
    r.key,
    r.touches,
    r.clicks,
    ...MODELS.flatMap((m) => [r[m].conversions, r[m].revenue]),
  ]),
})
