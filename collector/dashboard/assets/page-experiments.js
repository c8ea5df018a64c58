// Experiments: the site's list, and one experiment's results with intervals, SRM and lift over time.
// Every number is the results API's (the CSV has the same): nothing statistical is computed here.
import { enc } from './api.js'
import { barChart, lineChart } from './charts.js'
import { h, notice, table } from './dom.js'
import { mayEdit } from './edit.js'
import {
  amount,
  count,
  decimal,
  interval,
  percent,
  points,
  pValue,
  seriesLabel,
  signedDecimal,
  signedPercent,
  when,
} from './format.js'
import { experimentLateNote } from './late.js'

/**
 * @typedef {{ key: string, name?: string, weight?: number }} Variation
 * @typedef {{ key: string, name?: string, status?: string, variations?: Variation[], users?: number }} Experiment
 * @typedef {{ lift: number | null, ci: [number, number] | null }} Lift
 * @typedef {{ treatment: number, control: number }} Risk
 * @typedef {{ absolute: Lift, relative: Lift, pValue: number | null, adjustedPValue: number | null, significant?: boolean, chanceToWin: number | null, risk?: Risk | null, unadjusted?: { absolute: Lift, relative: Lift, pValue: number | null } | null, varianceReduction?: number | null }} VsControl
 * @typedef {{ applied: boolean, reason: 'off' | 'no-history' | null, theta: number | null, varianceReduction: number | null, windowDays: number }} Cuped
 * @typedef {{ key: string, users: number, conversions?: number, mean: number | null, ci?: [number, number] | null, variance: number, stdErr: number | null, vsControl: VsControl | null }} MetricVariation
 * @typedef {{ event: string, property?: string | null, goal?: string, name?: string, kind: 'proportion' | 'mean', role: 'goal' | 'guardrail', cap?: { percentile: number, value: number | null } | null, cuped?: Cuped, variations: MetricVariation[] }} Metric
 * @typedef {{ chi2: number | null, pValue: number | null, warn: boolean, expected?: number[] | Record<string, number>, observed?: number[] | Record<string, number> }} Srm
 * @typedef {{
 *   site: string, experiment: Experiment & { variations: Variation[] }, users: number | Record<string, number>,
 *   srm: Srm, adjustment: string, metrics: Metric[], evaluatedAt: string,
 *   method?: 'sequential' | 'fixed', alpha?: number, prior?: string, verdict?: 'act-now' | 'keep-running' | 'read-once',
 *   granularity?: 'hour' | 'day',
 *   daily: { date: string, variations: { key: string, users: number, conversions: number, lift?: number | null }[] }[],
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
    mayEdit('config')
      ? h('p', { class: 'toolbar' }, h('a', { href: '#/experiments/new' }, 'New experiment'))
      : '',
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
    scroll(
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
    ),
  ]
}

/**
 * Whether the comparisons of a metric are CUPED-adjusted, and by how much that narrowed them, in words.
 * @param {Cuped | undefined} c
 */
const cupedLine = (c) => {
  if (!c) return ''
  if (!c.applied)
    return c.reason === 'off'
      ? 'CUPED off: the comparisons are unadjusted.'
      : 'CUPED not applied: no history before exposure.'
  const history = `using each person's ${count(c.windowDays)} days before exposure`
  const r = c.varianceReduction
  if (r === null || !Number.isFinite(r)) return `CUPED applied, ${history}.`
  return r >= 0
    ? `CUPED: variance cut by ${percent(r, 0)} ${history}.`
    : `CUPED: variance grew by ${percent(-r, 0)} ${history}.`
}

