// A destination's last 24 hours as the deliveries answer's `log` gives them: the deliveries queued
// in each hour, stacked by what became of them (delivered, pending, dead letters), their latency
// from queued to delivered (the API's median and 95th percentile of each hour), the same numbers
// in a table, and their sums. Nothing is computed here but sums: an hour's percentiles are the
// API's, never combined into a day's.
import { lineChart, niceTicks } from './charts.js'
import { h, s, scrollBox, table } from './dom.js'
import { count, when } from './format.js'

/**
 * @typedef {{
 *   hour: string, delivered: number, dead: number, pending: number, retried: number,
 *   latencyP50: number | null, latencyP95: number | null,
 * }} LogHour
 * @typedef {'delivered' | 'pending' | 'dead'} State
 */

/** The states stacked from the bottom up: key, name, colour (dashboard.css's series-N). */
const STATES = /** @type {const} */ ([
  ['delivered', 'Delivered', 2],
  ['pending', 'Pending', 4],
  ['dead', 'Dead letters', 1],
])

const W = 560
const HEIGHT = 250
const M = { top: 34, right: 12, bottom: 50, left: 56 }
/** Every third hour is labelled on the x axis, counted back from the current one. */
const LABEL_EVERY = 3

/** An hour's start as the x axis shows it, in the site's zone: "14:00". @param {string} iso @param {string} zone */
const clockOf = (iso, zone) =>
  new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: zone,
  }).format(new Date(iso))

/** Milliseconds as read: "85 ms". @param {number | null | undefined} x */
const ms = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${count(x)} ms` : '–')

/**
 * The hours' deliveries as stacked bars, with a legend in words, labelled axes and each part's
 * number in its tooltip.
 * @param {LogHour[]} log @param {string} zone
 */
const stackedChart = (log, zone) => {
  const title = `Deliveries by the hour they were queued, last 24 hours (${zone})`
  const ticks = niceTicks(0, Math.max(0, ...log.map((x) => x.delivered + x.pending + x.dead)), 4).filter(
    Number.isInteger,
  )
  const top = ticks.at(-1) || 1
  const bottom = HEIGHT - M.bottom
  const y = (/** @type {number} */ v) => bottom - (v / top) * (bottom - M.top)
  const band = (W - M.left - M.right) / Math.max(1, log.length)
  const axis = s(
    'g',
    { class: 'axis' },
    ...ticks.flatMap((t) => [
      s('line', { x1: M.left, x2: W - M.right, y1: y(t), y2: y(t), class: t === 0 ? 'zero' : 'grid' }),
      s('text', { x: M.left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, count(t)),
    ]),
    s(
      'text',
      {
        x: 12,
        y: (M.top + bottom) / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${(M.top + bottom) / 2})`,
      },
      'Deliveries',
    ),
    s(
      'text',
      { x: (M.left + W - M.right) / 2, y: HEIGHT - 6, 'text-anchor': 'middle' },
      `Hour queued (${zone})`,
    ),
  )
  const bars = log.map((x, i) => {
    const left = M.left + band * i + band * 0.15
    let base = 0
    const parts = STATES.map(([key, name, colour]) => {
      const n = x[key]
      const part = s(
        'rect',
        {
          x: left,
          y: y(base + n),
          width: band * 0.7,
          height: y(base) - y(base + n),
          class: `state-${key} series-${colour}`,
        },
        s('title', {}, `${when(x.hour, zone)}: ${count(n)} ${name.toLowerCase()}`),
      )
      base += n
      return n > 0 ? part : null
    })
    const labelled = (log.length - 1 - i) % LABEL_EVERY === 0
    return s(
      'g',
      { class: 'hour' },
      ...parts,
      labelled &&
        s(
          'text',
          { x: left + band * 0.35, y: bottom + 16, 'text-anchor': 'middle', class: 'label' },
          clockOf(x.hour, zone),
        ),
    )
  })
  const legend = STATES.map(([key, name, colour], j) =>
    s(
      'g',
      { class: `legend state-${key} series-${colour}` },
      s('rect', { x: M.left + j * 120, y: 6, width: 12, height: 12 }),
      s('text', { x: M.left + j * 120 + 16, y: 12, 'dominant-baseline': 'middle', class: 'label' }, name),
    ),
  )
  return h(
    'figure',
    { class: 'chart', id: 'delivery-log-chart' },
    h('figcaption', {}, title),
    s(
      'svg',
      {
        viewBox: `0 0 ${W} ${HEIGHT}`,
        role: 'img',
        'aria-label': `${title}: delivered, pending and dead letters stacked from the bottom up. The numbers are in the table below.`,
      },
      axis,
      ...bars,
      ...legend,
    ),
  )
}

