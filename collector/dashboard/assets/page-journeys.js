// Journeys: the site's list, and one journey's results against its holdout (with intervals, as the
// experiments page draws them) and its entries: what became of each person's run. Every number is
// the results API's: nothing statistical is computed here. The journeys are config items (edited in
// journey-form.js); entries name people only by the collector's pseudonyms.
import { enc } from './api.js'
import { barChart } from './charts.js'
import { h, notice, scrollBox, table } from './dom.js'
import { field, itemPath, listPath, mayEdit, select } from './edit.js'
import { amount, count, interval, percent, points, pValue, signedDecimal, signedPercent } from './format.js'
import { REENTRY } from './journey-form.js'
import { at } from './settings-common.js'

/**
 * @typedef {import('./journey-form.js').Journey} Journey
 * @typedef {import('./journey-form.js').EventMatch} EventMatch
 * @typedef {{ lift: number | null, ci: [number, number] | null, pValue: number | null }} Lift
 * @typedef {{ absolute: Lift, relative: Lift, pValue?: number | null, chanceToWin: number | null }} Comparison
 * @typedef {{
 *   group: 'reached' | 'holdout', entered: number, waiting: number, sent: number, held: number,
 *   exited: number, skipped: number, converted: number, revenue: number, conversionRate: number | null,
 *   conversionCi: [number, number] | null, revenuePerEntry: number | null, revenueCi: [number, number] | null,
 * }} Group
 * @typedef {{
 *   site: string, journey: string, goal: string | null, holdout: number,
 *   groups: { reached: Group, holdout: Group }, conversion: Comparison | null, revenue: Comparison | null,
 *   method: 'sequential' | 'fixed', decided: boolean,
 * }} Results
 * @typedef {{
 *   entryId: string, anonymousId: string | null, userId: string | null, group: string, status: string,
 *   enteredAt: number, dueAt: number, doneAt: number | null, reason: string | null,
 *   convertedAt: number | null, revenue: number,
 * }} Entry
 */

/** @type {[string, string][]} */
const STATUSES = [
  ['', 'Every status'],
  ['waiting', 'Waiting'],
  ['sent', 'Sent'],
  ['held', 'Held out'],
  ['exited', 'Exited'],
  ['skipped', 'Skipped'],
]
/** The newest entries shown. */
const ENTRIES = 100

/** An event rule in words: "Checkout Started (with a condition)". @param {EventMatch | undefined} m */
const eventName = (m) =>
  m ? `${m.event === 'page' ? 'a page view' : m.event}${m.where ? ' (with a condition)' : ''}` : '–'

/** @param {Journey} j */
const messageOf = (j) =>
  j.action ? `${j.action.destination}${j.action.template ? ` · ${j.action.template}` : ''}` : '–'

/** @param {Journey} j */
const stateOf = (j) => (j.enabled === false ? 'paused' : 'enabled')

/** @param {Results} r */
const enteredOf = (r) => r.groups.reached.entered + r.groups.holdout.entered

/** @param {import('./api.js').PageContext} ctx @param {string} key @param {string} [query] */
const resultsPath = (ctx, key, query = '') => itemPath('journeys', key, ctx.site.id, '/results', query)

/** @param {import('./api.js').PageContext} ctx */
export const renderList = async (ctx) => {
  /** @type {{ journeys: { key: string, config: Journey }[] }} */
  const d = await ctx.get(listPath('journeys', ctx.site.id))
  if (ctx.signal.aborted) return
  // Each journey's entries so far; one that cannot be read shows a dash, the rest still show.
  const results = await Promise.all(
    d.journeys.map(({ key }) =>
      ctx
        .get(resultsPath(ctx, key))
        .then((r) => /** @type {Results} */ (r))
        .catch(() => undefined),
    ),
  )
  if (ctx.signal.aborted) return
  const editable = mayEdit('config')
  ctx.main.append(
    h('h2', {}, 'Journeys'),
    h(
      'p',
      { class: 'muted' },
      'When an event happens, wait, unless another comes first, then send a message: an email or an event to a destination. A holdout gets nothing, so each journey’s results say what it changed.',
    ),
    editable ? h('p', { class: 'toolbar' }, h('a', { href: '#/journeys/new' }, 'New journey')) : '',
    d.journeys.length === 0 ? notice('This site has no journeys yet.') : '',
    scrollBox(
      'Journeys',
      table({
        caption: 'Journeys',
        columns: [
          'Journey',
          'Trigger',
          'Delay',
          'Unless',
          'Message',
          'Goal',
          { label: 'Holdout', numeric: true },
          'State',
          { label: 'Entered', numeric: true },
          'Changes',
        ],
        rows: d.journeys.map(({ key, config: j }, i) => [
          h(
            'a',
            { href: `#/journeys/${enc(key)}` },
            j.name ?? key,
            j.name ? h('span', { class: 'muted' }, ` (${key})`) : '',
          ),
          eventName(j.trigger),
          j.delay ?? '',
          eventName(j.unless),
          messageOf(j),
          j.goal ?? '–',
          percent(j.holdout ?? 0.1, 0),
          stateOf(j),
          count(results[i] ? enteredOf(results[i]) : undefined),
          h(
            'span',
            { class: 'item-links' },
            editable && h('a', { href: `#/journeys/${enc(key)}/edit`, 'aria-label': `Edit ${key}` }, 'Edit'),
            h('a', { href: `#/history/journeys/${enc(key)}`, 'aria-label': `History of ${key}` }, 'History'),
          ),
        ]),
      }),
    ),
  )
}

