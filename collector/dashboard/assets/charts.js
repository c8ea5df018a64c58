// Small hand-written SVG charts: bars with error bars, horizontal bars, lines. Labels and numbers
// are SVG text nodes (readable, selectable, searchable); colours come from the style sheet.
import { h, s } from './dom.js'

/**
 * @typedef {(x: number) => string} Format
 * @typedef {{ label: string, value: number | null, ci?: readonly [number, number] | null }} Bar
 * @typedef {{ name: string, points: { x: string, y: number | null }[], colour?: number }} Line
 */

const W = 560
const M = { top: 24, right: 16, bottom: 44, left: 64 }

/**
 * Round numbers covering [min, max]: about `count` steps of 1, 2 or 5 × 10^n.
 * @param {number} min @param {number} max
 * @returns {number[]}
 */
export const niceTicks = (min, max, count = 5) => {
  if (!(max > min))
    return min === 0 && max === 0
      ? [0, 1]
      : niceTicks(min - Math.abs(min || 1) / 2, max + Math.abs(max || 1) / 2, count)
  const raw = (max - min) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power
  const ticks = []
  for (let t = Math.floor(min / step) * step; t <= Math.ceil(max / step) * step + step / 2; t += step)
    ticks.push(Number(t.toPrecision(12)))
  return ticks
}

/** @param {number} d0 @param {number} d1 @param {number} r0 @param {number} r1 */
const linear = (d0, d1, r0, r1) => (/** @type {number} */ v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0)

/** @param {string} text */
const short = (text, max = 22) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/**
 * @param {string} title
 * @param {number} height
 * @param {...SVGElement} parts
 */
const figure = (title, height, ...parts) =>
  h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    s('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': title }, ...parts),
  )

/**
 * Horizontal grid lines with their values, left of the plot.
 * @param {number[]} ticks @param {(v: number) => number} y @param {Format} format
 */
const yAxis = (ticks, y, format) =>
  s(
    'g',
    { class: 'axis' },
    ...ticks.flatMap((t) => [
      s('line', { x1: M.left, x2: W - M.right, y1: y(t), y2: y(t), class: t === 0 ? 'zero' : 'grid' }),
      s('text', { x: M.left - 6, y: y(t), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, format(t)),
    ]),
  )

/**
 * Vertical bars with their values and, where given, 95 % interval whiskers.
 * @param {{ title: string, bars: Bar[], format: Format }} spec
 */
export const barChart = ({ title, bars, format }) => {
  const height = 260
  const values = /** @type {number[]} */ (
    bars.flatMap((b) => [b.value, ...(b.ci ?? [])]).filter((v) => typeof v === 'number' && Number.isFinite(v))
  )
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values))
  const y = linear(ticks[0] ?? 0, ticks.at(-1) ?? 1, height - M.bottom, M.top)
  const band = (W - M.left - M.right) / Math.max(1, bars.length)
  const parts = bars.map((b, i) => {
    const cx = M.left + band * (i + 0.5)
    const bw = Math.min(64, band * 0.6)
    // A missing value (no users yet) keeps its place and label, with a dash and no bar.
    const value = typeof b.value === 'number' && Number.isFinite(b.value) ? b.value : null
    const top = y(Math.max(0, value ?? 0))
    const ci = value !== null && b.ci && Number.isFinite(b.ci[0]) && Number.isFinite(b.ci[1]) ? b.ci : null
    const shown = value === null ? '–' : format(value)
    const label = `${b.label}: ${shown}${ci ? ` (95% CI ${format(ci[0])} to ${format(ci[1])})` : ''}`
    return s(
      'g',
      { class: `bar series-${i % 6}` },
      s(
        'rect',
        { x: cx - bw / 2, y: top, width: bw, height: Math.max(0, y(Math.min(0, value ?? 0)) - top) },
        s('title', {}, label),
      ),
      ci &&
        s(
          'g',
          { class: 'whisker' },
          s('line', { x1: cx, x2: cx, y1: y(ci[0]), y2: y(ci[1]) }),
          s('line', { x1: cx - 6, x2: cx + 6, y1: y(ci[0]), y2: y(ci[0]) }),
          s('line', { x1: cx - 6, x2: cx + 6, y1: y(ci[1]), y2: y(ci[1]) }),
        ),
      s(
        'text',
        { x: cx, y: Math.min(top, ci ? y(ci[1]) : top) - 6, 'text-anchor': 'middle', class: 'value' },
        shown,
      ),
      s(
        'text',
        { x: cx, y: height - M.bottom + 16, 'text-anchor': 'middle', class: 'label' },
        short(b.label, 16),
      ),
    )
  })
  return figure(title, height, yAxis(ticks, y, format), ...parts)
}

