// Segment sizes: profiles in each segment now (server-side) and browsers that reported it.
import { enc } from './api.js'
import { hbarChart } from './charts.js'
import { h, notice, table } from './dom.js'
import { mayEdit } from './edit.js'
import { count, when } from './format.js'

/**
 * @typedef {{ key: string, name: string, profiles: number, visitors7d: number }} Segment
 * @typedef {{ site: string, segments: Segment[], profilesScanned: number, evaluatedAt: string }} SegmentsAnswer
 */

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  ctx.main.append(
    h('h2', {}, 'Segments'),
    h('p', { class: 'muted' }, 'Evaluating every profile: this takes a moment on a big site.'),
  )
  /** @type {SegmentsAnswer} */
  const d = await ctx.get(`/admin/api/sites/${enc(ctx.site.id)}/segments`)
  if (ctx.signal.aborted) return
  const editable = mayEdit('config')
  /** @param {string} key */
  const links = (key) =>
    h(
      'span',
      { class: 'item-links' },
      editable && h('a', { href: `#/segments/${enc(key)}/edit`, 'aria-label': `Edit ${key}` }, 'Edit'),
      h('a', { href: `#/history/segments/${enc(key)}`, 'aria-label': `History of ${key}` }, 'History'),
    )
  ctx.main.replaceChildren(
    h('h2', {}, 'Segments'),
    editable ? h('p', { class: 'toolbar' }, h('a', { href: '#/segments/new' }, 'New segment')) : '',
    h(
      'p',
      { class: 'muted', id: 'segments-note' },
      `${count(d.profilesScanned)} profiles evaluated ${when(d.evaluatedAt, ctx.site.timezone)}.`,
    ),
    d.segments.length === 0
      ? notice('This site has no segments in its config.')
      : hbarChart({
          title: 'Segment sizes',
          rows: d.segments.map((s) => ({ label: s.name, values: [s.profiles, s.visitors7d] })),
          series: ['Profiles', 'Visitors, 7 days'],
          format: (x) => count(Math.round(x)),
        }),
    h(
      'div',
      { class: 'table-wrap' },
      table({
        caption: 'Segment sizes',
        columns: [
          'Segment',
          'Key',
          { label: 'Profiles', numeric: true },
          { label: 'Visitors, 7 days', numeric: true },
          'Changes',
        ],
        rows: d.segments.map((s) => [
          s.name,
          h('code', {}, s.key),
          count(s.profiles),
          count(s.visitors7d),
          links(s.key),
        ]),
      }),
    ),
  )
}
