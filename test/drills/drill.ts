// What every drill reports, and the table `npm run drills` prints.

/** `short`: the version inside the test command (seconds); `full`: the drill as `npm run drill:<name>` runs it. */
export type DrillMode = 'short' | 'full'

export interface DrillResult {
  name: string
  /** The drill's figures in print order, e.g. { payloads: 5000, '5xx': 0, 'peak RSS': '180 MB' }. */
  figures: Record<string, string | number>
  /** Why it failed: empty when it passed. */
  failures: string[]
}

export interface Drill {
  name: string
  /** One line: what is done and what must hold. */
  summary: string
  run(mode: DrillMode): Promise<DrillResult>
}

export const passed = (r: DrillResult) => r.failures.length === 0

const fmt = (v: string | number) => (typeof v === 'number' ? v.toLocaleString('en-US') : v)

/** A Markdown table: drill, figures, pass or fail (with the first failure). */
export const drillTable = (results: readonly DrillResult[]) => {
  const rows = results.map((r) => [
    r.name,
    Object.entries(r.figures)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', '),
    passed(r)
      ? 'pass'
      : `FAIL: ${r.failures[0]}${r.failures.length > 1 ? ` (+${r.failures.length - 1})` : ''}`,
  ])
  const head = ['drill', 'figures', 'result']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}