/** Each hour's median and 95th percentile latency as two lines; a gap where nothing was delivered. @param {LogHour[]} log @param {string} zone */
const latencyChart = (log, zone) => {
  const chart = lineChart({
    title: `Latency from queued to delivered, by the hour (ms, ${zone})`,
    format: ms,
    series: [
      { name: 'Median (p50)', points: log.map((x) => ({ x: clockOf(x.hour, zone), y: x.latencyP50 })) },
      {
        name: '95th percentile (p95)',
        points: log.map((x) => ({ x: clockOf(x.hour, zone), y: x.latencyP95 })),
        colour: 1,
      },
    ],
  })
  chart.id = 'delivery-latency-chart'
  return chart
}

/** The same numbers, hour by hour, oldest first. @param {LogHour[]} log @param {string} zone */
const logTable = (log, zone) =>
  scrollBox(
    'Deliveries by the hour',
    table({
      id: 'delivery-log-table',
      caption: 'Deliveries by the hour',
      columns: [
        `Hour queued (${zone})`,
        { label: 'Delivered', numeric: true },
        { label: 'Pending', numeric: true },
        { label: 'Dead letters', numeric: true },
        { label: 'Retried', numeric: true },
        { label: 'Latency p50', numeric: true },
        { label: 'Latency p95', numeric: true },
      ],
      rows: log.map((x) => [
        h('time', { datetime: x.hour }, when(x.hour, zone)),
        count(x.delivered),
        count(x.pending),
        count(x.dead),
        count(x.retried),
        ms(x.latencyP50),
        ms(x.latencyP95),
      ]),
    }),
  )

/**
 * The day's sums, and its median latency where the API gives it: with deliveries in one hour only,
 * that hour's median is the day's; across several hours, the range of the hours' medians.
 * @param {LogHour[]} log
 */
const totalsLine = (log) => {
  const sum = (/** @type {'delivered' | 'retried' | 'dead'} */ key) => log.reduce((n, x) => n + x[key], 0)
  const medians = log.map((x) => x.latencyP50).filter((x) => typeof x === 'number')
  const low = Math.min(...medians)
  const high = Math.max(...medians)
  const latency =
    medians.length === 0
      ? 'no latency yet (nothing delivered)'
      : medians.length === 1
        ? `median latency ${ms(low)}`
        : low === high
          ? `median latency ${ms(low)} in each hour`
          : `median latency ${count(low)}–${ms(high)} by the hour`
  const dead = sum('dead')
  return `${count(sum('delivered'))} delivered, ${count(sum('retried'))} retried, ${count(dead)} dead letter${dead === 1 ? '' : 's'}, ${latency}.`
}

/**
 * The "Last 24 hours" section, drawn again by `show` with each new answer. The table's disclosure
 * stays as the reader left it.
 * @param {string} zone the site's time zone
 */
export const logSection = (zone) => {
  const totals = h('p', { id: 'delivery-log-totals' })
  const charts = h('div', {})
  const numbers = h('div', {})
  const element = h(
    'section',
    { id: 'delivery-log', 'aria-labelledby': 'delivery-log-title' },
    h('h3', { id: 'delivery-log-title' }, 'Last 24 hours'),
    h(
      'p',
      { class: 'muted' },
      `Deliveries by the hour they were queued (${zone}), as each stands now; latency runs from queued to delivered. Retried ones needed more than one attempt.`,
    ),
    totals,
    charts,
    h('details', {}, h('summary', {}, 'The numbers by the hour (table)'), numbers),
  )
  /** @param {LogHour[]} log */
  const show = (log) => {
    totals.replaceChildren(h('strong', {}, 'Queued in the last 24 hours: '), totalsLine(log))
    charts.replaceChildren(
      stackedChart(log, zone),
      log.some((x) => x.latencyP50 !== null || x.latencyP95 !== null)
        ? latencyChart(log, zone)
        : h('p', { class: 'muted' }, 'No latency to show: nothing was delivered in these hours.'),
    )
    numbers.replaceChildren(logTable(log, zone))
  }
  return { element, show }
}