/**
 * Horizontal bars, one group per row and one bar per series, each with its value.
 * @param {{ title: string, rows: { label: string, values: number[] }[], series: string[], format: Format, max?: number }} spec
 */
export const hbarChart = ({ title, rows, series, format, max }) => {
  const left = 150
  const bar = 16
  const group = bar * series.length + 12
  const legend = series.length > 1 ? 24 : 0
  const height = legend + group * Math.max(1, rows.length) + 8
  const top = Math.max(max ?? 0, ...rows.flatMap((r) => r.values).filter(Number.isFinite)) || 1
  const x = linear(0, top, left, W - 80)
  const parts = rows.map((r, i) =>
    s(
      'g',
      { class: 'hbar' },
      s(
        'text',
        {
          x: left - 8,
          y: legend + i * group + group / 2,
          'text-anchor': 'end',
          'dominant-baseline': 'middle',
          class: 'label',
        },
        short(r.label),
        s('title', {}, r.label),
      ),
      ...r.values.map((v, j) => {
        const y0 = legend + i * group + 6 + j * bar
        return s(
          'g',
          { class: `series-${j % 6}` },
          s(
            'rect',
            { x: left, y: y0, width: Math.max(0, x(v) - left), height: bar - 3 },
            s('title', {}, `${r.label}, ${series[j]}: ${format(v)}`),
          ),
          s(
            'text',
            {
              x: Math.max(left, x(v)) + 4,
              y: y0 + (bar - 3) / 2,
              'dominant-baseline': 'middle',
              class: 'value',
            },
            format(v),
          ),
        )
      }),
    ),
  )
  const keys =
    series.length > 1
      ? series.map((name, j) =>
          s(
            'g',
            { class: `series-${j % 6}` },
            s('rect', { x: left + j * 130, y: 4, width: 12, height: 12 }),
            s('text', { x: left + j * 130 + 16, y: 10, 'dominant-baseline': 'middle', class: 'label' }, name),
          ),
        )
      : []
  return figure(title, height, ...keys, ...parts)
}

/**
 * Lines over the same x values (dates, equally spaced); a null breaks the line.
 * @param {{ title: string, series: Line[], format: Format }} spec
 */
export const lineChart = ({ title, series, format }) => {
  const height = 280
  const xs = series[0]?.points.map((p) => p.x) ?? []
  const ys = series.flatMap((l) => l.points.map((p) => p.y)).filter((v) => v !== null && Number.isFinite(v))
  const ticks = niceTicks(
    Math.min(0, .../** @type {number[]} */ (ys)),
    Math.max(0, .../** @type {number[]} */ (ys)),
  )
  const y = linear(ticks[0] ?? 0, ticks.at(-1) ?? 1, height - M.bottom, M.top)
  const x = linear(0, Math.max(1, xs.length - 1), M.left + 8, W - M.right - 8)
  const lines = series.map((l, i) => {
    let d = ''
    let pen = 'M'
    for (const [j, p] of l.points.entries()) {
      if (p.y === null || !Number.isFinite(p.y)) pen = 'M'
      else {
        d += `${pen}${x(j).toFixed(1)},${y(p.y).toFixed(1)}`
        pen = 'L'
      }
    }
    const dots = l.points.flatMap((p, j) =>
      p.y === null || !Number.isFinite(p.y)
        ? []
        : [
            s(
              'circle',
              { cx: x(j), cy: y(p.y), r: xs.length > 20 ? 2 : 3 },
              s('title', {}, `${l.name}, ${p.x}: ${format(p.y)}`),
            ),
          ],
    )
    return s('g', { class: `line series-${(l.colour ?? i) % 6}` }, s('path', { d }), ...dots)
  })
  const labelled = [...new Set([0, Math.floor((xs.length - 1) / 2), xs.length - 1])].filter(
    (j) => j >= 0 && j < xs.length,
  )
  const xLabels = labelled.map((j) =>
    s(
      'text',
      {
        x: x(j),
        y: height - M.bottom + 16,
        'text-anchor': j === 0 && xs.length > 1 ? 'start' : j === xs.length - 1 && j > 0 ? 'end' : 'middle',
        class: 'label',
      },
      xs[j] ?? '',
    ),
  )
  const keys = series.map((l, i) =>
    s(
      'g',
      { class: `series-${(l.colour ?? i) % 6}` },
      s('rect', { x: M.left + i * 140, y: height - 16, width: 12, height: 4 }),
      s(
        'text',
        { x: M.left + i * 140 + 16, y: height - 14, 'dominant-baseline': 'middle', class: 'label' },
        l.name,
      ),
    ),
  )
  return figure(title, height, yAxis(ticks, y, format), ...lines, ...xLabels, ...keys)
}
