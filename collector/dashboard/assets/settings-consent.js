// The consent section of a site's config: the policy (version, mode, how long a choice holds,
// language), the banner's and dialog's texts in English and Simplified Chinese over the built-in
// wording, and the services the banner lists with what each stores. Saved whole (PUT) against the
// version it was loaded at; owners and privacy officers change it, everyone else reads it.
import { apiCall, enc } from './api.js'
import { h } from './dom.js'
import { compact, editForm, field, input, mayEdit, numberOf, select, textarea, textOf } from './edit.js'
import { asLines, linesOf, part, readOnly, savedNotice } from './settings-common.js'
import { LANGUAGES, TEXT_GROUPS } from './settings-texts.js'

/**
 * @typedef {Record<string, unknown>} Json
 * @typedef {{ name?: string, purpose?: string, description?: string, cookies?: string[], storage?: string[], indexedDB?: string[] }} Service
 */

const PURPOSES = /** @type {[string, string][]} */ ([
  ['necessary', 'Necessary'],
  ['analytics', 'Analytics'],
  ['personalization', 'Personalization'],
  ['marketing', 'Marketing'],
])

/** The schema's defaults (consent/core/config.ts): a default left unwritten stays unwritten. */
const DEFAULTS = { version: 1, maxAgeDays: 182, mode: 'opt-in', language: 'auto' }

/** @param {unknown} v @returns {v is Json} */
const isJson = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A value as it goes back: left out when it is the default and was not written before.
 * @param {Json} config @param {keyof typeof DEFAULTS} key @param {string | number | undefined} value
 */
const unlessDefault = (config, key, value) =>
  value === DEFAULTS[key] && !(key in config) ? undefined : value

/** @param {Service} s @param {number} n */
const serviceRow = (s, n) => {
  const fields = {
    name: input('service-name', s.name, { required: true, maxlength: '100' }),
    purpose: select('service-purpose', PURPOSES, s.purpose ?? 'analytics'),
    description: textarea('service-description', s.description, { maxlength: '500', rows: '2' }),
    cookies: textarea('service-cookies', asLines(s.cookies), { rows: '2', spellcheck: 'false' }),
    storage: textarea('service-storage', asLines(s.storage), { rows: '2', spellcheck: 'false' }),
    indexedDB: textarea('service-indexeddb', asLines(s.indexedDB), { rows: '2', spellcheck: 'false' }),
  }
  const legend = h('legend', {}, `Service ${n}`)
  const remove = h('button', { type: 'button', class: 'remove' }, 'Remove this service')
  const row = h(
    'fieldset',
    { class: 'service' },
    legend,
    h('div', { class: 'repeat-row' }, field('Name', fields.name), field('Purpose', fields.purpose)),
    field('Description', fields.description, 'What it does, in the words visitors read.'),
    h(
      'div',
      { class: 'pair' },
      field(
        'Cookies',
        fields.cookies,
        'One a line; * matches any characters. Deleted when consent is withdrawn.',
      ),
      field('Local and session storage keys', fields.storage, 'One a line; deleted on withdrawal.'),
      field('IndexedDB databases', fields.indexedDB, 'One a line; deleted on withdrawal.'),
    ),
    h('div', { class: 'actions' }, remove),
  )
  remove.addEventListener('click', () => {
    const list = row.parentElement
    row.remove()
    if (list) renumber(list)
  })
  /** @returns {Service} */
  const value = () =>
    /** @type {Service} */ (
      compact({
        // What the form does not show (a field a newer schema adds) goes back as it was.
        ...s,
        name: fields.name.value.trim(),
        purpose: fields.purpose.value,
        description: textOf(fields.description),
        cookies: linesOf(fields.cookies).length ? linesOf(fields.cookies) : undefined,
        storage: linesOf(fields.storage).length ? linesOf(fields.storage) : undefined,
        indexedDB: linesOf(fields.indexedDB).length ? linesOf(fields.indexedDB) : undefined,
      })
    )
  return Object.assign(row, { service: value })
}

/** Legends say "Service 1", "Service 2", … in order. @param {Element} list */
const renumber = (list) => {
  let n = 0
  for (const legend of list.querySelectorAll(':scope > fieldset > legend'))
    legend.textContent = `Service ${++n}`
}

/**
 * The texts of one group, each in both languages (English, then Simplified Chinese), the built-in
 * wording as the placeholder of an empty field.
 * @param {(typeof TEXT_GROUPS)[number]} group @param {Json} strings the overrides as written
 * @param {Map<string, HTMLInputElement | HTMLTextAreaElement>} controls filled: `${lang} ${key}` → control
 * @param {Record<string, Record<string, string>>} builtIn the banner's own wording, by language (the API's)
 */
const textGroup = (group, strings, controls, builtIn) =>
  h(
    'fieldset',
    { class: 'texts' },
    h('legend', {}, group.title),
    group.hint ? h('p', { class: 'hint' }, group.hint) : '',
    ...group.texts.map(([key, label, long]) =>
      h(
        'div',
        { class: 'pair' },
        ...LANGUAGES.map(([lang, language]) => {
          const written = isJson(strings[lang]) ? /** @type {Json} */ (strings[lang])[key] : undefined
          const attrs = { maxlength: '1000', placeholder: builtIn[lang]?.[key] ?? '', lang }
          const control = long
            ? textarea(`strings.${lang}.${key}`, written, { ...attrs, rows: '3' })
            : input(`strings.${lang}.${key}`, written, attrs)
          controls.set(`${lang} ${key}`, control)
          return field(`${label} (${language})`, control)
        }),
      ),
    ),
  )

