// Pure numbers derived in the page from what the API returned.

/**
 * @typedef {{ key: string, users: number, conversions: number }} DailyVariation
 * @typedef {{ date: string, variations: DailyVariation[] }} DailyRow
 * @typedef {{ key: string, points: { x: string, y: number | null }[] }} Series
 */

/**
 * The 95 % interval of a mean: mean ± 1.96 standard errors; null without both (no users, one user).
 * @param {number | null | undefined} mean @param {number | null | undefined} stdErr
 * @returns {[number, number] | null}
 */
export const ci95 = (mean, stdErr) =>
  typeof mean === 'number' && typeof stdErr === 'number' && Number.isFinite(mean) && Number.isFinite(stdErr)
    ? [mean - 1.96 * stdErr, mean + 1.96 * stdErr]
    : null

/**
 * Relative lift of each treatment over the control, day by day, of the cumulative conversion
 * rates: (conversions / users of the treatment) / (same of the control) − 1. The API's `daily`
 * is already cumulative (each day holds the totals up to its end). Null while either has no users
 * or the control has no conversion.
 * @param {readonly DailyRow[]} daily cumulative, any order
 * @param {string} control the control's variation key
 * @param {readonly string[]} treatments
 * @returns {Series[]}
 */
export const cumulativeLift = (daily, control, treatments) => {
  const days = [...daily].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
  const rate = (/** @type {DailyRow} */ day, /** @type {string} */ key) => {
    const v = day.variations.find((x) => x.key === key)
    return v && v.users > 0 ? v.conversions / v.users : null
  }
  return treatments.map((key) => ({
    key,
    points: days.map((day) => {
      const base = rate(day, control)
      const r = rate(day, key)
      return { x: day.date, y: base === null || base === 0 || r === null ? null : r / base - 1 }
    }),
  }))
}

/**
 * The 95 % interval of a proportion (normal approximation), clamped to [0, 1].
 * @param {number} successes @param {number} n
 * @returns {[number, number] | null}
 */
export const proportionCi = (successes, n) => {
  if (n <= 0) return null
  const p = successes / n
  const half = 1.96 * Math.sqrt((p * (1 - p)) / n)
  return [Math.max(0, p - half), Math.min(1, p + half)]
}
