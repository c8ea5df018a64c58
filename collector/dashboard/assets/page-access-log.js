// The access log: every admin read of personal data (profile views, exports, erasures, raw events,
// consent records) with who and when, for privacy officers and owners. Identifiers show as the
// digest the log keeps, never in clear.
import { enc } from './api.js'
import { h, notice, table } from './dom.js'
import { at } from './settings-common.js'

/**
 * @typedef {{ at: number, actor: string, action: string, site: string, subject: string | null }} Entry
 */

/** What each action means, in words. */
const ACTIONS = /** @type {Record<string, string>} */ ({
  'profile.view': 'viewed a profile',
  'profile.export': 'exported a profile',
  'profile.erase': 'erased a profile',
  'events.list': 'listed raw events',
  'consent.read': 'read a consent record',
})

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  /** @type {{ entries: Entry[] }} */
  const d = await ctx.get(`/admin/api/access-log?site=${enc(ctx.site.id)}&limit=500`)
  if (ctx.signal.aborted) return
  ctx.main.append(
    h('h2', {}, 'Access log'),
    h(
      'p',
      { class: 'muted' },
      'Every read of personal data on the admin side, newest first (the last 500). The person asked for is kept only as a digest, so an erasure leaves nothing behind here.',
    ),
    d.entries.length === 0 ? notice('No one has read personal data of this site yet.') : '',
    h(
      'div',
      { class: 'table-wrap' },
      table({
        caption: 'Reads of personal data',
        columns: ['When', 'Who', 'What', 'Subject (digest)'],
        rows: d.entries.map((e) => [
          at(e.at, ctx.site.timezone),
          e.actor,
          ACTIONS[e.action] ?? e.action,
          e.subject ? h('code', {}, e.subject) : '',
        ]),
      }),
    ),
  )
}
