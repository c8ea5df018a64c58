// Retention: people by the day or week of their first visit (the cohort), and the share of each
// cohort back in each later period: a heat table (the triangle) and the average curve. Every
// number is the reports API's; the view's state lives in the address, so a view can be shared.
import { apiDownload, enc } from './api.js'
import { lineChart } from './charts.js'
import { h, notice, scrollBox, tile } from './dom.js'
import { count, percent } from './format.js'
import {
  addFilter,
  copyKeys,
  dateIn,
  downloadButton,
  fieldOf,
  filterChips,
  onValue,
  select,
  setOrDrop,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {{ period: number, people: number, rate: number | null }} Cell
 * @typedef {{ cohort: string, people: number, periods: Cell[] }} Cohort
 * @typedef {{ period: number, people: number, of: number, rate: number | null }} CurvePoint
 * @typedef {{ from: string, to: string, timezone: string, by: 'day' | 'week', periods: number,
 *   return: string | null, filter: string[], people: number, cohorts: Cohort[], curve: CurvePoint[] }} Retention
 */

const UNIT = { day: 'Day', week: 'Week' }

/** Edits the view's state in the address: `#/retention?by=week&periods=12&return=…&filter=…`. */
const update = updater('retention')

/** A cell's shade: the rate in tenths, a class (the CSP allows no inline style). @param {number | null} rate */
const heat = (rate) => (rate === null ? 'heat' : `heat heat-${Math.round(rate * 10)}`)

/**
 * The triangle: a row per cohort, a column per period; periods not over yet are blank.
 * @param {Retention} d
 */
const triangle = (d) => {
  const unit = UNIT[d.by]
  const columns = Array.from({ length: d.periods + 1 }, (_, k) => k)
  return scrollBox(
    'Retention by cohort',
    h(
      'table',
      { id: 'retention-table', class: 'heat-table' },
      h('caption', {}, `Cohorts by ${unit.toLowerCase()} of first visit`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, unit === 'Day' ? 'First day' : 'First week'),
          h('th', { scope: 'col', class: 'num' }, 'People'),
          ...columns.map((k) => h('th', { scope: 'col', class: 'num' }, `${unit} ${k}`)),
        ),
      ),
      h(
        'tbody',
        {},
        ...d.cohorts.map((c) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, c.cohort),
            h('td', { class: 'num' }, count(c.people)),
            ...columns.map((k) => {
              const cell = c.periods[k]
              return cell
                ? h(
                    'td',
                    {
                      class: `num ${heat(cell.rate)}`,
                      title: `${count(cell.people)} of ${count(c.people)} people`,
                    },
                    percent(cell.rate),
                  )
                : h('td', { class: 'num heat-open', title: `${unit} ${k} is not over yet` }, '')
            }),
          ),
        ),
      ),
    ),
  )
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const by = state.get('by') === 'day' ? 'day' : 'week'
  const periods = state.get('periods') ?? '12'
  const filters = state.getAll('filter')
  const query = new URLSearchParams({ site: ctx.site.id, by, periods })
  copyKeys(state, query, ['from', 'to', 'return'])
  for (const f of filters) query.append('filter', f)

  const today = dateIn(Date.now(), zone)
  const field = fieldOf('retention-field')
  const onChange = (/** @type {string} */ key) => onValue(setOrDrop(update, key))
  const returnSelect = h(
    'select',
    { id: 'retention-return', onchange: onChange('return') },
    h('option', { value: '' }, 'Any visit'),
  )
  const from = h('input', { id: 'retention-from', type: 'date', max: today, onchange: onChange('from') })
  const to = h('input', { id: 'retention-to', type: 'date', onchange: onChange('to') })
  const filterInput = h('input', {
    id: 'retention-filter',
    type: 'text',
    placeholder: 'channel:Email',
    maxlength: 220,
  })
  const holder = h('div', { id: 'retention-report', 'aria-busy': 'true' })
  ctx.main.append(
    h('h2', {}, 'Retention'),
    h(
      'p',
      { class: 'muted' },
      `People by the ${by} of their first visit (${zone}), across their devices, and the share of each cohort that came back in each later ${by}. Someone who came before the period is not new in it. Blank cells: that ${by} is not over yet.`,
    ),
    h(
      'div',
      { class: 'controls', id: 'retention-controls' },
      field(
        'retention-by',
        'Cohorts by',
        select(
          'retention-by',
          by,
          [
            ['week', 'Week'],
            ['day', 'Day'],
          ],
          setOrDrop(update, 'by'),
        ),
      ),
      field(
        'retention-periods',
        'Periods',
        h('input', {
          id: 'retention-periods',
          type: 'number',
          min: 1,
          max: 52,
          value: periods,
          onchange: onChange('periods'),
        }),
      ),
      field('retention-return', 'Came back with', returnSelect),
      field('retention-from', 'First visit from', from),
      field('retention-to', 'To', to),
      downloadButton('retention-csv', () =>
        apiDownload(
          `/admin/api/reports/retention?${query}&format=csv`,
          `${ctx.site.id}-retention-${by}-${from.value}-${to.value}.csv`,
        ),
      ),
    ),
    h(
      'form',
      {
        class: 'controls',
        id: 'retention-filter-form',
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault()
          const f = filterInput.value.trim()
          if (f) update(addFilter(f))
        },
      },
      field('retention-filter', 'Only people whose first visit has', filterInput),
      h('button', { type: 'submit' }, 'Add filter'),
    ),
    ...filterChips('retention', filters, update, 'Only people whose first visit has '),
    holder,
  )

  /** @type {[{ goals: { key: string, name: string }[] }, Retention]} */
  const [goals, d] = await Promise.all([
    ctx.get(`/admin/api/reports/goals?site=${enc(ctx.site.id)}&from=${today}&to=${today}`),
    ctx.get(`/admin/api/reports/retention?${query}`),
  ])
  if (ctx.signal.aborted) return
  for (const g of goals.goals)
    returnSelect.append(h('option', { value: g.key, selected: g.key === d.return }, `Goal: ${g.name}`))
  from.value = d.from
  to.value = d.to
  const unit = UNIT[d.by]
  // The furthest period with people to measure it (later ones may have only empty cohorts).
  const last = d.curve.filter((p) => p.rate !== null).at(-1)
  const curveName =
    d.return === null
      ? 'Came back'
      : `Reached ${goals.goals.find((g) => g.key === d.return)?.name ?? d.return}`
  holder.replaceChildren(
    ...(d.people === 0 ? [notice(`Nobody's first visit falls in ${d.from} to ${d.to}.`)] : []),
    h(
      'div',
      { class: 'tiles', id: 'retention-tiles' },
      tile('People', count(d.people), `first came ${d.from} to ${d.to}`),
      tile(`Back in ${unit.toLowerCase()} 1`, percent(d.curve[1]?.rate ?? null)),
      ...(last && last.period > 1
        ? [
            tile(
              `Back in ${unit.toLowerCase()} ${last.period}`,
              percent(last.rate),
              `of ${count(last.of)} people`,
            ),
          ]
        : []),
    ),
    lineChart({
      title: `${curveName}: share of people by ${unit.toLowerCase()} since their first visit (cohorts where it is over)`,
      format: (x) => `${Math.round(x)}%`,
      series: [
        {
          name: curveName,
          points: d.curve.map((p) => ({
            x: `${unit} ${p.period}`,
            y: p.rate === null ? null : p.rate * 100,
          })),
        },
      ],
    }),
    triangle(d),
  )
  holder.setAttribute('aria-busy', 'false')
}