/** 0.99 → "99th", 0.995 → "99.5th", 0.5 → "50th". @param {number} p */
const ordinal = (p) => {
  const n = Math.round(p * 10000) / 100
  const last = n % 100
  const suffix =
    !Number.isInteger(n) || (last >= 11 && last <= 13) ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${suffix}`
}

/**
 * The cap of a capped metric (winsorizing), in words; nothing without a cap.
 * @param {Metric['cap']} c
 */
const capLine = (c) => {
  if (!c) return ''
  const at = `Capped at the ${ordinal(c.percentile)} percentile`
  return c.value === null ? `${at}: no values yet.` : `${at}: ${amount(c.value)} per person`
}

/** A metric by its site goal's name (and the event it counts), else by its event. @param {Metric} m */
const metricName = (m) =>
  m.name === undefined ? m.event : `${m.name} (${m.event === 'page' ? 'page views' : m.event})`

/**
 * One metric: a chart of each variation's mean and interval, the table that matters first (fits
 * 1,200 px and, with the wrapper, a phone), and the rest under "Details".
 * @param {Metric} m @param {Variation[]} variations @param {Results} r
 */
const metricView = (m, variations, r) => {
  const proportion = m.kind === 'proportion'
  const level = `${Math.round((1 - (r.alpha ?? 0.05)) * 100)}%`
  const value = proportion
    ? (/** @type {number | null | undefined} */ x) => percent(x, 2)
    : (/** @type {number | null | undefined} */ x) => decimal(x)
  const absolute = proportion
    ? (/** @type {number | null | undefined} */ x) => points(x)
    : (/** @type {number | null | undefined} */ x) => signedDecimal(x)
  const nameOf = (/** @type {string} */ key) => variations.find((v) => v.key === key)?.name ?? key
  const label = `${m.role === 'goal' ? 'Goal' : 'Guardrail'}: ${metricName(m)}${m.property ? `, ${m.property} per user` : ', conversion rate'}`
  const adjusted =
    r.adjustment === 'bh' ? 'Benjamini–Hochberg' : r.adjustment === 'holm' ? 'Holm' : r.adjustment
  const lift = (/** @type {MetricVariation} */ v) =>
    v.vsControl
      ? `${signedPercent(v.vsControl.relative.lift)} ${interval(v.vsControl.relative.ci, (x) => signedPercent(x))}`
      : '–'
  /** @typedef {[string | import('./dom.js').Column, (v: MetricVariation) => string]} Cell */
  /** @type {Cell[]} */
  const first = [
    ['Variation', (v) => `${nameOf(v.key)}${v.vsControl ? '' : ' (control)'}`],
    [{ label: 'Users', numeric: true }, (v) => count(v.users)],
    ...(proportion
      ? /** @type {Cell[]} */ ([[{ label: 'Conversions', numeric: true }, (v) => count(v.conversions)]])
      : []),
    [{ label: proportion ? 'Rate' : 'Mean', numeric: true }, (v) => value(v.mean)],
    [{ label: `${level} interval`, numeric: true }, (v) => interval(v.ci, value)],
    [{ label: `Relative lift (${level})`, numeric: true }, lift],
    [
      { label: m.role === 'goal' ? `p (${adjusted})` : 'p', numeric: true },
      (v) => pValue(m.role === 'goal' ? v.vsControl?.adjustedPValue : v.vsControl?.pValue),
    ],
    [{ label: 'Chance to win', numeric: true }, (v) => percent(v.vsControl?.chanceToWin)],
  ]
  /** @type {Cell[]} */
  const details = [
    ['Variation', (v) => nameOf(v.key)],
    [{ label: 'Absolute lift', numeric: true }, (v) => absolute(v.vsControl?.absolute.lift)],
    [
      { label: `Absolute ${level} interval`, numeric: true },
      (v) => interval(v.vsControl?.absolute.ci, absolute),
    ],
    [{ label: 'p, unadjusted', numeric: true }, (v) => pValue(v.vsControl?.pValue)],
    [{ label: 'Risk of shipping', numeric: true }, (v) => percent(v.vsControl?.risk?.treatment, 2)],
    [{ label: 'Risk of keeping control', numeric: true }, (v) => percent(v.vsControl?.risk?.control, 2)],
  ]
  const tableOf = (/** @type {Cell[]} */ cells, /** @type {string} */ caption) =>
    scroll(
      table({
        caption,
        columns: cells.map(([column]) => column),
        rows: m.variations.map((v) => cells.map(([, cell]) => cell(v))),
      }),
    )
  return h(
    'section',
    { class: 'metric', 'data-metric': `${m.event}${m.property ? `.${m.property}` : ''}` },
    h('h3', {}, label),
    m.cap ? h('p', { class: 'muted cap' }, capLine(m.cap)) : '',
    barChart({
      title: `${label} (${level} intervals)`,
      bars: m.variations.map((v) => ({ label: nameOf(v.key), value: v.mean, ci: v.ci ?? null })),
      format: value,
    }),
    tableOf(first, `${label}: results`),
    m.cuped ? h('p', { class: 'muted cuped' }, cupedLine(m.cuped)) : '',
    h(
      'details',
      {},
      h('summary', {}, 'Details: absolute lift, unadjusted p, expected loss'),
      tableOf(details, `${label}: details`),
      h(
        'p',
        { class: 'muted' },
        `Chance to win and risk (the expected loss in relative lift of each choice) use a ${r.prior ?? 'flat'} prior and a normal approximation.`,
      ),
    ),
  )
}

/**
 * Progress toward the planned sample, in words.
 * @param {Results & { plan?: { mde: number, power: number, usersNeeded: number | null, users: number, progress: number | null, usersPerDay: number | null, daysLeft: number | null } }} r
 */
const planView = (r) => {
  const p = r.plan
  if (!p) return ''
  const goal = `a ${percent(p.mde, 0)} lift of the first goal with ${percent(p.power, 0)} power`
  if (p.usersNeeded === null)
    return h(
      'p',
      { class: 'muted', id: 'plan' },
      `Plan: to find ${goal}, too few people in the control yet to tell how many are needed.`,
    )
  const pace =
    p.daysLeft === null
      ? ''
      : p.daysLeft === 0
        ? ' Reached.'
        : ` About ${count(p.daysLeft)} more days at ${count(Math.round(p.usersPerDay ?? 0))} a day.`
  return h(
    'div',
    { class: 'plan', id: 'plan' },
    h(
      'p',
      {},
      `Plan: ${count(p.usersNeeded)} people to find ${goal}; ${count(p.users)} so far (${percent(p.progress, 0)}).${pace}`,
    ),
    h('progress', { max: 1, value: p.progress ?? 0, 'aria-label': 'Progress toward the planned sample' }),
  )
}

/** What the reader may do with these results now, in words. @param {Results} r */
const verdictView = (r) => {
  const level = `${Math.round((1 - (r.alpha ?? 0.05)) * 100)}%`
  if (r.verdict === 'read-once')
    return notice(
      `Fixed-horizon test: read it once, at the sample size you planned. Looking daily and stopping at the first significant result inflates false positives; the sequential method (the default) allows it.`,
      'warn',
    )
  return r.verdict === 'act-now'
    ? h(
        'p',
        { class: 'notice notice-ok', id: 'verdict' },
        `Sequential test: at least one goal differs from the control at ${level} confidence after adjustment. These intervals hold at every look, so you may act on it now.`,
      )
    : h(
        'p',
        { class: 'notice', id: 'verdict' },
        `Sequential test: no goal differs from the control yet. Keep it running; these intervals hold at every look, so checking daily is safe.`,
      )
}

/** @param {import('./api.js').PageContext} ctx */
export const renderOne = async (ctx) => {
  const key = ctx.params[0] ?? ''
  ctx.main.append(
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: '#/experiments' }, '← All experiments'),
      mayEdit('config') ? ' · ' : '',
      mayEdit('config') ? h('a', { href: `#/experiments/${enc(key)}/edit` }, 'Edit') : '',
      ' · ',
      h('a', { href: `#/history/experiments/${enc(key)}` }, 'Change history'),
    ),
  )
  /** @type {Results} */
  const r = await ctx.get(`/admin/api/experiments/${enc(key)}/results?site=${enc(ctx.site.id)}`)
  if (ctx.signal.aborted) return
  const vs = r.experiment.variations
  const control = vs[0]?.key ?? ''
  /** The API's cumulative lift per treatment, day by day (hour by hour while it is young). */
  const lift = vs.slice(1).map((v) => ({
    key: v.key,
    points: r.daily.map((d) => ({
      x: seriesLabel(d.date),
      y: d.variations.find((x) => x.key === v.key)?.lift ?? null,
    })),
  }))
  const nameOf = (/** @type {string} */ k) => vs.find((v) => v.key === k)?.name ?? k
  const first = r.metrics.find((m) => m.role === 'goal')
  ctx.main.append(
    h('h2', {}, title(r.experiment)),
    h(
      'p',
      { class: 'muted' },
      `Status ${r.experiment.status ?? 'unknown'}; ${r.method === 'fixed' ? 'fixed-horizon' : 'sequential (always valid)'} test; p-values adjusted with ${r.adjustment}; evaluated ${when(r.evaluatedAt, ctx.site.timezone)}.`,
    ),
    verdictView(r),
    planView(r),
    ...srmView(r),
    experimentLateNote(r),
    ...r.metrics.map((m) => metricView(m, vs, r)),
    h('h3', {}, 'Lift over time'),
    r.daily.length === 0
      ? notice('No daily data yet.')
      : lineChart({
          title: `Cumulative relative lift vs ${nameOf(control)}${first ? ` (${metricName(first)}, conversion rate)` : ''}${r.granularity === 'hour' ? ', by hour' : ''}`,
          series: lift.map((s, i) => ({ name: nameOf(s.key), points: s.points, colour: i + 1 })),
          format: (x) => signedPercent(x),
        }),
  )
}
