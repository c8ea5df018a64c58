// Personalized slots: each group's visitors, clicks, conversions and lift against the holdout, and
// how many impressions came late.
import { enc } from './api.js'
import { barChart } from './charts.js'
import { h, notice, table } from './dom.js'
import { mayEdit } from './edit.js'
import { count, percent, points, signedPercent, when } from './format.js'
import { slotLateCell, slotLateNote } from './late.js'

/**
 * @typedef {{
 *   group: string, kind: string, impressions: number, late?: number, visitors: number, clicks: number,
 *   conversions: number | null, conversionRate: number | null, ci?: [number, number] | null,
 *   lift?: { absolute: number, relative: number | null } | null,
 * }} Group
 * @typedef {{ site: string, slot: string, goal: string | null, holdout: number, groups: Group[], evaluatedAt: string }} SlotAnswer
 */

/** @param {import('./api.js').PageContext} ctx */
export const renderList = async (ctx) => {
  // Asked each time: a slot made a moment ago is in the list without reloading the page.
  /** @type {{ slots: { key: string }[] }} */
  const d = await ctx.get(`/admin/api/slots?site=${enc(ctx.site.id)}`)
  if (ctx.signal.aborted) return
  ctx.main.append(
    h('h2', {}, 'Slots'),
    mayEdit('config') ? h('p', { class: 'toolbar' }, h('a', { href: '#/slots/new' }, 'New slot')) : '',
    d.slots.length === 0
      ? notice('This site has no personalized slots yet.')
      : h(
          'ul',
          { class: 'links' },
          ...d.slots.map(({ key }) => h('li', {}, h('a', { href: `#/slots/${enc(key)}` }, key))),
        ),
  )
}

/** @param {import('./api.js').PageContext} ctx */
export const renderOne = async (ctx) => {
  const slot = ctx.params[0] ?? ''
  ctx.main.append(
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: '#/slots' }, '← All slots'),
      mayEdit('config') && h('a', { href: `#/slots/${enc(slot)}/edit` }, 'Edit'),
      h('a', { href: `#/history/slots/${enc(slot)}` }, 'Change history'),
    ),
  )
  /** @type {SlotAnswer} */
  const r = await ctx.get(`/admin/api/sites/${enc(ctx.site.id)}/slots/${enc(slot)}/results`)
  if (ctx.signal.aborted) return
  const rated = r.groups.filter((g) => g.conversionRate !== null)
  ctx.main.append(
    h('h2', {}, `Slot ${r.slot}`),
    h(
      'p',
      { class: 'muted' },
      `Goal: ${r.goal ?? 'none'}; holdout ${percent(r.holdout)}; evaluated ${when(r.evaluatedAt, ctx.site.timezone)}. People count in the group of their first impression.`,
    ),
    rated.length
      ? barChart({
          title: `Conversion rate by group (${r.goal}, 95% intervals)`,
          bars: rated.map((g) => ({
            label: g.group,
            value: /** @type {number} */ (g.conversionRate),
            ci: g.ci ?? null,
          })),
          format: (x) => percent(x),
        })
      : notice(r.goal ? 'No visitors yet.' : 'This slot has no goal: no conversion rates.'),
    table({
      caption: `Slot ${r.slot}: results`,
      columns: [
        'Group',
        'Kind',
        ...[
          'Impressions',
          'Came late',
          'Visitors',
          'Clicks',
          'Conversions',
          'Conversion rate',
          'Lift (absolute)',
          'Lift (relative)',
        ].map((label) => ({ label, numeric: true })),
      ],
      rows: r.groups.map((g) => [
        g.group,
        g.kind,
        count(g.impressions),
        slotLateCell(g),
        count(g.visitors),
        count(g.clicks),
        count(g.conversions),
        percent(g.conversionRate),
        points(g.lift?.absolute),
        signedPercent(g.lift?.relative),
      ]),
    }),
    slotLateNote(r.groups),
  )
}