/** What the journey is, as saved. @param {Journey} j */
const settingsView = (j) => {
  /** @type {[string, string][]} */
  const rows = [
    ['Name', j.name ?? '–'],
    ['State', j.enabled === false ? 'paused: nobody new enters; waiting entries still go' : 'enabled'],
    ['Trigger', eventName(j.trigger)],
    ['Segment', j.segment ? `${j.segment.in === false ? 'not in' : 'in'} ${j.segment.key}` : 'anyone'],
    ['Delay', j.delay ?? ''],
    ['Unless', j.unless ? eventName(j.unless) : 'nothing ends it early'],
    ['Message', messageOf(j)],
    ['Goal', j.goal ? `${j.goal}, within ${j.goalWindow ?? '7d'}` : 'none: not measured'],
    ['Holdout', percent(j.holdout ?? 0.1, 0)],
    ['Re-entry', REENTRY.find(([v]) => v === (j.reentry ?? 'again'))?.[1] ?? ''],
  ]
  return h(
    'dl',
    { class: 'keys', id: 'journey-settings' },
    ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  )
}

/** What the reader may do with these results now, in words: the API's `decided`. @param {Results} r */
const verdictView = (r) => {
  const said = (/** @type {string} */ text, /** @type {string} */ kind) =>
    h('p', { class: `notice ${kind}`, id: 'journey-verdict', role: 'status' }, text)
  if (!r.goal)
    return said(
      'This journey has no goal: its entries are counted, but there is nothing to compare. Give it a goal to measure it.',
      '',
    )
  if (enteredOf(r) === 0) return said('Nobody has entered this journey yet.', '')
  if (r.method === 'fixed')
    return said(
      'Fixed-horizon test: read it once, at the number of entries you planned. Looking daily and stopping at the first significant result inflates false positives; the sequential method (the default) allows it.',
      'notice-warn',
    )
  const better = (r.conversion?.absolute.lift ?? 0) > 0
  return r.decided
    ? said(
        `Sequential test: people who got the message reach the goal ${better ? 'more' : 'less'} often than the held-out ones, at 95% confidence. This interval holds at every look, so you may act on it now${better ? '' : ': the message does harm'}.`,
        better ? 'notice-ok' : 'notice-warn',
      )
    : said(
        'Sequential test: no difference from the holdout yet. Keep it running; this interval holds at every look, so checking daily is safe.',
        '',
      )
}

/**
 * A value and its interval: "2.50% [1.00%, 5.00%]"; the value alone without one.
 * @param {number | null} value @param {[number, number] | null} ci @param {(x: number | null | undefined) => string} format
 */
const withCi = (value, ci, format) => (ci ? `${format(value)} ${interval(ci, format)}` : format(value))

/** The two groups side by side, and the lift of the reached over the held out. @param {Results} r */
const resultsView = (r) => {
  const groups = [r.groups.reached, r.groups.holdout]
  const name = (/** @type {Group} */ g) => (g.group === 'reached' ? 'Reached' : 'Held out')
  const rate = (/** @type {number | null | undefined} */ x) => percent(x, 2)
  const money = (/** @type {number | null | undefined} */ x) => amount(x)
  const parts = [
    verdictView(r),
    scrollBox(
      'Reached and held out',
      table({
        caption: 'Reached and held out',
        columns: [
          'Group',
          { label: 'Entered', numeric: true },
          { label: 'Waiting', numeric: true },
          { label: 'Sent', numeric: true },
          { label: 'Held', numeric: true },
          { label: 'Exited', numeric: true },
          { label: 'Skipped', numeric: true },
          { label: 'Converted', numeric: true },
          { label: 'Conversion rate (95%)', numeric: true },
          { label: 'Revenue per entry (95%)', numeric: true },
        ],
        rows: groups.map((g) => [
          name(g),
          count(g.entered),
          count(g.waiting),
          count(g.sent),
          count(g.held),
          count(g.exited),
          count(g.skipped),
          count(g.converted),
          withCi(g.conversionRate, g.conversionCi, rate),
          withCi(g.revenuePerEntry, g.revenueCi, money),
        ]),
      }),
    ),
  ]
  const { conversion, revenue } = r
  if (!conversion || !revenue) return parts
  if (conversion.absolute.lift === null)
    return [...parts, notice('Too few entries in one of the groups to compare them yet.')]
  /** @type {[string, Comparison, (x: number | null | undefined) => string][]} */
  const measures = [
    ['Conversion rate', conversion, (x) => points(x)],
    ['Revenue per entry', revenue, (x) => signedDecimal(x)],
  ]
  return [
    ...parts,
    barChart({
      title: `Relative lift of the reached over the held out (95% intervals)`,
      bars: measures.map(([label, c]) => ({ label, value: c.relative.lift, ci: c.relative.ci })),
      format: (x) => signedPercent(x),
    }),
    scrollBox(
      'Lift over the holdout',
      table({
        caption: 'Lift over the holdout',
        columns: [
          'Measure',
          { label: 'Absolute lift', numeric: true },
          { label: '95% interval', numeric: true },
          { label: 'Relative lift', numeric: true },
          { label: 'Relative 95% interval', numeric: true },
          { label: 'p', numeric: true },
          { label: 'Chance to win', numeric: true },
        ],
        rows: measures.map(([label, c, absolute]) => [
          label,
          absolute(c.absolute.lift),
          interval(c.absolute.ci, absolute),
          signedPercent(c.relative.lift),
          interval(c.relative.ci, (x) => signedPercent(x)),
          pValue(c.pValue ?? c.absolute.pValue),
          percent(c.chanceToWin),
        ]),
      }),
    ),
  ]
}

