// The change history of one config item (an experiment, segment, slot, goal, the consent section
// or a site's settings): each version that changed it, who saved it and when, what changed, and a
// restore that saves the old item as the newest version (nothing is ever rewritten).
import { apiCall, enc } from './api.js'
import { h, notice, table } from './dom.js'
import { itemLinks, mayEdit, problemView } from './edit.js'
import { when } from './format.js'

/**
 * @typedef {{ path: string, before?: unknown, after?: unknown }} Change
 * @typedef {{ version: number, author: string, createdAt: number, note: string | null, changes: Change[] }} Version
 */

/** Where an item's history lives, its page and who may restore it. @param {string} resource @param {string | undefined} key @param {string} site */
const placeOf = (resource, key, site) => {
  const s = `site=${enc(site)}`
  if (resource === 'consent')
    return {
      api: '/admin/api/consent',
      query: s,
      back: '#/settings',
      title: 'Consent texts and services',
      writer: /** @type {const} */ ('consent'),
    }
  if (resource === 'sites')
    return {
      api: `/admin/api/sites/${enc(key ?? '')}`,
      query: '',
      back: '#/settings',
      title: `Site ${key}`,
      writer: /** @type {const} */ ('sites'),
    }
  const back = resource === 'goals' ? '#/goals' : `#/${resource}/${enc(key ?? '')}`
  return {
    api: `/admin/api/${resource}/${enc(key ?? '')}`,
    query: s,
    back,
    title: `${resource.replace(/s$/, '')} ${key}`,
    writer: /** @type {const} */ ('config'),
  }
}

/** A value in a diff cell: short JSON, absent as a dash. @param {unknown} v */
const valueCell = (v) =>
  v === undefined ? h('span', { class: 'muted' }, '—') : h('code', { class: 'diff' }, JSON.stringify(v))

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const [resource = '', key] = ctx.params
  const place = placeOf(resource, key, ctx.site.id)
  const q = (/** @type {string} */ path) => `${path}${place.query ? `?${place.query}` : ''}`
  /** @type {{ versions: Version[] }} */
  const d = await ctx.get(q(`${place.api}/versions`))
  if (ctx.signal.aborted) return
  const status = h('div', { class: 'form-status' })
  const restore = async (/** @type {number} */ version) => {
    status.replaceChildren()
    try {
      // Restore against the version saved now: a stale page gets the 412 message, never an overwrite.
      const { etag } = await apiCall('GET', q(place.api), undefined, { signal: ctx.signal })
      await apiCall('POST', q(`${place.api}/versions/${version}/restore`), undefined, { ifMatch: etag })
      ctx.main.replaceChildren()
      await render(ctx)
      ctx.main
        .querySelector('.form-status')
        ?.append(notice(`Version ${version} restored as the newest version.`))
    } catch (err) {
      status.replaceChildren(problemView(err))
    }
  }
  const [newest] = d.versions
  ctx.main.append(
    h('h2', {}, `Change history: ${place.title}`),
    itemLinks(place.back),
    status,
    d.versions.length === 0 ? notice('No versions yet.') : '',
    ...d.versions.map((v) =>
      h(
        'section',
        { class: 'version', 'aria-labelledby': `v-${v.version}` },
        h('h3', { id: `v-${v.version}` }, `Version ${v.version}`, v === newest ? ' (now)' : ''),
        h(
          'p',
          { class: 'muted' },
          `${when(new Date(v.createdAt).toISOString(), ctx.site.timezone)} by ${v.author}`,
          v.note ? ` · ${v.note}` : '',
        ),
        h(
          'div',
          { class: 'table-wrap' },
          table({
            caption: `What changed in version ${v.version}`,
            columns: ['Where', 'Before', 'After'],
            rows: v.changes.map((c) => [
              h('code', {}, c.path || '(all)'),
              valueCell(c.before),
              valueCell(c.after),
            ]),
          }),
        ),
        v !== newest && mayEdit(place.writer) && !removed(v)
          ? h(
              'button',
              { type: 'button', onclick: () => void restore(v.version) },
              `Restore version ${v.version}`,
            )
          : '',
      ),
    ),
  )
}

/** The version deleted the item: there is nothing in it to restore. @param {Version} v */
const removed = (v) => v.changes.length === 1 && v.changes[0]?.path === '' && v.changes[0].after === undefined
