// Pure formatting of the numbers the dashboard shows. Missing values show as an en dash.

const DASH = '–'
const counts = new Intl.NumberFormat('en-US')

/** @param {unknown} x @returns {x is number} */
const finite = (x) => typeof x === 'number' && Number.isFinite(x)

/** Whole numbers with thousands separators: 12,345. @param {number | null | undefined} n */
export const count = (n) => (finite(n) ? counts.format(n) : DASH)

const amounts = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
/** An amount with thousands separators and two decimals: 1234.5 → "1,234.50". @param {number | null | undefined} x */
export const amount = (x) => (finite(x) ? amounts.format(x) : DASH)

/** A share as a percentage: 0.1234 → "12.3%". @param {number | null | undefined} x */
export const percent = (x, digits = 1) => (finite(x) ? `${(x * 100).toFixed(digits)}%` : DASH)

/** A change as a signed percentage: 0.05 → "+5.0%". @param {number | null | undefined} x */
export const signedPercent = (x, digits = 1) =>
  finite(x) ? `${x > 0 ? '+' : ''}${(x * 100).toFixed(digits)}%` : DASH

/** A difference of two rates in percentage points: 0.012 → "+1.20 pp". @param {number | null | undefined} x */
export const points = (x, digits = 2) =>
  finite(x) ? `${x > 0 ? '+' : ''}${(x * 100).toFixed(digits)} pp` : DASH

/** A plain number: 12.3456 → "12.35". @param {number | null | undefined} x */
export const decimal = (x, digits = 2) => (finite(x) ? x.toFixed(digits) : DASH)

/** A signed plain number: 1.5 → "+1.50". @param {number | null | undefined} x */
export const signedDecimal = (x, digits = 2) => (finite(x) ? `${x > 0 ? '+' : ''}${x.toFixed(digits)}` : DASH)

/** A p-value: "< 0.001" below that, else three decimals. @param {number | null | undefined} p */
export const pValue = (p) => (finite(p) ? (p < 0.001 ? '< 0.001' : p.toFixed(3)) : DASH)

/**
 * An interval: "[−1.0%, +5.0%]".
 * @param {readonly [number, number] | null | undefined} ci
 * @param {(x: number) => string} format
 */
export const interval = (ci, format) =>
  ci && finite(ci[0]) && finite(ci[1]) ? `[${format(ci[0])}, ${format(ci[1])}]` : DASH

/** A time as HH:MM:SS in UTC. @param {string} iso */
export const clock = (iso) => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? DASH : d.toISOString().slice(11, 19)
}

/** How long ago, coarsely: "12 s ago", "3 min ago", "2 h ago", "4 d ago". @param {number} ms */
export const ago = (ms) => {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

/**
 * A moment as people read it, in the site's time zone, named: "5 Dec 2026, 14:03 UTC".
 * @param {string} iso @param {string} [timeZone] the site's (default: the browser's)
 */
export const when = (iso, timeZone) => {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return DASH
  const zone = timeZone ? { timeZone } : {}
  const text = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', ...zone }).format(
    d,
  )
  return `${text} ${zoneName(d, timeZone)}`
}

/** The zone's short name ("UTC", "GMT+8"): dateStyle cannot be combined with timeZoneName. @param {Date} d @param {string} [timeZone] */
const zoneName = (d, timeZone) =>
  new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short', ...(timeZone ? { timeZone } : {}) })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value ?? ''

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
/**
 * A point of the lift-over-time series: a day (YYYY-MM-DD) as it is; an hour
 * (YYYY-MM-DDTHH:00Z) as "21 Nov 10:00 UTC".
 * @param {string} date
 */
export const seriesLabel = (date) => {
  if (date.length === 10) return date
  const d = new Date(date)
  if (Number.isNaN(d.getTime())) return date
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCHours()).padStart(2, '0')}:00 UTC`
}