/** @param {Entry[]} entries @param {string} zone */
const entriesTable = (entries, zone) =>
  scrollBox(
    'Entries',
    table({
      caption: 'Entries',
      columns: [
        'Entry',
        'Person',
        'Group',
        'Status',
        'Entered',
        'Due',
        'Done',
        'Reason',
        'Converted',
        { label: 'Revenue', numeric: true },
      ],
      rows: entries.map((e) => [
        h('code', {}, e.entryId),
        h('code', {}, e.userId ?? e.anonymousId ?? '–'),
        e.group === 'holdout' ? 'held out' : e.group,
        e.status,
        at(e.enteredAt, zone),
        at(e.dueAt, zone),
        at(e.doneAt, zone),
        e.reason ?? '',
        at(e.convertedAt, zone),
        e.convertedAt === null ? '–' : amount(e.revenue),
      ]),
    }),
  )

/** @param {import('./api.js').PageContext} ctx */
export const renderOne = async (ctx) => {
  const key = ctx.params[0] ?? ''
  const editable = mayEdit('config')
  ctx.main.append(
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: '#/journeys' }, '← All journeys'),
      editable && h('a', { href: `#/journeys/${enc(key)}/edit` }, 'Edit'),
      h('a', { href: `#/history/journeys/${enc(key)}` }, 'Change history'),
    ),
  )
  /** @type {{ config: Journey }} */
  const item = await ctx.get(itemPath('journeys', key, ctx.site.id))
  if (ctx.signal.aborted) return
  const zone = ctx.site.timezone ?? 'UTC'
  const method = select(
    'method',
    [
      ['sequential', 'Sequential: valid at every look'],
      ['fixed', 'Fixed horizon: read once'],
    ],
    'sequential',
  )
  const status = select('status', STATUSES, '')
  const results = h('div', { id: 'journey-results' })
  const entries = h('div', { id: 'journey-entries' })

  const loadResults = async () => {
    /** @type {Results} */
    const r = await ctx.get(resultsPath(ctx, key, `&method=${enc(method.value)}`))
    if (!ctx.signal.aborted) results.replaceChildren(...resultsView(r))
  }
  const loadEntries = async () => {
    const query = `${status.value ? `&status=${enc(status.value)}` : ''}&limit=${ENTRIES}`
    /** @type {{ entries: Entry[] }} */
    const d = await ctx.get(itemPath('journeys', key, ctx.site.id, '/entries', query))
    if (!ctx.signal.aborted) entries.replaceChildren(entriesTable(d.entries, zone))
  }
  /** A part drawn again on a change of its control; a failure shows in its place. @param {HTMLElement} part @param {() => Promise<void>} load */
  const again = (part, load) => () => {
    part.setAttribute('aria-busy', 'true')
    load()
      .catch((err) => {
        if (!ctx.signal.aborted)
          part.replaceChildren(notice(err instanceof Error ? err.message : String(err), 'error'))
      })
      .finally(() => part.setAttribute('aria-busy', 'false'))
  }
  method.addEventListener('change', again(results, loadResults))
  status.addEventListener('change', again(entries, loadEntries))
  await Promise.all([loadResults(), loadEntries()])
  if (ctx.signal.aborted) return
  ctx.main.append(
    h('h2', {}, item.config.name ?? `Journey ${key}`),
    settingsView(item.config),
    h('h3', {}, 'Results'),
    h(
      'p',
      { class: 'muted' },
      'Every entry counts in the group it was put in when it entered, even one that ended early. Conversions are the goal reached within its window after entering.',
    ),
    h('div', { class: 'controls' }, field('Method', method)),
    results,
    h('h3', {}, 'Entries'),
    h(
      'p',
      { class: 'muted' },
      `The newest ${ENTRIES}, people by the collector’s pseudonyms; times in ${zone}.`,
    ),
    h('div', { class: 'controls' }, field('Status', status)),
    entries,
  )
}
