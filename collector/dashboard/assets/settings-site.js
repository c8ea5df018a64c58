// A site's settings (GET /admin/api/sites/:id: no experiments, goals, segments, slots, consent or
// secret keys): its name, time zone, allowed origins, retention, what the collector keeps from
// requests and its rate limits, saved whole (PUT) against the version they were loaded at; and its
// keys, rotated with an overlap in which the old one still works. Owners only change them.
import { apiCall, enc } from './api.js'
import { h } from './dom.js'
import {
  checkbox,
  compact,
  editForm,
  field,
  input,
  mayEdit,
  numberOf,
  problemView,
  select,
  textarea,
  textOf,
} from './edit.js'
import { asLines, at, linesOf, part, readOnly, savedNotice, secretField } from './settings-common.js'

/**
 * @typedef {Record<string, unknown>} Json
 * @typedef {{ site: string, version: number, config: Json, hasServerKey?: boolean }} SiteAnswer
 */

/** @param {unknown} v @returns {Json} */
const obj = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? /** @type {Json} */ (v) : {})

/** The IANA zones this browser knows: the time zone fields' suggestions (once a page). */
export const zones = () => {
  const list = h('datalist', { id: 'timezones' })
  try {
    list.append(...Intl.supportedValuesOf('timeZone').map((zone) => h('option', { value: zone })))
  } catch {
    // An older browser: the field takes any name, and the collector checks it.
  }
  return list
}

/** The time zone field, with the zones as suggestions. @param {unknown} value */
export const timezoneInput = (value) =>
  input('timezone', value, {
    list: 'timezones',
    placeholder: 'UTC',
    autocomplete: 'off',
    spellcheck: 'false',
  })

/** The allowed origins as a text area, one a line. @param {unknown} value */
export const originsInput = (value) =>
  textarea('allowedOrigins', asLines(value), {
    rows: '3',
    spellcheck: 'false',
    placeholder: 'https://shop.example',
  })

const ORIGINS_HINT =
  'One a line, like https://shop.example (scheme, host, port if any; no path): pages there may load the config and send events.'
const TIMEZONE_HINT =
  'An IANA name like Europe/Berlin or Asia/Shanghai: the dashboard shows times in it. Empty: UTC.'

/** A number field with the schema's default as placeholder. @param {string} name @param {unknown} value @param {number} min @param {number} max @param {number} fallback */
const numberInput = (name, value, min, max, fallback) =>
  input(name, value, { type: 'number', min: String(min), max: String(max), placeholder: String(fallback) })

/**
 * The settings form. What it does not show (identity rules, fields a newer schema adds) goes back
 * as it was loaded.
 * @param {Json} config
 */
