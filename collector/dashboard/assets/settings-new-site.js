// A new site (owners): its id, name, time zone and allowed origins. The collector makes its keys
// and shows them once, in the answer; this shows them with the snippet for the site's pages, and
// reloads the dashboard when the person says they copied them (the site picker then knows it).
import { apiCall } from './api.js'
import { h } from './dom.js'
import { compact, editForm, field, input, mayEdit, textOf } from './edit.js'
import { linesOf, part, secretField } from './settings-common.js'
import { originsInput, timezoneInput } from './settings-site.js'

/** The snippet's inline lines, as in the README (test/e2e/dashboard-settings.spec.ts compares them). */
const INLINE = [
  'window.precis=window.precis||new Proxy({q:[]},{get:(t,k)=>t[k]||(t[k]=(...a)=>{t.q.push([k,a,Date.now()])})});',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the snippet's own template literal, as text
  "(d=>{try{const c=JSON.parse(localStorage.getItem('precis.personalize'));if(!c.hide.length)return;const e=new CSSStyleSheet;e.precisHide=!0;e.replaceSync(`${c.hide.map(s=>`${s}:not([data-precis-ready])`)}{visibility:hidden}`);d.adoptedStyleSheets=[...d.adoptedStyleSheets,e];setTimeout(()=>d.adoptedStyleSheets=d.adoptedStyleSheets.filter(x=>x!==e),c.timeout)}catch{}})(document);",
]

/** The site picker's choice, kept by main.js under this name: the new site is picked after the reload. */
const PICKED_SITE = 'precis.admin.site'

/** What the site's pages paste into <head>. @param {string} origin the collector's @param {string} site */
export const snippet = (origin, site) =>
  `<script>\n${INLINE.join('\n')}\n</script>\n<script async src="${origin}/p.js" data-site="${site}"></script>`

/**
 * The keys and the snippet of a site just made, shown this once.
 * @param {{ site: string, version: number, writeKey: string, serverKey: string }} made
 */
const createdView = (made) => {
  const title = h('h4', { tabindex: '-1' }, `Site ${made.site} created`)
  const done = h('button', { type: 'button' }, 'Done, I copied the keys')
  done.addEventListener('click', () => {
    sessionStorage.setItem(PICKED_SITE, made.site)
    location.reload()
  })
  const view = h(
    'div',
    { class: 'created', id: 'new-site-created' },
    title,
    h(
      'div',
      { class: 'notice notice-warn once', role: 'alert' },
      h('p', {}, 'Copy both keys now: the server key is not shown again.'),
      h(
        'p',
        {},
        'The write key is public (pages get it with the config). The server key is for your servers only (Segment libraries send it): never put it in a page.',
      ),
    ),
    secretField('Write key', made.writeKey, 'new-site-write-key'),
    secretField('Server key', made.serverKey, 'new-site-server-key'),
    secretField(
      'Snippet for every page, in <head>',
      snippet(location.origin, made.site),
      'new-site-snippet',
      true,
    ),
    h(
      'p',
      { class: 'hint' },
      'Under a Content-Security-Policy, the page needs the snippet\'s hash or a nonce: see docs/site-owners.md, "Content-Security-Policy". Events arrive once the pages are on an allowed origin.',
    ),
    h('div', { class: 'actions' }, done),
  )
  return { view, title }
}

/** @param {import('./api.js').PageContext} _ctx */
export const newSitePart = (_ctx) => {
  if (!mayEdit('sites')) return ''
  const f = {
    id: input('id', '', {
      required: true,
      maxlength: '64',
      pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
      autocomplete: 'off',
      spellcheck: 'false',
    }),
    name: input('name', '', { maxlength: '200' }),
    timezone: timezoneInput(''),
    origins: originsInput([]),
  }
  const box = h('div', {})
  const form = editForm({
    label: 'New site',
    submit: 'Create the site',
    children: [
      h(
        'div',
        { class: 'repeat-row' },
        field(
          'Id',
          f.id,
          '1–64 lowercase letters, digits, "-" or "_"; the snippet names it, and it never changes.',
        ),
        field('Name', f.name, 'Shown in the site picker.'),
      ),
      field('Time zone', f.timezone, 'An IANA name like Europe/Berlin; empty: UTC.'),
      field(
        'Allowed origins',
        f.origins,
        'One a line, like https://shop.example: pages there may send events.',
      ),
    ],
    save: () => {
      /** @type {Promise<{ body: { site: string, version: number, writeKey: string, serverKey: string }, etag: string | null }>} */
      const saving = apiCall(
        'POST',
        '/admin/api/sites',
        compact({
          id: f.id.value.trim(),
          name: textOf(f.name),
          timezone: textOf(f.timezone),
          allowedOrigins: linesOf(f.origins),
        }),
      )
      return saving
    },
    saved: ({ body }) => {
      const { view, title } = createdView(body)
      box.replaceChildren(view)
      title.focus()
    },
  })
  box.append(form)
  return part(
    'new-site',
    'New site',
    h(
      'p',
      { class: 'muted' },
      'The collector makes its keys and shows them once, here, with the snippet for its pages.',
    ),
    box,
  )
}
