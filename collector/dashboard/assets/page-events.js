// Live events: the site's newest events, refreshed every few seconds.
import { enc } from './api.js'
import { h, notice, table } from './dom.js'
import { ago, clock, count } from './format.js'

/**
 * @typedef {{
 *   type: string, messageId: string, event?: string, name?: string, userId?: string,
 *   anonymousId?: string, timestamp: string, receivedAt: string,
 *   properties?: unknown, traits?: unknown,
 * }} ApiEvent
 * @typedef {{ site: string, total: number, events: ApiEvent[] }} EventsAnswer
 */

export const REFRESH_MS = 3000
const LIMIT = 100
const WINDOWS = [
  { label: 'Last 5 minutes', ms: 5 * 60_000 },
  { label: 'Last 15 minutes', ms: 15 * 60_000 },
  { label: 'Last hour', ms: 60 * 60_000 },
  { label: 'Newest 100, any time', ms: Number.POSITIVE_INFINITY },
]

/**
 * The event's body as indented JSON text, in a disclosure that stays open across refreshes.
 * @param {ApiEvent} e @param {Set<string>} open
 */
const details = (e, open) => {
  const body = {
    ...(e.properties === undefined ? {} : { properties: e.properties }),
    ...(e.traits === undefined ? {} : { traits: e.traits }),
  }
  if (Object.keys(body).length === 0) return ''
  const el = h(
    'details',
    { open: open.has(e.messageId) },
    h('summary', {}, 'Data'),
    h('pre', {}, JSON.stringify(body, null, 2)),
  )
  el.addEventListener('toggle', () => (el.open ? open.add(e.messageId) : open.delete(e.messageId)))
  return el
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const open = new Set()
  let windowMs = /** @type {number} */ (WINDOWS[1]?.ms)
  const select = h(
    'select',
    { id: 'events-window' },
    ...WINDOWS.map((w) => h('option', { value: String(w.ms), selected: w.ms === windowMs }, w.label)),
  )
  const status = h('p', { class: 'muted', id: 'events-status' })
  const holder = h('div', { class: 'table-wrap' })
  ctx.main.append(
    h('h2', {}, 'Live events'),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'events-window' }, 'Show'),
      select,
      h('span', { class: 'muted' }, `refreshes every ${REFRESH_MS / 1000} s`),
    ),
    status,
    holder,
  )
  /** @type {EventsAnswer | undefined} */
  let last
  const draw = () => {
    if (!last) return
    const now = Date.now()
    const shown = last.events.filter((e) => now - Date.parse(e.receivedAt) <= windowMs)
    status.textContent = `${count(shown.length)} shown of the newest ${count(last.events.length)}; ${count(last.total)} stored in all. Updated ${clock(new Date(now).toISOString())} UTC.`
    holder.replaceChildren(
      table({
        caption: 'Newest events',
        id: 'events-table',
        columns: ['Received (UTC)', 'Type', 'Name', 'User id', 'Anonymous id', 'Message id', 'Data'],
        rows: shown.map((e) => [
          h(
            'time',
            { datetime: e.receivedAt, title: `event time ${e.timestamp}` },
            clock(e.receivedAt),
            h('span', { class: 'muted' }, ` ${ago(now - Date.parse(e.receivedAt))}`),
          ),
          e.type,
          e.event ?? e.name ?? '',
          e.userId ?? '',
          e.anonymousId ?? '',
          h('code', {}, e.messageId),
          details(e, open),
        ]),
      }),
    )
  }
  const load = async () => {
    last = await ctx.get(`/admin/api/events?site=${enc(ctx.site.id)}&limit=${LIMIT}`)
    if (!ctx.signal.aborted) draw()
  }
  select.addEventListener('change', () => {
    windowMs = Number(select.value)
    draw()
  })
  await load()
  if (last?.total === 0) ctx.main.append(notice('No events stored for this site yet.'))
  ctx.every(REFRESH_MS, load)
}
