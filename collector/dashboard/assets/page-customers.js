// Customers: the people who reached a revenue goal, as RFM segments, the R × F grid, clusters,
// lifetime value by cohort and, when the API could fit its models, predicted CLV. Every number is
// the reports API's (no arithmetic here but formatting and a shade); the state lives in the address.
// An RFM group, a cluster or a cohort can be saved as a segment with the rule the API gives it.
import { apiDownload, enc } from './api.js'
import { hbarChart } from './charts.js'
import { clusterToSave, cohortToSave, groupToSave, saveCell } from './customers-save.js'
import { h, notice, scrollBox, table, tile } from './dom.js'
import { amount, count, decimal, percent } from './format.js'
import {
  bounded,
  copyKeys,
  dateIn,
  downloadButton,
  fieldOf,
  numberInput,
  onValue,
  select as selectOf,
  setOrDrop,
  stateOf,
  updater,
} from './report-controls.js'

/**
 * @typedef {'recencyDays' | 'frequency' | 'monetary' | 'pageviews'} Feature
 * @typedef {{ segment: string, name: string, customers: number, share: number, revenue: number,
 *   meanRecencyDays: number | null, meanOrders: number | null, meanRevenue: number | null,
 *   meanR: number | null, meanF: number | null, meanM: number | null,
 *   rule: Record<string, unknown> | null, ruleRefusal: string | null }} Segment
 * @typedef {{ cluster: number, customers: number, centroid: Record<Feature, number>, description: string,
 *   rule: Record<string, unknown> | null, ruleRefusal: string | null }} Cluster
 * @typedef {{ cohort: string, customers: number, revenue: number, meanRevenue: number,
 *   rule: Record<string, unknown> | null, ruleRefusal: string | null }} Cohort
 * @typedef {{ customers: number, meanClv: number, meanPurchases: number, meanAlive: number }} Group
 * @typedef {{ horizonMonths: number, discountRate: number, repeatCustomers: number,
 *   bgnbd: { r: number, alpha: number, a: number, b: number, converged: boolean },
 *   gammaGamma: { p: number, q: number, v: number, converged: boolean },
 *   total: Group & { clv: number }, bySegment: (Group & { segment: string })[],
 *   byCluster: (Group & { cluster: number })[] }} Prediction
 * @typedef {{ site: string, timezone: string, goal: string, from: string, to: string,
 *   customers: number, orders: number, revenue: number, repeatRate: number | null,
 *   segments: Segment[], grid: number[][],
 *   clusters: { k: number, silhouette: number | null, sampled: boolean, clusters: Cluster[] },
 *   cohorts: Cohort[],
 *   predicted: Prediction | null, predictedReason: string | null }} Customers
 */

/** Edits the view's state in the address: `#/customers?goal=…&from=…&to=…&horizon=…&chart=…`. */
const update = updater('customers')

/** A change of a control goes to the address under `key`; an empty value drops it. @param {string} key */
const onChange = (key) => onValue(setOrDrop(update, key))

/** A label and its control, kept together when the controls wrap on a phone. */
const field = fieldOf('customers-field')

/** @param {string} id @param {string} value @param {[string, string][]} options */
const select = (id, value, options) =>
  selectOf(id, value, options, setOrDrop(update, id.replace('customers-', '')))

/** A section's title with the download of the API's CSV of its table. @param {string} title @param {string} tableName @param {() => void} download */
const heading = (title, tableName, download) =>
  h(
    'div',
    { class: 'customers-heading' },
    h('h3', {}, title),
    downloadButton(`customers-csv-${tableName}`, download, `Download ${tableName} CSV`),
  )

/**
 * The R × F grid as a heat table: R 5 (most recent) at the top, F 1 to 5 left to right. The shade
 * is the cell's count against the largest one: a presentation of the API's counts, nothing more.
 * @param {number[][]} grid grid[R − 1][F − 1]
 */
const gridTable = (grid) => {
  const top = Math.max(0, ...grid.flat())
  const scores = [1, 2, 3, 4, 5]
  return scrollBox(
    'R × F grid',
    h(
      'table',
      { id: 'customers-grid', class: 'heat-table' },
      h('caption', {}, 'Customers by recency score (R) and frequency score (F)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'R \\ F'),
          ...scores.map((f) => h('th', { scope: 'col', class: 'num' }, `F ${f}`)),
        ),
      ),
      h(
        'tbody',
        {},
        ...[...scores].reverse().map((r) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `R ${r}`),
            ...scores.map((f) => {
              const n = grid[r - 1]?.[f - 1] ?? 0
              return h('td', { class: `num heat heat-${top > 0 ? Math.round((n / top) * 10) : 0}` }, count(n))
            }),
          ),
        ),
      ),
    ),
  )
}