/**
 * The strings to save: the overrides written before (keys this page does not know included), with
 * each field's text, or without it when the field is empty.
 * @param {Json} before @param {Map<string, HTMLInputElement | HTMLTextAreaElement>} controls
 */
const stringsOf = (before, controls) => {
  /** @type {Record<string, Json>} */
  const out = {}
  for (const [lang] of LANGUAGES) {
    const texts = { ...(isJson(before[lang]) ? before[lang] : {}) }
    for (const group of TEXT_GROUPS)
      for (const [key] of group.texts) {
        const control = controls.get(`${lang} ${key}`)
        const text = control ? textOf(control) : undefined
        if (text === undefined) delete texts[key]
        else texts[key] = text
      }
    if (Object.keys(texts).length) out[lang] = texts
  }
  return out
}

/**
 * @param {import('./api.js').PageContext} ctx
 * @param {import('./settings-common.js').Versions} versions
 */
export const consentPart = async (ctx, versions) => {
  const path = `/admin/api/consent?site=${enc(ctx.site.id)}`
  /** @type {{ body: { version: number, config: Json, builtIn: Record<string, Record<string, string>> }, etag: string | null }} */
  const loaded = await apiCall('GET', path, undefined, { signal: ctx.signal })
  const holder = versions.hold(loaded.etag)
  let config = loaded.body.config
  const editable = mayEdit('consent')

  const policy = {
    version: input('version', config.version ?? DEFAULTS.version, {
      type: 'number',
      min: '1',
      step: '1',
      required: true,
    }),
    mode: select(
      'mode',
      [
        ['opt-in', 'Opt-in: only what is necessary until the visitor agrees (EU, UK, China)'],
        ['opt-out', 'Opt-out: on until the visitor refuses (US)'],
      ],
      String(config.mode ?? DEFAULTS.mode),
    ),
    maxAgeDays: input('maxAgeDays', config.maxAgeDays, {
      type: 'number',
      min: '1',
      max: '395',
      step: '1',
      placeholder: String(DEFAULTS.maxAgeDays),
    }),
    language: select(
      'language',
      [['auto', 'As the page: Simplified Chinese on zh pages, English on the others'], ...LANGUAGES],
      String(config.language ?? DEFAULTS.language),
    ),
  }
  policy.language.querySelector('option[value="zh-CN"]')?.setAttribute('lang', 'zh-CN')
  const strings = isJson(config.strings) ? config.strings : {}
  /** @type {Map<string, HTMLInputElement | HTMLTextAreaElement>} */
  const controls = new Map()
  const services = h('div', { class: 'services' })
  /** @param {Service} s */
  const addService = (s) => services.append(serviceRow(s, services.children.length + 1))
  for (const s of Array.isArray(config.services) ? config.services : []) addService(s)
  const add = h('button', { type: 'button', onclick: () => addService({}) }, 'Add a service')

  const children = [
    h(
      'fieldset',
      {},
      h('legend', {}, 'Policy'),
      h(
        'div',
        { class: 'repeat-row' },
        field(
          'Policy version',
          policy.version,
          'Raising it asks every visitor again: do it when the services, or what they do, change.',
        ),
        field('A choice holds for (days)', policy.maxAgeDays, 'Then the banner asks again; at most 395.'),
      ),
      field('Mode', policy.mode),
      field('Language of the banner', policy.language),
    ),
    h(
      'p',
      { class: 'hint' },
      'Each text in English and in Simplified Chinese. An empty field keeps the built-in wording, shown in grey inside it.',
    ),
    ...TEXT_GROUPS.map((group) => textGroup(group, strings, controls, loaded.body.builtIn)),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Services'),
      h(
        'p',
        { class: 'hint' },
        'What the site runs for each purpose, listed in the preferences dialog; what they store is deleted when the visitor withdraws.',
      ),
      services,
      add,
    ),
  ]

  const save = () => {
    if (numberOf(policy.version) === undefined)
      throw new Error('The policy version is required: nothing was saved.')
    const next = compact({
      // What the form does not show goes back as it was.
      ...config,
      version: unlessDefault(config, 'version', numberOf(policy.version)),
      maxAgeDays: unlessDefault(config, 'maxAgeDays', numberOf(policy.maxAgeDays)),
      mode: unlessDefault(config, 'mode', policy.mode.value),
      language: unlessDefault(config, 'language', policy.language.value),
      strings: stringsOf(strings, controls),
      services: [...services.children].map((row) =>
        /** @type {{ service: () => Service }} */ (/** @type {unknown} */ (row)).service(),
      ),
    })
    if (!('strings' in config) && Object.keys(/** @type {Json} */ (next.strings)).length === 0)
      delete next.strings
    if (!('services' in config) && /** @type {unknown[]} */ (next.services).length === 0) delete next.services
    /** @type {Promise<{ body: { version: number, config: Json }, etag: string | null }>} */
    const saving = apiCall('PUT', path, next, { ifMatch: holder.etag })
    return saving
  }
  const form = editable
    ? editForm({
        label: 'Consent texts and services',
        submit: 'Save consent texts and services',
        children,
        save,
        saved: ({ body, etag }) => {
          versions.saved(holder, etag)
          config = body.config
          form.querySelector('.form-status')?.replaceChildren(savedNotice(body.version))
        },
      })
    : readOnly(h('div', { class: 'edit read-only' }, ...children))
  return part(
    'consent',
    'Consent texts and services',
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: '#/history/consent' }, 'Change history of the consent section'),
    ),
    editable
      ? ''
      : h('p', { class: 'muted' }, 'Owners and privacy officers change these; you can read them.'),
    form,
  )
}
