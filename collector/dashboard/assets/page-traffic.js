// Traffic: visitors, visits and page views over a period in the site's time zone, their series,
// and where visits came from and went. Every number is the reports API's (no arithmetic here but
// formatting); the view's state lives in the address, so a view can be shared.
import { apiDownload, enc } from './api.js'
import { lineChart } from './charts.js'
import { h, notice, table, tile } from './dom.js'
import { count, percent, signedPercent } from './format.js'
import {
  addFilter,
  dateInput,
  downloadButton,
  filterChips,
  NONE,
  PRESETS,
  periodOf,
  periodSelect,
  pickButton,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {{ bucket: string, visitors: number, visits: number, pageviews: number }} Point
 * @typedef {{
 *   visitors: number, devices: number, visits: number, pageviews: number, viewsPerVisit: number | null,
 *   bounceRate: number | null, visitDuration: number | null, engagedTime: number | null, scrollDepth: number | null,
 * }} Totals
 * @typedef {Totals & { from: string, to: string, timezone: string, interval: string, filter: string[], estimated: boolean,
 *   realtime: { visitors: number, minutes: number }, series: Point[], previous?: Totals & { from: string, to: string } }} Overview
 * @typedef {{ value: string | null, visitors: number, visits: number, pageviews: number, bounceRate: number | null, visitDuration: number | null }} Row
 * @typedef {{ dimension: string, total: number, rows: Row[] }} Breakdown
 */

/** @type {import('./report-controls.js').Preset[]} */
const PERIODS = [['today', 'Today', 0], ...PRESETS]
/** @type {[string, string][]} dimension, title */
const BREAKDOWNS = [
  ['channel', 'Channels'],
  ['referrer', 'Referrers'],
  ['utm_campaign', 'Campaigns'],
  ['page', 'Pages'],
  ['entry_page', 'Entry pages'],
  ['exit_page', 'Exit pages'],
  ['browser', 'Browsers'],
  ['device', 'Devices'],
  ['os', 'Operating systems'],
  ['country', 'Countries'],
]
const ROWS = 10

/** @param {number | null} seconds */
const duration = (seconds) => {
  if (seconds === null || !Number.isFinite(seconds)) return '–'
  const s = Math.round(seconds)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

/** Edits the view's state in the address: `#/traffic?from=…&to=…&filter=…`. */
const update = updater('traffic')

/** @param {number} now @param {number | null | undefined} before */
const change = (now, before) =>
  before === null || before === undefined || before === 0
    ? ''
    : ` (${signedPercent(now / before - 1)} vs before)`

/** @param {Overview} d */
const tiles = (d) => {
  const p = d.previous
  // Big periods count people and devices by sketch (about 1.6 % standard error): the API says so.
  const about = d.estimated ? '≈ ' : ''
  return h(
    'div',
    { class: 'tiles', id: 'traffic-tiles' },
    tile(
      'Visitors',
      `${about}${count(d.visitors)}`,
      p ? change(d.visitors, p.visitors) : `${about}${count(d.devices)} devices`,
    ),
    tile('Visits', count(d.visits), p ? change(d.visits, p.visits) : undefined),
    tile('Page views', count(d.pageviews), p ? change(d.pageviews, p.pageviews) : undefined),
    tile('Views per visit', d.viewsPerVisit === null ? '–' : d.viewsPerVisit.toFixed(2)),
    tile('Bounce rate', percent(d.bounceRate)),
    tile('Visit duration', duration(d.visitDuration)),
    tile('Engaged time', duration(d.engagedTime), 'per visit'),
    tile('Scroll depth', d.scrollDepth === null ? '–' : `${Math.round(d.scrollDepth)}%`),
    tile('Now', count(d.realtime.visitors), `visitors in the last ${d.realtime.minutes} min`),
  )
}

/**
 * @param {string} dimension @param {string} title @param {Breakdown} b
 * @param {(dimension: string, value: string | null) => void} pick
 */
const breakdownTable = (dimension, title, b, pick) =>
  table({
    id: `traffic-${dimension}`,
    caption: b.total > ROWS ? `${title} (top ${ROWS} of ${count(b.total)})` : title,
    columns: [
      title.replace(/s$/, ''),
      { label: 'Visitors', numeric: true },
      { label: 'Visits', numeric: true },
      { label: 'Page views', numeric: true },
      { label: 'Bounce rate', numeric: true },
    ],
    rows: b.rows.map((r) => [
      pickButton(r.value, (value) => pick(dimension, value)),
      count(r.visitors),
      count(r.visits),
      count(r.pageviews),
      percent(r.bounceRate),
    ]),
  })

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const shown = periodOf(state, zone, PERIODS)
  const { from, to } = shown
  const filters = state.getAll('filter')
  const query = new URLSearchParams({ site: ctx.site.id, from, to })
  for (const f of filters) query.append('filter', f)
  if (state.get('compare') === 'previous') query.set('compare', 'previous')

  const compare = h('input', {
    id: 'traffic-compare',
    type: 'checkbox',
    checked: state.get('compare') === 'previous',
    onchange: (/** @type {Event} */ e) =>
      update((s) =>
        /** @type {HTMLInputElement} */ (e.target).checked
          ? s.set('compare', 'previous')
          : s.delete('compare'),
      ),
  })
  const pick = (/** @type {string} */ dimension, /** @type {string | null} */ value) =>
    update(addFilter(`${dimension}:${value ?? NONE}`))
  // Goals and segments a filter may name (their lists are config reads, open to every report role).
  /** @type {[{ goals: { key: string, config: { name?: string } }[] }, { segments: { key: string, config: { name?: string } }[] }]} */
  const [goalList, segmentList] = await Promise.all([
    ctx.get(`/admin/api/goals?site=${enc(ctx.site.id)}`),
    ctx.get(`/admin/api/segments?site=${enc(ctx.site.id)}`),
  ])
  if (ctx.signal.aborted) return
  /**
   * One filter of a kind (`goal:` or `segment:`) chosen from a list; choosing replaces it.
   * @param {'goal' | 'segment'} kind @param {{ key: string, config: { name?: string } }[]} items
   */
  const only = (kind, items) => {
    const current = filters.find((f) => f.startsWith(`${kind}:`))?.slice(kind.length + 1) ?? ''
    return h(
      'select',
      {
        id: `traffic-${kind}`,
        disabled: items.length === 0,
        onchange: (/** @type {Event} */ e) =>
          update((s) => {
            const value = /** @type {HTMLSelectElement} */ (e.target).value
            const rest = s.getAll('filter').filter((x) => !x.startsWith(`${kind}:`))
            s.delete('filter')
            for (const x of [...rest, ...(value ? [`${kind}:${value}`] : [])]) s.append('filter', x)
          }),
      },
      h('option', { value: '' }, kind === 'goal' ? 'All visits' : 'Everyone'),
      ...items.map((i) => h('option', { value: i.key, selected: i.key === current }, i.config.name ?? i.key)),
    )
  }
  const holder = h('div', { id: 'traffic-report', 'aria-busy': 'true' })
  ctx.main.append(
    h('h2', {}, 'Traffic'),
    h(
      'p',
      { class: 'muted' },
      `Visits with analytics consent, bots left out, counted on the day they start (${zone}). A visitor is a person: one on a phone and a laptop counts once.`,
    ),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'traffic-period' }, 'Period'),
      periodSelect('traffic-period', shown, update, PERIODS),
      h('label', { for: 'traffic-from' }, 'From'),
      dateInput('traffic', 'from', shown, update),
      h('label', { for: 'traffic-to' }, 'To'),
      dateInput('traffic', 'to', shown, update),
      h('label', {}, compare, ' Compare with the period before'),
      h('label', { for: 'traffic-segment', title: 'People in this segment now' }, 'Segment'),
      only('segment', segmentList.segments),
      h('label', { for: 'traffic-goal' }, 'Reached goal'),
      only('goal', goalList.goals),
      downloadButton('traffic-csv', () =>
        apiDownload(
          `/admin/api/reports/overview?${query}&format=csv`,
          `${ctx.site.id}-traffic-${from}-${to}.csv`,
        ),
      ),
    ),
    ...filterChips('traffic', filters, update),
    holder,
  )
  /** @type {Overview} */
  const overview = await ctx.get(`/admin/api/reports/overview?${query}`)
  const breakdowns = await Promise.all(
    BREAKDOWNS.map(([dimension]) =>
      ctx.get(`/admin/api/reports/breakdown?${query}&dimension=${enc(dimension)}&limit=${ROWS}`),
    ),
  )
  if (ctx.signal.aborted) return
  holder.replaceChildren(
    ...(overview.visits === 0 ? [notice('No visits in this period.')] : []),
    tiles(overview),
    lineChart({
      title: `Visitors, visits and page views by ${overview.interval} (${overview.from} to ${overview.to})`,
      format: (x) => count(Math.round(x)),
      series: [
        { name: 'Visitors', points: overview.series.map((p) => ({ x: p.bucket, y: p.visitors })) },
        { name: 'Visits', points: overview.series.map((p) => ({ x: p.bucket, y: p.visits })) },
        { name: 'Page views', points: overview.series.map((p) => ({ x: p.bucket, y: p.pageviews })) },
      ],
    }),
    h(
      'div',
      { class: 'columns' },
      ...BREAKDOWNS.map(([dimension, title], i) =>
        breakdownTable(dimension, title, /** @type {Breakdown} */ (breakdowns[i]), pick),
      ),
    ),
  )
  holder.setAttribute('aria-busy', 'false')
}
