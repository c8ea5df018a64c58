// Ad spend: what a site paid per campaign per local day, imported as JSON rows or CSV text (the
// dashboard's upload, POST /admin/api/spend). Pure: parsing and validation here, storage in the
// adapters (store/sqlite/spend.ts, store/postgres/spend.ts), figures in reports/kpis.ts.
import { z } from 'zod'
import { CHANNELS, type Channel } from './channels.ts'
import { parseDate } from './time.ts'

/** One day's spend on one campaign (and source and medium) of a site. */
export interface SpendRow {
  /** Local date in the site's time zone, YYYY-MM-DD. */
  date: string
  /** The utm_campaign the spend bought visits for. */
  campaign: string
  source: string | null
  medium: string | null
  /** Overrides the channel derived from source and medium (reports/channels.ts) in `by=channel`. */
  channel: Channel | null
  /** ≥ 0, at most 2 decimals. */
  cost: number
  /** ISO 4217, upper case: one per site. */
  currency: string
}

/** What an import did: the (site, date) pairs it named lost every earlier row. */
export type SpendImport =
  | { ok: true; rows: number; days: number; replaced: number }
  /** Another currency is stored for the site on other days: nothing was written. */
  | { ok: false; currency: string }

export interface SpendStore {
  /**
   * In one transaction: deletes every row of the site on the dates `rows` name, then inserts them.
   * Re-importing a day replaces it; concurrent imports of one site take turns. `rows` come from
   * spendImport (valid, no repeated key, one currency).
   */
  importSpend(site: string, rows: readonly SpendRow[]): Promise<SpendImport>
  /** The site's rows from `from` to `to` (local dates, inclusive), by date, campaign, source, medium. */
  spendRows(site: string, range: { from: string; to: string }): Promise<SpendRow[]>
}

export const MAX_SPEND_ROWS = 10_000
/** The largest cost of one row: sums of 10,000 rows stay exact in cents. */
export const MAX_COST = 1_000_000_000

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`)
const optional = (max: number) =>
  z
    .union([text(max), z.null()])
    .optional()
    .transform((v) => (v === undefined || v === null || v === '' ? null : v))

const costOf = z.union([z.number(), z.string().trim()]).transform((raw, ctx) => {
  const value = typeof raw === 'number' ? raw : /^\d+(\.\d{1,2})?$/.test(raw) ? Number(raw) : Number.NaN
  const cents = Math.round(value * 100)
  if (!Number.isFinite(value) || value < 0 || Math.abs(value * 100 - cents) > 1e-6 || value > MAX_COST) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a number from 0 to ${MAX_COST} with at most 2 decimals`,
    })
    return z.NEVER
  }
  return cents / 100
})

export const spendRowSchema = z.object({
  date: z.string().refine((d) => parseDate(d) !== undefined, 'must be a date YYYY-MM-DD'),
  campaign: text(200).min(1, 'is required'),
  source: optional(200),
  medium: optional(200),
  channel: z
    .union([z.enum(CHANNELS), z.literal(''), z.null()])
    .optional()
    .transform((v) => (v ? v : null)),
  cost: costOf,
  currency: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine((c) => /^[A-Z]{3}$/.test(c), 'must be a 3-letter ISO 4217 code (EUR, USD, …)'),
})

/** Where an import is wrong: 1-based data row (the CSV header is not counted), column, why. */
export interface SpendProblem {
  row: number | null
  column: string | null
  message: string
}

/** The path of a problem in the API's refusal: `rows.<index>.<column>` (index 0-based). */
export const problemPath = (p: SpendProblem) =>
  p.row === null ? 'rows' : `rows.${p.row - 1}${p.column ? `.${p.column}` : ''}`

export const problemText = (p: SpendProblem) =>
  `${p.row === null ? '' : `row ${p.row}${p.column ? `, column ${p.column}` : ''}: `}${p.message}`

const keyOf = (r: SpendRow) => JSON.stringify([r.date, r.campaign, r.source, r.medium])

