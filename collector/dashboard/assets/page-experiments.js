// Experiments: the site's list, and one experiment's results with intervals, SRM and lift over time.
import { enc } from './api.js'
import { barChart, lineChart } from './charts.js'
import { h, notice, table } from './dom.js'
import { count, decimal, interval, percent, points, pValue, signedDecimal, signedPercent } from './format.js'
import { ci95, cumulativeLift } from './stats.js'

/**
 * @typedef {{ key: string, name?: string, weight?: number }} Variation
 * @typedef {{ key: string, name?: string, status?: string, variations?: Variation[], users?: number }} Experiment
 * @typedef {{ lift: number | null, ci: [number, number] | null }} Lift
 * @typedef {{ absolute: Lift, relative: Lift, pValue: number | null, adjustedPValue: number | null, chanceToWin: number | null }} VsControl
 * @typedef {{ key: string, users: number, conversions?: number, mean: number | null, variance: number, stdErr: number | null, vsControl: VsControl | null }} MetricVariation
 * @typedef {{ event: string, property?: string | null, kind: 'proportion' | 'mean', role: 'goal' | 'guardrail', variations: MetricVariation[] }} Metric
 * @typedef {{ chi2: number | null, pValue: number | null, warn: boolean, expected?: number[] | Record<string, number>, observed?: number[] | Record<string, number> }} Srm
 * @typedef {{
 *   site: string, experiment: Experiment & { variations: Variation[] }, users: number | Record<string, number>,
 *   srm: Srm, adjustment: string, metrics: Metric[],
 *   daily: import('./stats.js').DailyRow[], evaluatedAt: string,
 * }} Results
 */

/** A wide table that scrolls sideways on a narrow screen. @param {HTMLElement} el */
const scroll = (el) => h('div', { class: 'table-wrap' }, el)

/** @param {Experiment} e */
const title = (e) => e.name ?? e.key

/** @param {import('./api.js').PageContext} ctx */
export const renderList = async (ctx) => {
  ctx.main.append(h('h2', {}, 'Experiments'))
  /** @type {{ experiments?: Experiment[] }} */
  const d = await ctx.get(`/admin/api/experiments?site=${enc(ctx.site.id)}`)
  if (ctx.signal.aborted) return
  const list = d.experiments ?? []
  ctx.main.append(
    list.length === 0 ? notice('This site has no experiments in its config.') : '',
    table({
      caption: 'Experiments',
      columns: [
        'Experiment',
        'Key',
        'Status',
        { label: 'Variations', numeric: true },
        { label: 'Users', numeric: true },
      ],
      rows: list.map((e) => [
        h('a', { href: `#/experiments/${enc(e.key)}` }, title(e)),
        h('code', {}, e.key),
        e.status ?? '',
        count(e.variations?.length ?? 0),
        count(e.users),
      ]),
    }),
  )
}

/**
 * A per-variation value of the SRM answer, whether it is a list in variation order or keyed.
 * @param {number[] | Record<string, number> | undefined} values @param {number} i @param {string} key
 */
const nth = (values, i, key) => (Array.isArray(values) ? values[i] : values?.[key])

/** @param {Results} r */
const srmView = (r) => {
  const vs = r.experiment.variations
  /** Users per variation: keyed `users`, else what the SRM test observed, else the first metric's. */
  const users = (/** @type {number} */ i, /** @type {string} */ key) =>
    (typeof r.users === 'object' ? r.users[key] : undefined) ??
    nth(r.srm.observed, i, key) ??
    r.metrics[0]?.variations.find((v) => v.key === key)?.users
  return [
    r.srm.warn
      ? notice(
          `Sample ratio mismatch: users are not split as configured (χ² = ${decimal(r.srm.chi2)}, p = ${pValue(r.srm.pValue)}). Find the cause before trusting these results.`,
          'warn',
        )
      : h(
          'p',
          { class: 'notice notice-ok', id: 'srm-status' },
          `No sample ratio mismatch (χ² = ${decimal(r.srm.chi2)}, p = ${pValue(r.srm.pValue)}).`,
        ),
    table({
      caption: 'Users per variation',
      columns: [
        'Variation',
        'Key',
        { label: 'Weight', numeric: true },
        { label: 'Users', numeric: true },
        { label: 'Expected', numeric: true },
      ],
      rows: vs.map((v, i) => [
        `${v.name ?? v.key}${i === 0 ? ' (control)' : ''}`,
        h('code', {}, v.key),
        percent(v.weight ?? 1 / vs.length),
        count(users(i, v.key)),
        decimal(nth(r.srm.expected, i, v.key), 1),
      ]),
    }),
  ]
}

