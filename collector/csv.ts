// CSV as RFC 4180 writes it, for every download the admin API offers (experiment results, reports).

export type CsvValue = string | number | boolean | null | undefined

/** One cell: quoted when needed; a leading = + - @ is defused so a spreadsheet never runs it as a formula. */
export const csvCell = (value: CsvValue) => {
  if (value === null || value === undefined) return ''
  const text = String(value)
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/** A header line and one line per row, CRLF-terminated. */
export const csvOf = (columns: readonly string[], rows: readonly (readonly CsvValue[])[]) =>
  `${[columns.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`
