// Attribution: a goal's conversions and revenue credited to the channels or campaigns of the visits
// before them, from all of a person's devices, under five models side by side. Every number is the
// reports API's (no arithmetic here but formatting); the view's state lives in the address.
import { apiDownload, enc } from './api.js'
import { hbarChart } from './charts.js'
import { h, notice, scrollBox, table, tile } from './dom.js'
import { amount, count } from './format.js'
import {
  bounded,
  dateInput,
  downloadButton,
  fieldOf,
  filterChips,
  numberInput,
  periodOf,
  periodOptions,
  select,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {{ conversions: number, revenue: number }} Figures
 * @typedef {{ key: string, touches: number, clicks: number, first: Figures, lastNonDirect: Figures, linear: Figures, position: Figures, timeDecay: Figures }} Row
 * @typedef {{ from: string, to: string, timezone: string, goal: string, lookback: number, halfLife: number,
 *   by: 'channel' | 'campaign', filter: string[], conversions: number, revenue: number,
 *   attributed: Figures, unattributed: Figures, rows: Row[] }} Attribution
 * @typedef {'first' | 'lastNonDirect' | 'linear' | 'position' | 'timeDecay'} Model
 */

/** @type {[Model, string][]} */
export const MODELS = [
  ['first', 'First touch'],
  ['lastNonDirect', 'Last non-direct'],
  ['linear', 'Linear'],
  ['position', 'Position 40/20/40'],
  ['timeDecay', 'Time decay'],
]
/** Rows drawn in the chart; the table has them all. */
const CHART_ROWS = 8

const credits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
/** A credited share of conversions: whole or with up to two decimals. @param {number} x */
export const credit = (x) => credits.format(x)

/** Edits the view's state in the address: `#/attribution?goal=…&by=…&lookback=…&metric=…`. */
const update = updater('attribution')

/** A label and its control, kept together when the controls wrap on a phone. */
const field = fieldOf('attribution-field')

/**
 * A labelled select whose choice goes to the address under `name`.
 * @param {string} id @param {string} label @param {string} name @param {string} value @param {[string, string][]} options
 */
const choice = (id, label, name, value, options) =>
  field(
    id,
    label,
    select(id, value, options, (v) => update((s) => s.set(name, v))),
  )

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const shown = periodOf(state, zone)
  const { today, preset, from, to } = shown
  /** @type {{ goals: { key: string, name: string }[] }} */
  const goals = await ctx.get(`/admin/api/reports/goals?site=${enc(ctx.site.id)}&from=${today}&to=${today}`)
  if (ctx.signal.aborted) return
  ctx.main.append(h('h2', {}, 'Attribution'))
  const goal = goals.goals.find((g) => g.key === state.get('goal'))?.key ?? goals.goals[0]?.key
  if (goal === undefined) {
    ctx.main.append(
      notice('This site has no goals yet: attribution credits the conversions of a goal.'),
      h('p', {}, h('a', { href: '#/goals' }, 'Goals')),
    )
    return
  }
  const by = state.get('by') === 'campaign' ? 'campaign' : 'channel'
  const lookback = bounded(state.get('lookback'), 1, 180, 30)
  const metric = state.get('metric') === 'revenue' ? 'revenue' : 'conversions'
  const filters = state.getAll('filter')
  const query = new URLSearchParams({ site: ctx.site.id, from, to, goal, by, lookback: String(lookback) })
  for (const f of filters) query.append('filter', f)

  const holder = h('div', { id: 'attribution-report', 'aria-busy': 'true' })
  ctx.main.append(
    h(
      'p',
      { class: 'muted' },
      `Each conversion of the goal in the period is credited to the visits before it within the lookback, from all of the person's devices, under five models side by side. Dates in ${zone}.`,
    ),
    h(
      'div',
      { class: 'controls', id: 'attribution-controls' },
      choice(
        'attribution-goal',
        'Goal',
        'goal',
        goal,
        goals.goals.map((g) => [g.key, g.name]),
      ),
      // Here a choice sets only the period: custom dates are those in the address (else today).
      choice('attribution-period', 'Period', 'period', preset, periodOptions()),
      field('attribution-from', 'From', dateInput('attribution', 'from', shown, update)),
      field('attribution-to', 'To', dateInput('attribution', 'to', shown, update)),
      choice('attribution-by', 'Rows by', 'by', by, [
        ['channel', 'Channel'],
        ['campaign', 'Campaign'],
      ]),
      field(
        'attribution-lookback',
        'Lookback (days)',
        numberInput('attribution-lookback', String(lookback), 1, 180, (e) =>
          update((s) => s.set('lookback', /** @type {HTMLInputElement} */ (e.target).value)),
        ),
      ),
      choice('attribution-metric', 'Show', 'metric', metric, [
        ['conversions', 'Conversions'],
        ['revenue', 'Revenue'],
      ]),
      downloadButton('attribution-csv', () =>
        apiDownload(
          `/admin/api/reports/attribution?${query}&format=csv`,
          `${ctx.site.id}-attribution-${goal}-${by}-${from}-${to}.csv`,
        ),
      ),
    ),
    ...filterChips('attribution', filters, update),
    holder,
  )

  /** @type {Attribution} */
  const d = await ctx.get(`/admin/api/reports/attribution?${query}`)
  if (ctx.signal.aborted) return
  const format = metric === 'revenue' ? amount : credit
  const title = by === 'campaign' ? 'Campaign' : 'Channel'
  const what = metric === 'revenue' ? 'Revenue' : 'Conversions'
  const top = Math.max(0, ...d.rows.flatMap((r) => MODELS.map(([model]) => r[model][metric])))
  holder.replaceChildren(
    ...(d.conversions === 0 ? [notice('No conversions of this goal in the period.')] : []),
    h(
      'div',
      { class: 'tiles', id: 'attribution-tiles' },
      tile('Conversions', count(d.conversions), `${d.from} to ${d.to}`),
      tile('Revenue', amount(d.revenue)),
      tile(
        'Attributed',
        count(d.attributed.conversions),
        `with a visit up to ${d.lookback === 1 ? '1 day' : `${d.lookback} days`} before`,
      ),
      tile('Without a touch', count(d.unattributed.conversions), amount(d.unattributed.revenue)),
    ),
    // One chart per model, on one scale, so bars compare across models at a glance.
    d.rows.length
      ? h(
          'div',
          { class: 'attribution-charts', id: 'attribution-charts' },
          ...MODELS.map(([model, label]) =>
            hbarChart({
              title: `${label}: ${what.toLowerCase()} per ${title.toLowerCase()}${d.rows.length > CHART_ROWS ? ` (top ${CHART_ROWS} of ${count(d.rows.length)})` : ''}`,
              series: [what],
              rows: d.rows.slice(0, CHART_ROWS).map((r) => ({ label: r.key, values: [r[model][metric]] })),
              max: top,
              format,
            }),
          ),
        )
      : '',
    scrollBox(
      `Attribution by ${title.toLowerCase()}`,
      table({
        id: 'attribution-table',
        caption: `${what} by ${title.toLowerCase()}`,
        columns: [
          title,
          { label: 'Visits', numeric: true },
          { label: 'Paid clicks', numeric: true },
          ...MODELS.map(([, label]) => ({ label, numeric: true })),
        ],
        rows: d.rows.map((r) => [
          r.key,
          count(r.touches),
          count(r.clicks),
          ...MODELS.map(([model]) => format(r[model][metric])),
        ]),
      }),
    ),
    h(
      'p',
      { class: 'muted attribution-notes' },
      `Visits: those in the lookback of a conversion; paid clicks: of them, those whose landing carried an ad click id. First touch: the earliest visit. Last non-direct: the latest visit that is not direct (the latest when all are). Linear: equal shares. Position: 40% first, 40% last, 20% shared by the middle. Time decay: halves every ${d.halfLife} days before the conversion.`,
    ),
  )
  holder.setAttribute('aria-busy', 'false')
}