const settingsFields = (config) => {
  const enrichment = obj(config.enrichment)
  const geo = obj(enrichment.geoHeaders)
  const limits = obj(config.rateLimit)
  const perIp = obj(limits.perIp)
  const perSite = obj(limits.perSite)
  const f = {
    name: input('name', config.name, { maxlength: '200' }),
    timezone: timezoneInput(config.timezone),
    origins: originsInput(config.allowedOrigins),
    retention: numberInput('retentionDays', config.retentionDays, 1, 3650, 395),
    consentRetention: numberInput('consentRetentionDays', config.consentRetentionDays, 30, 7300, 1825),
    bots: select(
      'bots',
      [
        ['flag', 'Keep them, marked as bots'],
        ['drop', 'Refuse them'],
      ],
      String(enrichment.bots ?? 'flag'),
    ),
    ip: select(
      'ip',
      [
        ['truncate', 'Keep the network only (IPv4 /24, IPv6 /48)'],
        ['discard', 'Keep none'],
      ],
      String(enrichment.ip ?? 'truncate'),
    ),
    trustProxy: checkbox(
      'trustProxy',
      enrichment.trustProxy === true,
      'The collector runs behind a proxy of ours: believe its X-Forwarded-For and geo headers',
    ),
    country: input('geoCountry', geo.country, { placeholder: 'cf-ipcountry', spellcheck: 'false' }),
    region: input('geoRegion', geo.region, { spellcheck: 'false' }),
    ipRate: numberInput('perIpPerSecond', perIp.perSecond, 0, 1_000_000, 1000),
    ipBurst: numberInput('perIpBurst', perIp.burst, 1, 10_000_000, 2000),
    siteRate: numberInput('perSitePerSecond', perSite.perSecond, 0, 1_000_000, 5000),
    siteBurst: numberInput('perSiteBurst', perSite.burst, 1, 10_000_000, 10000),
  }
  const trust = /** @type {HTMLInputElement} */ (f.trustProxy.querySelector('input'))
  const children = [
    h(
      'div',
      { class: 'repeat-row' },
      field('Name', f.name, 'Shown in the site picker.'),
      field('Time zone', f.timezone, TIMEZONE_HINT),
    ),
    field('Allowed origins', f.origins, ORIGINS_HINT),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Retention'),
      h(
        'div',
        { class: 'repeat-row' },
        field('Events and profiles (days)', f.retention, 'Deleted after this; empty: 395 (13 months).'),
        field('Consent records (days)', f.consentRetention, 'Proof of consent; empty: 1825 (5 years).'),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'What the collector keeps from requests'),
      h('div', { class: 'repeat-row' }, field('Bots and crawlers', f.bots), field('IP address', f.ip)),
      f.trustProxy,
      h(
        'div',
        { class: 'repeat-row' },
        field('Country header', f.country, 'Set by your proxy; needs the proxy above.'),
        field('Region header', f.region),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Rate limits'),
      h(
        'div',
        { class: 'repeat-row' },
        field('Per address: requests a second', f.ipRate),
        field('Per address: burst', f.ipBurst),
        field('Whole site: requests a second', f.siteRate),
        field('Whole site: burst', f.siteBurst),
      ),
    ),
  ]
  /** The settings to save. @returns {Json} */
  const value = () => {
    const { writeKey: _, ...rest } = config
    const country = textOf(f.country)
    const region = textOf(f.region)
    /** @param {number | undefined} perSecond @param {number | undefined} burst @param {Json} before */
    const rate = (perSecond, burst, before) => {
      const r = compact({ ...before, perSecond, burst })
      return Object.keys(r).length ? r : undefined
    }
    const rateLimit = compact({
      ...limits,
      perIp: rate(numberOf(f.ipRate), numberOf(f.ipBurst), perIp),
      perSite: rate(numberOf(f.siteRate), numberOf(f.siteBurst), perSite),
    })
    const nextEnrichment = compact({
      ...enrichment,
      bots: f.bots.value === 'flag' && !('bots' in enrichment) ? undefined : f.bots.value,
      ip: f.ip.value === 'truncate' && !('ip' in enrichment) ? undefined : f.ip.value,
      trustProxy: trust.checked || 'trustProxy' in enrichment ? trust.checked : undefined,
      geoHeaders: country || region ? compact({ country, region }) : undefined,
    })
    return compact({
      ...rest,
      name: textOf(f.name),
      timezone: textOf(f.timezone),
      allowedOrigins: linesOf(f.origins),
      retentionDays: numberOf(f.retention),
      consentRetentionDays: numberOf(f.consentRetention),
      enrichment: Object.keys(nextEnrichment).length || 'enrichment' in config ? nextEnrichment : undefined,
      rateLimit: Object.keys(rateLimit).length || 'rateLimit' in config ? rateLimit : undefined,
    })
  }
  return { children, value }
}

/**
 * The site's keys: the write key (public), whether it has a server key, and rotation of either.
 * @param {import('./api.js').PageContext} ctx @param {SiteAnswer} loaded
 * @param {import('./settings-common.js').Holder} holder @param {import('./settings-common.js').Versions} versions
 */