/** @param {Metric} m @param {Variation[]} variations @param {string} adjustment */
const metricView = (m, variations, adjustment) => {
  const proportion = m.kind === 'proportion'
  const value = proportion
    ? (/** @type {number | null | undefined} */ x) => percent(x, 2)
    : (/** @type {number | null | undefined} */ x) => decimal(x)
  const absolute = proportion
    ? (/** @type {number | null | undefined} */ x) => points(x)
    : (/** @type {number | null | undefined} */ x) => signedDecimal(x)
  const nameOf = (/** @type {string} */ key) => variations.find((v) => v.key === key)?.name ?? key
  const label = `${m.role === 'goal' ? 'Goal' : 'Guardrail'}: ${m.event}${m.property ? `, ${m.property} per user` : ', conversion rate'}`
  const adjusted = adjustment === 'bh' ? 'Benjamini–Hochberg' : adjustment === 'holm' ? 'Holm' : adjustment
  /** @type {[string | import('./dom.js').Column, (v: MetricVariation) => string][]} */
  const columns = [
    ['Variation', (v) => `${nameOf(v.key)}${v.vsControl ? '' : ' (control)'}`],
    [{ label: 'Users', numeric: true }, (v) => count(v.users)],
    ...(proportion
      ? /** @type {typeof columns} */ ([
          [{ label: 'Conversions', numeric: true }, (v) => count(v.conversions)],
        ])
      : []),
    [{ label: proportion ? 'Rate' : 'Mean', numeric: true }, (v) => value(v.mean)],
    [{ label: '95% CI', numeric: true }, (v) => interval(ci95(v.mean, v.stdErr), value)],
    [{ label: 'Relative lift', numeric: true }, (v) => signedPercent(v.vsControl?.relative.lift)],
    [
      { label: 'Relative 95% CI', numeric: true },
      (v) => interval(v.vsControl?.relative.ci, (x) => signedPercent(x)),
    ],
    [{ label: 'Absolute lift', numeric: true }, (v) => absolute(v.vsControl?.absolute.lift)],
    [{ label: 'Absolute 95% CI', numeric: true }, (v) => interval(v.vsControl?.absolute.ci, absolute)],
    [{ label: 'p-value', numeric: true }, (v) => pValue(v.vsControl?.pValue)],
    [{ label: `Adjusted p (${adjusted})`, numeric: true }, (v) => pValue(v.vsControl?.adjustedPValue)],
    [{ label: 'Chance to win', numeric: true }, (v) => percent(v.vsControl?.chanceToWin)],
  ]
  return h(
    'section',
    { class: 'metric', 'data-metric': `${m.event}${m.property ? `.${m.property}` : ''}` },
    h('h3', {}, label),
    barChart({
      title: `${label} (95% intervals)`,
      bars: m.variations.map((v) => ({ label: nameOf(v.key), value: v.mean, ci: ci95(v.mean, v.stdErr) })),
      format: value,
    }),
    scroll(
      table({
        caption: `${label}: results`,
        columns: columns.map(([column]) => column),
        rows: m.variations.map((v) => columns.map(([, cell]) => cell(v))),
      }),
    ),
  )
}

/** @param {import('./api.js').PageContext} ctx */
export const renderOne = async (ctx) => {
  const key = ctx.params[0] ?? ''
  ctx.main.append(h('p', {}, h('a', { href: '#/experiments' }, '← All experiments')))
  /** @type {Results} */
  const r = await ctx.get(`/admin/api/experiments/${enc(key)}/results?site=${enc(ctx.site.id)}`)
  if (ctx.signal.aborted) return
  const vs = r.experiment.variations
  const control = vs[0]?.key ?? ''
  const lift = cumulativeLift(
    r.daily,
    control,
    vs.slice(1).map((v) => v.key),
  )
  const nameOf = (/** @type {string} */ k) => vs.find((v) => v.key === k)?.name ?? k
  const first = r.metrics.find((m) => m.role === 'goal')
  ctx.main.append(
    h('h2', {}, title(r.experiment)),
    h(
      'p',
      { class: 'muted' },
      `Status ${r.experiment.status ?? 'unknown'}; p-values adjusted with ${r.adjustment}; evaluated at ${r.evaluatedAt}.`,
    ),
    ...srmView(r),
    ...r.metrics.map((m) => metricView(m, vs, r.adjustment)),
    h('h3', {}, 'Lift over time'),
    r.daily.length === 0
      ? notice('No daily data yet.')
      : lineChart({
          title: `Cumulative relative lift vs ${nameOf(control)}${first ? ` (${first.event}, conversion rate)` : ''}`,
          series: lift.map((s, i) => ({ name: nameOf(s.key), points: s.points, colour: i + 1 })),
          format: (x) => signedPercent(x),
        }),
  )
}
