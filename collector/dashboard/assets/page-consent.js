// Consent rates: each browser's current choice over the last days, from the consent ledger.
import { enc } from './api.js'
import { hbarChart, lineChart } from './charts.js'
import { h, notice, table, tile } from './dom.js'
import { count, percent } from './format.js'

/**
 * @typedef {{ count: number, share: number | null }} Share
 * @typedef {'analytics' | 'personalization' | 'marketing'} Purpose
 * @typedef {{ date: string, visitors: number, acceptAll: number, rejectAll: number, custom: number, gpc: number, granted: Record<Purpose, number> }} Day
 * @typedef {{
 *   site: string, days: number, from: string, to: string, visitors: number,
 *   purposes: Record<Purpose, Share>,
 *   choices: { acceptAll: Share, rejectAll: Share, custom: Share },
 *   gpc: Share, sources: Record<string, number>, daily: Day[], evaluatedAt: string,
 * }} ConsentStats
 */

const PURPOSES = /** @type {const} */ ([
  ['analytics', 'Analytics'],
  ['personalization', 'Personalization'],
  ['marketing', 'Marketing'],
])
const PERIODS = [7, 30, 90]

/** @param {ConsentStats} d */
const view = (d) => {
  const choices = [
    ['Accept all', d.choices.acceptAll],
    ['Reject all', d.choices.rejectAll],
    ['Custom', d.choices.custom],
    ['Global Privacy Control', d.gpc],
  ]
  return [
    h(
      'div',
      { class: 'tiles', id: 'consent-tiles' },
      tile('Visitors', count(d.visitors), `${d.from} to ${d.to}`),
      ...choices.map(([label, share]) => tile(String(label), percent(/** @type {Share} */ (share).share))),
    ),
    hbarChart({
      title: 'Granted, by purpose',
      rows: PURPOSES.map(([key, label]) => ({ label, values: [d.purposes[key].share ?? 0] })),
      series: ['Granted'],
      format: (x) => percent(x),
      max: 1,
    }),
    h(
      'div',
      { class: 'columns' },
      table({
        caption: 'Consent by purpose',
        columns: ['Purpose', { label: 'Granted', numeric: true }, { label: 'Share', numeric: true }],
        rows: PURPOSES.map(([key, label]) => [
          label,
          count(d.purposes[key].count),
          percent(d.purposes[key].share),
        ]),
      }),
      table({
        caption: 'Choices',
        columns: ['Choice', { label: 'Visitors', numeric: true }, { label: 'Share', numeric: true }],
        rows: choices.map(([label, share]) => {
          const s = /** @type {Share} */ (share)
          return [String(label), count(s.count), percent(s.share)]
        }),
      }),
      table({
        caption: 'By source',
        columns: ['Source', { label: 'Visitors', numeric: true }],
        rows: Object.entries(d.sources).map(([source, n]) => [source, count(n)]),
      }),
    ),
    lineChart({
      title: 'Choices per day',
      format: (x) => count(Math.round(x)),
      series: [
        { name: 'Visitors', points: d.daily.map((day) => ({ x: day.date, y: day.visitors })) },
        { name: 'Accept all', points: d.daily.map((day) => ({ x: day.date, y: day.acceptAll })) },
        { name: 'Reject all', points: d.daily.map((day) => ({ x: day.date, y: day.rejectAll })) },
        { name: 'Custom', points: d.daily.map((day) => ({ x: day.date, y: day.custom })) },
      ],
    }),
    table({
      caption: 'Days with choices',
      columns: [
        'Date',
        ...[
          'Visitors',
          'Accept all',
          'Reject all',
          'Custom',
          'GPC',
          'Analytics',
          'Personalization',
          'Marketing',
        ].map((label) => ({ label, numeric: true })),
      ],
      rows: d.daily
        .filter((day) => day.visitors > 0)
        .reverse()
        .map((day) => [
          day.date,
          ...[day.visitors, day.acceptAll, day.rejectAll, day.custom, day.gpc].map(count),
          ...PURPOSES.map(([key]) => count(day.granted[key])),
        ]),
    }),
  ]
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const select = h(
    'select',
    { id: 'consent-days' },
    ...PERIODS.map((n) => h('option', { value: String(n), selected: n === 30 }, `Last ${n} days`)),
  )
  const holder = h('div', { id: 'consent-stats' })
  ctx.main.append(
    h('h2', {}, 'Consent'),
    h(
      'p',
      { class: 'muted' },
      'Each browser (consent id) counts once, with its latest choice. Accept all: every optional purpose granted; reject all: none.',
    ),
    h('div', { class: 'controls' }, h('label', { for: 'consent-days' }, 'Period'), select),
    holder,
  )
  const load = async () => {
    holder.setAttribute('aria-busy', 'true')
    /** @type {ConsentStats} */
    const d = await ctx.get(`/admin/api/sites/${enc(ctx.site.id)}/consent/stats?days=${enc(select.value)}`)
    if (ctx.signal.aborted) return
    holder.replaceChildren(
      ...(d.visitors === 0 ? [notice('No consent choices in this period.')] : []),
      ...view(d),
    )
    holder.setAttribute('aria-busy', 'false')
  }
  select.addEventListener('change', () => {
    load().catch((err) => holder.replaceChildren(notice(String(err), 'error')))
  })
  await load()
}