const keysPart = (ctx, loaded, holder, versions) => {
  const id = ctx.site.id
  let hasServerKey = loaded.hasServerKey === true
  const writeKey = h('code', { id: 'write-key' }, String(loaded.config.writeKey ?? ''))
  const serverKey = h('span', { id: 'server-key-state' })
  const showServer = () => {
    serverKey.textContent = hasServerKey ? 'set (secret: it was shown once, when it was made)' : 'none yet'
  }
  showServer()
  const about = h(
    'dl',
    { class: 'keys' },
    h('dt', {}, 'Write key (public: pages get it with the config)'),
    h('dd', {}, writeKey),
    h('dt', {}, 'Server key (for your servers only)'),
    h('dd', {}, serverKey),
  )
  if (!mayEdit('sites')) return h('div', {}, about)
  const overlap = input('overlapHours', 24, { type: 'number', min: '0', max: '720', step: '1' })
  const result = h('div', { class: 'form-status', id: 'rotation' })
  /** @param {'write' | 'server'} kind */
  const rotate = async (kind) => {
    result.replaceChildren()
    const hadServerKey = hasServerKey
    try {
      /** @type {{ body: { version: number, writeKey?: string, serverKey?: string, previousUntil: string }, etag: string | null }} */
      const { body, etag } = await apiCall(
        'POST',
        `/admin/api/sites/${enc(id)}/rotate-key`,
        { key: kind, overlapHours: numberOf(overlap) ?? 24 },
        { ifMatch: holder.etag },
      )
      versions.saved(holder, etag)
      const key = (kind === 'write' ? body.writeKey : body.serverKey) ?? ''
      const until = at(body.previousUntil, ctx.site.timezone)
      if (kind === 'write') writeKey.textContent = key
      else {
        hasServerKey = true
        showServer()
      }
      const old =
        kind === 'server' && !hadServerKey
          ? 'The site had no server key before.'
          : numberOf(overlap) === 0
            ? `The old ${kind} key stopped working at once.`
            : `The old ${kind} key works until ${until}: ${kind === 'server' ? 'give every server the new one before then.' : 'servers that send with the write key need the new one before then; pages get it with the config by themselves.'}`
      result.replaceChildren(
        h(
          'div',
          { class: 'notice notice-warn once', role: 'alert' },
          h(
            'p',
            {},
            kind === 'server'
              ? 'Copy the new server key now: it is not shown again.'
              : 'Copy the new write key now for your servers.',
          ),
          secretField(kind === 'server' ? 'New server key' : 'New write key', key, `new-${kind}-key`),
          h('p', {}, old),
        ),
        savedNotice(body.version),
      )
    } catch (err) {
      result.replaceChildren(problemView(err))
    }
  }
  return h(
    'div',
    {},
    about,
    h(
      'fieldset',
      { class: 'rotation' },
      h('legend', {}, 'Rotate a key'),
      field(
        'Old key keeps working for (hours)',
        overlap,
        'So that pages that loaded the old config and events waiting in browsers still arrive; 0 ends it at once, at most 720.',
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => void rotate('write') }, 'Rotate the write key'),
        h(
          'button',
          { type: 'button', onclick: () => void rotate('server') },
          hasServerKey ? 'Rotate the server key' : 'Make a server key',
        ),
      ),
      result,
    ),
  )
}

/**
 * @param {import('./api.js').PageContext} ctx
 * @param {import('./settings-common.js').Versions} versions
 */
export const sitePart = async (ctx, versions) => {
  const path = `/admin/api/sites/${enc(ctx.site.id)}`
  /** @type {{ body: SiteAnswer, etag: string | null }} */
  const loaded = await apiCall('GET', path, undefined, { signal: ctx.signal })
  const holder = versions.hold(loaded.etag)
  const editable = mayEdit('sites')
  const fields = settingsFields(loaded.body.config)
  /** As the site picker names it. @param {unknown} name */
  const nameOf = (name) =>
    typeof name === 'string' && name !== ctx.site.id ? `${name} (${ctx.site.id})` : ctx.site.id
  const form = editable
    ? editForm({
        label: `Settings of site ${ctx.site.id}`,
        submit: 'Save the site settings',
        children: fields.children,
        save: () => {
          /** @type {Promise<{ body: SiteAnswer, etag: string | null }>} */
          const saving = apiCall('PUT', path, fields.value(), { ifMatch: holder.etag })
          return saving
        },
        saved: ({ body, etag }) => {
          versions.saved(holder, etag)
          form.querySelector('.form-status')?.replaceChildren(savedNotice(body.version))
          const title = document.getElementById('this-site-title')
          if (title) title.textContent = `This site: ${nameOf(body.config.name)}`
        },
      })
    : readOnly(h('div', { class: 'edit read-only' }, ...fields.children))
  return part(
    'this-site',
    `This site: ${nameOf(loaded.body.config.name)}`,
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: `#/history/sites/${enc(ctx.site.id)}` }, 'Change history of this site'),
    ),
    editable ? '' : h('p', { class: 'muted' }, 'Owners change these; you can read them.'),
    form,
    h('h4', {}, 'Keys'),
    keysPart(ctx, loaded.body, holder, versions),
  )
}