/** Predicted CLV as tiles, or the API's reason why there is none. @param {Customers} d */
const prediction = (d) => {
  const p = d.predicted
  if (!p) return [notice(`No predicted CLV: ${d.predictedReason ?? 'the API gave no reason'}.`)]
  const fit = `BG/NBD r ${decimal(p.bgnbd.r, 3)}, α ${decimal(p.bgnbd.alpha, 3)}, a ${decimal(p.bgnbd.a, 3)}, b ${decimal(p.bgnbd.b, 3)}; Gamma-Gamma p ${decimal(p.gammaGamma.p, 3)}, q ${decimal(p.gammaGamma.q, 3)}, v ${decimal(p.gammaGamma.v, 3)}.`
  return [
    ...(p.bgnbd.converged && p.gammaGamma.converged
      ? []
      : [notice('A model fit did not converge: read the predictions with care.', 'warn')]),
    h(
      'div',
      { class: 'tiles', id: 'customers-predicted' },
      tile(
        'Predicted CLV',
        amount(p.total.clv),
        `next ${count(p.horizonMonths)} months, ${percent(p.discountRate)} a month discount`,
      ),
      tile('Per customer', amount(p.total.meanClv), `of ${count(p.total.customers)} customers`),
      tile('Purchase days ahead', decimal(p.total.meanPurchases), 'per customer'),
      tile('Still active', percent(p.total.meanAlive), 'mean P(alive) today'),
      tile('Repeat customers', count(p.repeatCustomers), 'the models learn from'),
    ),
    h('p', { class: 'muted' }, `Fitted on ${count(p.repeatCustomers)} repeat customers: ${fit}`),
  ]
}

/** @param {Customers} d @param {'customers' | 'revenue'} chart @param {(table: string) => void} download */
const segmentsPart = (d, chart, download) => {
  const predicted = new Map(d.predicted?.bySegment.map((s) => [s.segment, s.meanClv]))
  const saveBox = h('div', { id: 'customers-save' })
  const shown = d.segments.filter((s) => s.customers > 0)
  return [
    heading('RFM segments', 'segments', () => download('segments')),
    shown.length
      ? hbarChart({
          title: `${chart === 'revenue' ? 'Revenue' : 'Customers'} by RFM segment`,
          series: [chart === 'revenue' ? 'Revenue' : 'Customers'],
          rows: shown.map((s) => ({ label: s.name, values: [s[chart]] })),
          format: chart === 'revenue' ? amount : count,
        })
      : '',
    scrollBox(
      'Segments table',
      table({
        id: 'customers-segments',
        caption: 'RFM segments',
        columns: [
          'Segment',
          { label: 'Customers', numeric: true },
          { label: 'Share', numeric: true },
          { label: 'Revenue', numeric: true },
          { label: 'Mean days since last order', numeric: true },
          { label: 'Mean orders', numeric: true },
          { label: 'Mean revenue', numeric: true },
          { label: 'Mean R', numeric: true },
          { label: 'Mean F', numeric: true },
          { label: 'Mean M', numeric: true },
          ...(d.predicted ? [{ label: 'Predicted CLV', numeric: true }] : []),
          'As a segment',
        ],
        rows: d.segments.map((s) => [
          s.name,
          count(s.customers),
          percent(s.share),
          amount(s.revenue),
          decimal(s.meanRecencyDays),
          decimal(s.meanOrders),
          amount(s.meanRevenue),
          decimal(s.meanR),
          decimal(s.meanF),
          decimal(s.meanM),
          ...(d.predicted ? [amount(predicted.get(s.segment))] : []),
          saveCell(d, groupToSave(d, s), saveBox),
        ]),
      }),
    ),
    saveBox,
    h('h3', {}, 'Recency × frequency'),
    gridTable(d.grid),
  ]
}

/** @param {Customers} d @param {(table: string) => void} download */
const clustersPart = (d, download) => {
  const c = d.clusters
  const predicted = new Map(d.predicted?.byCluster.map((k) => [k.cluster, k.meanClv]))
  const saveBox = h('div', { id: 'customers-save-cluster' })
  return [
    heading('Clusters', 'clusters', () => download('clusters')),
    h(
      'p',
      { class: 'muted', id: 'customers-clusters-note' },
      c.k === 0
        ? 'No clusters: no customers.'
        : `k-means on recency, orders, revenue and page views: ${count(c.k)} clusters, chosen by the highest silhouette (${decimal(c.silhouette, 4)}${c.sampled ? ', computed on a sample' : ''}). Each row shows its cluster's means.`,
    ),
    scrollBox(
      'Clusters table',
      table({
        id: 'customers-clusters',
        caption: 'Clusters',
        columns: [
          { label: 'Cluster', numeric: true },
          'Description',
          { label: 'Customers', numeric: true },
          { label: 'Days since last order', numeric: true },
          { label: 'Orders', numeric: true },
          { label: 'Revenue', numeric: true },
          { label: 'Page views', numeric: true },
          ...(d.predicted ? [{ label: 'Predicted CLV', numeric: true }] : []),
          'As a segment',
        ],
        rows: c.clusters.map((k) => [
          String(k.cluster),
          k.description,
          count(k.customers),
          decimal(k.centroid.recencyDays),
          decimal(k.centroid.frequency),
          amount(k.centroid.monetary),
          decimal(k.centroid.pageviews),
          ...(d.predicted ? [amount(predicted.get(k.cluster))] : []),
          saveCell(d, clusterToSave(d, k), saveBox),
        ]),
      }),
    ),
    saveBox,
  ]
}