/** Valid rows, each key once, one currency: the rows an import writes, or the first problem. */
export const spendImport = (input: unknown): { rows: SpendRow[] } | { problem: SpendProblem } => {
  if (!Array.isArray(input))
    return { problem: { row: null, column: null, message: 'must be a list of rows' } }
  if (input.length === 0) return { problem: { row: null, column: null, message: 'holds no row' } }
  if (input.length > MAX_SPEND_ROWS)
    return { problem: { row: null, column: null, message: `at most ${MAX_SPEND_ROWS} rows per import` } }
  const rows: SpendRow[] = []
  const seen = new Map<string, number>()
  for (const [index, raw] of input.entries()) {
    const row = index + 1
    const parsed = spendRowSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const column = issue.path.length > 0 ? String(issue.path[0]) : null
      return { problem: { row, column, message: issue.message } }
    }
    const r = parsed.data
    const first = seen.get(keyOf(r))
    if (first !== undefined)
      return {
        problem: {
          row,
          column: null,
          message: `repeats row ${first}: one row per date, campaign, source and medium`,
        },
      }
    seen.set(keyOf(r), row)
    if (rows.length > 0 && r.currency !== rows[0]!.currency)
      return {
        problem: {
          row,
          column: 'currency',
          message: `must be ${rows[0]!.currency} as in row 1: one currency per site`,
        },
      }
    rows.push(r)
  }
  return { rows }
}

export const SPEND_COLUMNS = ['date', 'campaign', 'source', 'medium', 'channel', 'cost', 'currency'] as const
const REQUIRED = ['date', 'campaign', 'cost', 'currency'] as const

/** RFC 4180 records (quotes, "" inside quotes, CRLF or LF); null where a quote is left open. */
export const csvRecords = (input: string): string[][] | null => {
  const src = input.startsWith('\uFEFF') ? input.slice(1) : input
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  let i = 0
  while (i < src.length) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (ch === '"') quoted = false
      else cell += ch
      i++
      continue
    }
    if (ch === '"' && cell === '') quoted = true
    else if (ch === ',') {
      record.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      record.push(cell)
      records.push(record)
      record = []
      cell = ''
      if (ch === '\r' && src[i + 1] === '\n') i++
    } else cell += ch
    i++
  }
  if (quoted) return null
  if (cell !== '' || record.length > 0) {
    record.push(cell)
    records.push(record)
  }
  // Blank lines (a trailing newline, an empty line between rows) are no rows.
  return records.filter((r) => !(r.length === 1 && r[0]!.trim() === ''))
}

/**
 * CSV text with a header naming its columns (any order, case-insensitive): date, campaign, cost
 * and currency are required; source, medium and channel optional; any other column is refused.
 */
export const spendCsv = (input: string): { rows: SpendRow[] } | { problem: SpendProblem } => {
  const records = csvRecords(input)
  if (records === null)
    return { problem: { row: null, column: null, message: 'a quoted cell is not closed' } }
  const [header, ...data] = records
  if (!header) return { problem: { row: null, column: null, message: 'holds no header line' } }
  const columns = header.map((h) => h.trim().toLowerCase())
  for (const c of columns)
    if (!(SPEND_COLUMNS as readonly string[]).includes(c))
      return {
        problem: {
          row: null,
          column: c,
          message: `header: unknown column "${c}" (columns: ${SPEND_COLUMNS.join(', ')})`,
        },
      }
  for (const c of REQUIRED)
    if (!columns.includes(c))
      return { problem: { row: null, column: c, message: `header: column ${c} is missing` } }
  if (new Set(columns).size !== columns.length)
    return { problem: { row: null, column: null, message: 'header: a column is named twice' } }
  if (data.length > MAX_SPEND_ROWS)
    return { problem: { row: null, column: null, message: `at most ${MAX_SPEND_ROWS} rows per import` } }
  const objects: Record<string, string>[] = []
  for (const [index, record] of data.entries()) {
    if (record.length !== columns.length)
      return {
        problem: {
          row: index + 1,
          column: null,
          message: `has ${record.length} cells, the header ${columns.length}`,
        },
      }
    objects.push(Object.fromEntries(columns.map((c, i) => [c, record[i]!])))
  }
  return spendImport(objects)
}

/** The dates an import names, each once, in order. */
export const datesOf = (rows: readonly SpendRow[]) => [...new Set(rows.map((r) => r.date))].sort()

/** Cents, exact: what the adapters store. */
export const centsOf = (cost: number) => Math.round(cost * 100)

/** A row as the adapters store it: missing source and medium as '' (they are in the key), cents. */
export interface StoredSpend {
  date: string
  campaign: string
  source: string
  medium: string
  channel: string | null
  /** A number, or a BIGINT's text (PostgreSQL). */
  cents: number | string
  currency: string
}

export const spendRowOf = (r: StoredSpend): SpendRow => ({
  date: r.date,
  campaign: r.campaign,
  source: r.source === '' ? null : r.source,
  medium: r.medium === '' ? null : r.medium,
  channel: r.channel as Channel | null,
  cost: Number(r.cents) / 100,
  currency: r.currency,
})
