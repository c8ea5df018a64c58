// Traffic: visitors, visits and page views over a period in the site's time zone, their series,
// and where visits came from and went. Every number is the reports API's (no arithmetic here but
// formatting); the view's state lives in the address, so a view can be shared.
import { apiDownload, enc } from './api.js'
import { lineChart } from './charts.js'
import { h, notice, table, tile } from './dom.js'
import { count, percent, signedPercent } from './format.js'

/**
 * @typedef {{ bucket: string, visitors: number, visits: number, pageviews: number }} Point
 * @typedef {{
 *   visitors: number, devices: number, visits: number, pageviews: number, viewsPerVisit: number | null,
 *   bounceRate: number | null, visitDuration: number | null, engagedTime: number | null, scrollDepth: number | null,
 * }} Totals
 * @typedef {Totals & { from: string, to: string, timezone: string, interval: string, filter: string[],
 *   realtime: { visitors: number, minutes: number }, series: Point[], previous?: Totals & { from: string, to: string } }} Overview
 * @typedef {{ value: string | null, visitors: number, visits: number, pageviews: number, bounceRate: number | null, visitDuration: number | null }} Row
 * @typedef {{ dimension: string, total: number, rows: Row[] }} Breakdown
 */

const PRESETS = [
  ['today', 'Today', 0],
  ['7d', 'Last 7 days', 6],
  ['30d', 'Last 30 days', 29],
  ['90d', 'Last 90 days', 89],
]
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
const NONE = '(none)'
const ROWS = 10

/** @param {number} ms @param {string} zone */
const dateIn = (ms, zone) => new Date(ms).toLocaleDateString('sv-SE', { timeZone: zone })

/** @param {number | null} seconds */
const duration = (seconds) => {
  if (seconds === null || !Number.isFinite(seconds)) return '–'
  const s = Math.round(seconds)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

/** The view's state from the address: `#/traffic?from=…&to=…&filter=…`. */
const stateOf = () => new URLSearchParams(location.hash.split('?')[1] ?? '')

/** @param {URLSearchParams} state */
const go = (state) => {
  location.hash = `#/traffic?${state}`
}

/** @param {number} now @param {number | null | undefined} before */
const change = (now, before) =>
  before === null || before === undefined || before === 0
    ? ''
    : ` (${signedPercent(now / before - 1)} vs before)`

/** @param {Overview} d */
const tiles = (d) => {
  const p = d.previous
  return h(
    'div',
    { class: 'tiles', id: 'traffic-tiles' },
    tile('Visitors', count(d.visitors), p ? change(d.visitors, p.visitors) : `${count(d.devices)} devices`),
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
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          title: 'Show only these visits',
          onclick: () => pick(dimension, r.value),
        },
        r.value ?? NONE,
      ),
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
  const today = dateIn(Date.now(), zone)
  const preset = state.get('period') ?? (state.has('from') ? 'custom' : '30d')
  const days = PRESETS.find(([key]) => key === preset)?.[2]
  const to = days === undefined ? (state.get('to') ?? today) : today
  const from =
    days === undefined
      ? (state.get('from') ?? to)
      : dateIn(Date.parse(`${today}T12:00:00Z`) - Number(days) * 86_400_000, 'UTC')
  const filters = state.getAll('filter')
  const query = new URLSearchParams({ site: ctx.site.id, from, to })
  for (const f of filters) query.append('filter', f)
  if (state.get('compare') === 'previous') query.set('compare', 'previous')

  const update = (/** @type {(s: URLSearchParams) => void} */ edit) => {
    const next = stateOf()
    edit(next)
    go(next)
  }
  const period = h(
    'select',
    {
      id: 'traffic-period',
      onchange: (/** @type {Event} */ e) =>
        update((s) => {
          const value = /** @type {HTMLSelectElement} */ (e.target).value
          s.set('period', value)
          if (value === 'custom') {
            s.set('from', from)
            s.set('to', to)
          } else {
            s.delete('from')
            s.delete('to')
          }
        }),
    },
    ...PRESETS.map(([key, label]) =>
      h('option', { value: String(key), selected: key === preset }, String(label)),
    ),
    h('option', { value: 'custom', selected: preset === 'custom' }, 'Custom dates'),
  )
  const dateInput = (/** @type {string} */ id, /** @type {string} */ value) =>
    h('input', {
      id,
      type: 'date',
      value,
      max: today,
      onchange: (/** @type {Event} */ e) =>
        update((s) => {
          s.set('period', 'custom')
          s.set(id === 'traffic-from' ? 'from' : 'to', /** @type {HTMLInputElement} */ (e.target).value)
          s.set(id === 'traffic-from' ? 'to' : 'from', id === 'traffic-from' ? to : from)
        }),
    })
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
  const chips = filters.map((f) =>
    h(
      'button',
      {
        type: 'button',
        class: 'chip',
        'aria-label': `Remove filter ${f}`,
        onclick: () =>
          update((s) => {
            const rest = s.getAll('filter').filter((x) => x !== f)
            s.delete('filter')
            for (const x of rest) s.append('filter', x)
          }),
      },
      `${f.replace(':', ': ')} ×`,
    ),
  )
  const pick = (/** @type {string} */ dimension, /** @type {string | null} */ value) =>
    update((s) => {
      const f = `${dimension}:${value ?? NONE}`
      if (!s.getAll('filter').includes(f)) s.append('filter', f)
    })
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
      period,
      h('label', { for: 'traffic-from' }, 'From'),
      dateInput('traffic-from', from),
      h('label', { for: 'traffic-to' }, 'To'),
      dateInput('traffic-to', to),
      h('label', {}, compare, ' Compare with the period before'),
      h('label', { for: 'traffic-segment', title: 'People in this segment now' }, 'Segment'),
      only('segment', segmentList.segments),
      h('label', { for: 'traffic-goal' }, 'Reached goal'),
      only('goal', goalList.goals),
      h(
        'button',
        {
          type: 'button',
          id: 'traffic-csv',
          onclick: () =>
            apiDownload(
              `/admin/api/reports/overview?${query}&format=csv`,
              `${ctx.site.id}-traffic-${from}-${to}.csv`,
            ),
        },
        'Download CSV',
      ),
    ),
    ...(chips.length
      ? [h('div', { class: 'chips', id: 'traffic-filters' }, 'Only visits with ', ...chips)]
      : []),
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