/** @param {Customers} d @param {(table: string) => void} download */
const cohortsPart = (d, download) => {
  const saveBox = h('div', { id: 'customers-save-cohort' })
  return [
    heading('Cohorts', 'cohorts', () => download('cohorts')),
    h(
      'p',
      { class: 'muted' },
      `Customers by the month of their first order (${d.timezone}) and the revenue they brought up to ${d.to}: the lifetime value so far.`,
    ),
    scrollBox(
      'Cohorts table',
      table({
        id: 'customers-cohorts',
        caption: 'Lifetime value by month of first order',
        columns: [
          'First order',
          { label: 'Customers', numeric: true },
          { label: 'Revenue', numeric: true },
          { label: 'Revenue per customer', numeric: true },
          'As a segment',
        ],
        rows: d.cohorts.map((k) => [
          k.cohort,
          count(k.customers),
          amount(k.revenue),
          amount(k.meanRevenue),
          saveCell(d, cohortToSave(d, k), saveBox),
        ]),
      }),
    ),
    saveBox,
  ]
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const zone = ctx.site.timezone ?? 'UTC'
  const state = stateOf()
  const today = dateIn(Date.now(), zone)
  // Only goals that value their events can be orders: an event with a revenue property.
  /** @type {{ goals: { key: string, config: { name?: string, event?: string, revenue?: string } }[] }} */
  const list = await ctx.get(`/admin/api/goals?site=${enc(ctx.site.id)}`)
  if (ctx.signal.aborted) return
  const goals = list.goals.filter((g) => g.config.event !== undefined && g.config.revenue !== undefined)
  ctx.main.append(h('h2', {}, 'Customers'))
  // The API asks for a goal; the first revenue goal is what the KPIs report takes by default.
  const goal = goals.find((g) => g.key === state.get('goal'))?.key ?? goals[0]?.key
  if (goal === undefined) {
    ctx.main.append(
      notice('This site has no goal with a revenue property: customers are the people who reached one.'),
      h('p', {}, h('a', { href: '#/goals' }, 'Goals')),
    )
    return
  }
  const horizon = String(bounded(state.get('horizon'), 1, 36, 12))
  const chart = state.get('chart') === 'revenue' ? 'revenue' : 'customers'
  const query = new URLSearchParams({ site: ctx.site.id, goal, horizon })
  copyKeys(state, query, ['from', 'to'])

  // The dates chosen show while the report loads; the API's dates (its defaults) once it answers.
  const dateInput = (/** @type {'from' | 'to'} */ key) =>
    h('input', {
      id: `customers-${key}`,
      type: 'date',
      max: today,
      value: state.get(key),
      onchange: onChange(key),
    })
  const from = dateInput('from')
  const to = dateInput('to')
  const holder = h('div', { id: 'customers-report', 'aria-busy': 'true' })
  ctx.main.append(
    h(
      'p',
      { class: 'muted' },
      `Customers are the people who reached the goal in the history read, across their devices; their orders are its events. Dates in ${zone}. No person is listed: only groups, counts and means.`,
    ),
    h(
      'div',
      { class: 'controls', id: 'customers-controls' },
      field(
        'customers-goal',
        'Goal',
        select(
          'customers-goal',
          goal,
          goals.map((g) => [g.key, g.config.name ?? g.key]),
        ),
      ),
      field('customers-from', 'From', from),
      field('customers-to', 'To', to),
      field(
        'customers-horizon',
        'CLV horizon (months)',
        numberInput('customers-horizon', horizon, 1, 36, onChange('horizon')),
      ),
      field(
        'customers-chart',
        'Chart',
        select('customers-chart', chart, [
          ['customers', 'Customers'],
          ['revenue', 'Revenue'],
        ]),
      ),
    ),
    holder,
  )

  /** @type {Customers} */
  const d = await ctx.get(`/admin/api/reports/customers?${query}`)
  if (ctx.signal.aborted) return
  from.value = d.from
  to.value = d.to
  // A download asks the same question as the view, with the dates the API answered for.
  const exact = new URLSearchParams({ site: d.site, goal: d.goal, from: d.from, to: d.to, horizon })
  const download = (/** @type {string} */ name) =>
    apiDownload(
      `/admin/api/reports/customers?${exact}&format=csv&table=${name}`,
      `${d.site}-customers-${name}-${d.from}-${d.to}.csv`,
    )
  holder.replaceChildren(
    ...(d.customers === 0 ? [notice(`Nobody reached this goal from ${d.from} to ${d.to}.`)] : []),
    h(
      'div',
      { class: 'tiles', id: 'customers-tiles' },
      tile('Customers', count(d.customers), `${d.from} to ${d.to}`),
      tile('Orders', count(d.orders)),
      tile('Revenue', amount(d.revenue)),
      tile('Repeat rate', percent(d.repeatRate), 'customers with more than one order'),
    ),
    h('h3', {}, 'Predicted lifetime value'),
    ...prediction(d),
    ...segmentsPart(d, chart, download),
    ...clustersPart(d, download),
    ...cohortsPart(d, download),
  )
  holder.setAttribute('aria-busy', 'false')
}
