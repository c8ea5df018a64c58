// KPIs: per campaign or channel, visits and a revenue goal's conversions beside the ad spend
// imported for the same days, with CAC, ROAS, ROI and the CLV of the customers acquired; and the
// upload of spend as CSV. Every number
// is the API's (no arithmetic here but formatting); the view's state lives in the address.
import { ApiError, apiCall, apiDownload, apiGet, enc } from './api.js'
import { hbarChart } from './charts.js'
import { h, notice, scrollBox, table, tile } from './dom.js'
import { amount, count, decimal, percent } from './format.js'
import {
  addFilter,
  dateInput,
  downloadButton,
  filterChips,
  NONE,
  periodOf,
  periodSelect,
  pickButton,
  select,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {{
 *   visitors: number, visits: number, conversions: number | null, customers: number | null,
 *   conversionRate: number | null, revenue: number | null, aov: number | null, revenuePerCustomer: number | null,
 *   spend: number, cpc: number | null, cac: number | null, roas: number | null, roi: number | null,
 *   acquired: number | null, clv: number | null, clvToCac: number | null,
 * }} Figures
 * @typedef {Figures & { value: string | null }} Row
 * @typedef {{
 *   from: string, to: string, timezone: string, filter: string[], by: string, goal: string | null,
 *   currency: string | null, spendIgnoresFilters: string[], total: number, totals: Figures, rows: Row[],
 *   slots: { impressions: number, clicks: number, ctr: number | null },
 *   campaigns: { visits: number, share: number | null },
 * }} Kpis
 */

/** Edits the view's state in the address: `#/kpis?by=…&from=…&to=…&filter=…`. */
const update = updater('kpis')

/** ROAS as "2.50×". @param {number | null} x */
const times = (x) => (x === null ? '–' : `${decimal(x)}×`)

/** @param {Kpis} d */
const tiles = (d) => {
  const t = d.totals
  const money = (/** @type {number | null} */ x) =>
    `${amount(x)}${d.currency && x !== null ? ` ${d.currency}` : ''}`
  return h(
    'div',
    { class: 'tiles', id: 'kpis-tiles' },
    tile('Spend', money(t.spend)),
    tile('Revenue', money(t.revenue), d.goal ? `goal ${d.goal}` : 'no revenue goal'),
    tile('ROAS', times(t.roas), 'revenue / spend'),
    tile('ROI', percent(t.roi), '(revenue − spend) / spend'),
    tile('CAC', money(t.cac), 'spend per customer'),
    tile(
      'CLV',
      money(t.clv),
      `revenue to date per customer acquired (${count(t.acquired)}); ${times(t.clvToCac)} CAC`,
    ),
    tile('Conversion rate', percent(t.conversionRate), `${count(t.customers)} customers`),
    tile('AOV', money(t.aov), 'revenue per order'),
    tile(
      'Slot CTR',
      percent(d.slots.ctr),
      `${count(d.slots.clicks)} clicks / ${count(d.slots.impressions)} views`,
    ),
    tile(
      'From campaigns',
      percent(d.campaigns.share),
      `${count(d.campaigns.visits)} visits via campaign links`,
    ),
  )
}

/** @param {Kpis} d @param {(value: string | null) => void} pick */
const kpiTable = (d, pick) =>
  table({
    id: 'kpis-table',
    caption: `${d.by === 'channel' ? 'Channels' : 'Campaigns'}${d.total > d.rows.length ? ` (top ${d.rows.length} of ${count(d.total)})` : ''}${d.currency ? `, amounts in ${d.currency}` : ''}`,
    columns: [
      d.by === 'channel' ? 'Channel' : 'Campaign',
      { label: 'Visitors', numeric: true },
      { label: 'Visits', numeric: true },
      { label: 'Conversions', numeric: true },
      { label: 'Conv. rate', numeric: true },
      { label: 'Revenue', numeric: true },
      { label: 'AOV', numeric: true },
      { label: 'Spend', numeric: true },
      { label: 'CPC', numeric: true },
      { label: 'CAC', numeric: true },
      { label: 'ROAS', numeric: true },
      { label: 'ROI', numeric: true },
      { label: 'Acquired', numeric: true },
      { label: 'CLV', numeric: true },
      { label: 'CLV:CAC', numeric: true },
    ],
    rows: d.rows.map((r) => [
      pickButton(r.value, pick),
      count(r.visitors),
      count(r.visits),
      count(r.conversions),
      percent(r.conversionRate),
      amount(r.revenue),
      amount(r.aov),
      amount(r.spend),
      amount(r.cpc),
      amount(r.cac),
      times(r.roas),
      percent(r.roi),
      count(r.acquired),
      amount(r.clv),
      times(r.clvToCac),
    ]),
  })

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const shown = periodOf(state, zone)
  const { from, to } = shown
  const by = state.get('by') === 'channel' ? 'channel' : 'campaign'
  const filters = state.getAll('filter')
  const query = new URLSearchParams({ site: ctx.site.id, from, to, by })
  const goal = state.get('goal')
  if (goal) query.set('goal', goal)
  for (const f of filters) query.append('filter', f)
  const spendQuery = new URLSearchParams({ site: ctx.site.id, from, to })

  const grouping = select(
    'kpis-by',
    by,
    [
      ['campaign', 'Campaign'],
      ['channel', 'Channel'],
    ],
    (value) => update((s) => s.set('by', value)),
  )
  const pick = (/** @type {string | null} */ value) =>
    update(addFilter(`${by === 'channel' ? 'channel' : 'utm_campaign'}:${value ?? NONE}`))

  const holder = h('div', { id: 'kpis-report', 'aria-busy': 'true' })
  const result = h('div', { id: 'kpis-upload-result', 'aria-live': 'polite' })
  const file = h('input', { id: 'kpis-file', type: 'file', accept: '.csv,text/csv', required: true })
  const importSpend = async (/** @type {HTMLFormElement} */ form) => {
    const chosen = file.files?.[0]
    if (!chosen) return
    result.replaceChildren(notice('Importing…'))
    try {
      const { body } = await apiCall('POST', `/admin/api/spend?site=${enc(ctx.site.id)}`, {
        csv: await chosen.text(),
      })
      const r = /** @type {{ rows: number, days: number, replaced: number, from: string, to: string }} */ (
        body
      )
      const done = `Imported ${count(r.rows)} rows for ${count(r.days)} days (${r.from} to ${r.to}); ${count(r.replaced)} earlier rows of those days replaced.`
      result.replaceChildren(h('p', { class: 'notice notice-ok', role: 'status' }, done))
      form.reset()
      await load()
    } catch (err) {
      const text =
        err instanceof ApiError
          ? `Refused (${err.code}): ${err.message}`
          : `Import failed: ${/** @type {Error} */ (err).message}`
      result.replaceChildren(notice(text, 'error'))
    }
  }
  const upload = h(
    'form',
    {
      id: 'kpis-upload',
      class: 'kpis-upload',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault()
        void importSpend(/** @type {HTMLFormElement} */ (e.target))
      },
    },
    h('label', { for: 'kpis-file' }, 'Spend CSV'),
    file,
    h('button', { type: 'submit', id: 'kpis-import' }, 'Import'),
    downloadButton(
      'kpis-spend-csv',
      () =>
        apiDownload(`/admin/api/spend?${spendQuery}&format=csv`, `${ctx.site.id}-spend-${from}-${to}.csv`),
      'Download spend',
    ),
  )

  ctx.main.append(
    h('h2', {}, 'KPIs'),
    h(
      'p',
      { class: 'muted' },
      `Visits and orders by the campaign or channel of the visit they happened in, beside the ad spend imported for the same days (${zone}). CAC is spend per customer won, ROAS revenue per unit of spend, ROI (revenue − spend) / spend. Acquired are the people whose first order ever came in the period from the campaign or channel; CLV is their revenue to date (every order up to the last day shown, on any device) per person, CLV:CAC its multiple of the CAC.`,
    ),
    h(
      'div',
      { class: 'controls', id: 'kpis-controls' },
      h('label', { for: 'kpis-period' }, 'Period'),
      periodSelect('kpis-period', shown, update),
      h('label', { for: 'kpis-from' }, 'From'),
      dateInput('kpis', 'from', shown, update),
      h('label', { for: 'kpis-to' }, 'To'),
      dateInput('kpis', 'to', shown, update),
      h('label', { for: 'kpis-by' }, 'By'),
      grouping,
      downloadButton('kpis-csv', () =>
        apiDownload(
          `/admin/api/reports/kpis?${query}&format=csv`,
          `${ctx.site.id}-kpis-${by}-${from}-${to}.csv`,
        ),
      ),
    ),
    ...filterChips('kpis', filters, update),
    holder,
    h('h3', {}, 'Ad spend'),
    h(
      'p',
      { class: 'muted' },
      'One row per day and campaign, with the header ',
      h('code', {}, 'date,campaign,source,medium,cost,currency'),
      ' (source, medium and a channel column are optional; the cost has at most 2 decimals). Importing a day again replaces it.',
    ),
    upload,
    result,
  )

  const load = async () => {
    holder.setAttribute('aria-busy', 'true')
    /** @type {Kpis} */
    const d = await apiGet(`/admin/api/reports/kpis?${query}`, ctx.signal)
    if (ctx.signal.aborted) return
    const withRoas = d.rows.filter((r) => r.roas !== null)
    holder.replaceChildren(
      ...(d.totals.visits === 0 && d.totals.spend === 0
        ? [notice('No visits and no spend in this period.')]
        : []),
      ...(d.goal === null
        ? [
            notice(
              'The site has no goal with a revenue property: conversions and returns stay empty.',
              'warn',
            ),
          ]
        : []),
      ...(d.spendIgnoresFilters.length
        ? [notice(`Spend is not split by ${d.spendIgnoresFilters.join(', ')}: it counts whole here.`, 'warn')]
        : []),
      tiles(d),
      ...(withRoas.length
        ? [
            hbarChart({
              title: `ROAS by ${d.by} (revenue per unit of spend)`,
              rows: withRoas.map((r) => ({
                label: r.value ?? NONE,
                values: [/** @type {number} */ (r.roas)],
              })),
              series: ['ROAS'],
              format: (x) => times(x),
            }),
          ]
        : d.goal === null
          ? []
          : [notice('No ROAS yet: import spend for this period.')]),
      scrollBox('KPIs', kpiTable(d, pick)),
    )
    holder.setAttribute('aria-busy', 'false')
  }
  await load()
}
