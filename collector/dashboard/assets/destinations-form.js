// Creating, editing and deleting a destination. Secrets are write-only: the form never holds the
// stored one (an empty field keeps it), and a webhook made without one gets a secret from the
// collector, shown once (page-destinations.js). A refusal is shown above the button and, for each
// issue the API names a field of, next to that field (form-parts.js).
import { ApiError, enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice } from './dom.js'
import {
  checkbox,
  compact,
  editForm,
  input,
  itemLinks,
  loadItem,
  mayEdit,
  numberOf,
  saveItem,
  select,
  showField,
  textarea,
  textOf,
} from './edit.js'
import { checkedField, clearSpots, deletePart, errorBox, markSpots } from './form-parts.js'
import { defaultPurposes, KINDS, PURPOSES, showSecret } from './page-destinations.js'
import { asLines, linesOf } from './settings-common.js'

/** @typedef {import('./page-destinations.js').Destination} Destination */
/** @typedef {import('./form-parts.js').Spot} Spot */

const NUMBER = { type: 'number', class: 'short' }
const PURPOSES_HINT =
  'Only events whose consent granted every purpose ticked go here, so events without a consent stamp (your servers’) go only where none is ticked.'
const WHERE_HINT =
  'Over the Segment event: event, type, properties.…, context.… (the experiments’ condition language).'
/** A password field's: the URL holds the SMTP server's credentials. */
const SMTP_HINT =
  'smtp://user:pass@host:587 (STARTTLS) or smtps://…:465, on a public address. Never shown back: empty keeps the one set.'
const NOT_TEMPLATES = 'must be a JSON object of templates by key'

/** Templates typed as JSON: undefined when empty; anything but an object is refused beside the field. @param {HTMLTextAreaElement} el */
const templatesOf = (el) => {
  if (el.value.trim() === '') return undefined
  let parsed = null
  try {
    parsed = JSON.parse(el.value)
  } catch {
    // Not JSON: refused below, as anything else that is not an object.
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ApiError(400, 'invalid_body', NOT_TEMPLATES, { path: 'templates' })
  return parsed
}

/** @param {import('./api.js').PageContext} ctx */
export const renderEdit = async (ctx) => {
  const key = ctx.params[0]
  const isNew = key === undefined
  ctx.main.append(
    h('h2', {}, isNew ? 'New destination' : `Edit destination ${key}`),
    itemLinks(
      isNew ? '#/destinations' : `#/destinations/${enc(key)}`,
      isNew ? undefined : `#/history/destinations/${enc(key)}`,
    ),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read destinations but not change them.'))
    return
  }
  const { config = {}, etag } = await loadItem(ctx, 'destinations', key)
  if (ctx.signal.aborted) return
  const d = /** @type {Destination} */ (config)
  const f = {
    key: input('key', key, {
      autocomplete: 'off',
      pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
      spellcheck: 'false',
    }),
    name: input('name', d.name, { maxlength: '200' }),
    kind: select('kind', KINDS, d.kind ?? 'webhook'),
    url: input('url', d.url, {
      type: 'url',
      autocomplete: 'off',
      placeholder: 'https://crm.example.com/precis',
    }),
    secret: input('secret', '', { autocomplete: 'off', spellcheck: 'false', placeholder: 'whsec_…' }),
    writeKey: input('writeKey', '', { autocomplete: 'off', spellcheck: 'false' }),
    fields: textarea('fields', asLines(d.fields), { spellcheck: 'false' }),
    hash: textarea('hash', asLines(d.hash), { spellcheck: 'false' }),
    batch: input('batch', d.batch ?? 1, { ...NUMBER, min: '1', max: '100' }),
    concurrency: input('concurrency', d.concurrency ?? 2, { ...NUMBER, min: '1', max: '16' }),
    ratePerSecond: input('ratePerSecond', d.ratePerSecond ?? '', { ...NUMBER, min: '0', step: 'any' }),
    smtp: input('smtp', '', {
      type: 'password',
      autocomplete: 'new-password',
      spellcheck: 'false',
      placeholder: d.hasSmtp ? 'unchanged' : 'smtp://user:pass@host:587',
    }),
    from: input('from', d.from, { autocomplete: 'off', placeholder: 'Shop <news@shop.example>' }),
    replyTo: input('replyTo', d.replyTo, { autocomplete: 'off' }),
    templates: textarea('templates', d.templates ? JSON.stringify(d.templates, null, 2) : '', { rows: '8' }),
  }
  const enabled = checkbox('enabled', d.enabled !== false, 'Enabled: off pauses it, and what is queued waits')
  const purposeBoxes = PURPOSES.map(([value, label]) => {
    const box = checkbox('purposes', (d.purposes ?? defaultPurposes(d.kind)).includes(value), label)
    const tick = /** @type {HTMLInputElement} */ (box.querySelector('input'))
    tick.value = value
    return box
  })
  const purposeError = errorBox('destination-purposes-error')
  const purposes = h(
    'fieldset',
    { class: 'purposes', 'aria-describedby': 'destination-purposes-hint' },
    h('legend', {}, 'Consent it needs'),
    h('p', { class: 'hint', id: 'destination-purposes-hint' }, PURPOSES_HINT),
    ...purposeBoxes,
    purposeError,
  )
  const where = conditionBuilder({ label: 'Only events matching', value: d.where })
  const whereError = errorBox('destination-where-error')
  where.element.append(h('p', { class: 'hint' }, WHERE_HINT), whereError)

  /** @type {Record<string, Spot>} */
  const spots = {
    purposes: { control: purposes, box: purposeError },
    where: { control: where.element, box: whereError },
  }
  /** A labelled field whose refusals show below it. @param {string} name the config's @param {string} label @param {HTMLElement} control @param {string} [hint] */
  const place = (name, label, control, hint) => {
    const [box, spot] = checkedField(label, control, hint)
    spots[name] = spot
    return box
  }
  const ticks = purposeBoxes.map((b) => /** @type {HTMLInputElement} */ (b.querySelector('input')))
  // A new destination's purposes follow its kind until someone ticks one.
  let ticked = !isNew
  purposes.addEventListener('change', () => {
    ticked = true
  })
  const shape = () => {
    const kind = f.kind.value
    const email = kind === 'email'
    showField(f.secret, kind === 'webhook')
    showField(f.writeKey, kind === 'segment')
    for (const el of [f.url, f.fields, f.hash, f.batch]) showField(el, !email)
    for (const el of [f.smtp, f.from, f.replyTo, f.templates]) showField(el, email)
    where.element.hidden = email
    if (!ticked) for (const t of ticks) t.checked = defaultPurposes(kind).includes(t.value)
  }
  f.kind.addEventListener('change', shape)

  const save = () => {
    clearSpots(spots)
    const kind = f.kind.value
    const email = kind === 'email'
    // Answers say whether a secret is set; what is sent says only what changes.
    const { hasSecret: _s, hasWriteKey: _w, hasSmtp: _m, ...rest } = d
    // Inside the chain: what the form itself refuses (templates) is marked too.
    return Promise.resolve()
      .then(() =>
        saveItem({
          site: ctx.site.id,
          resource: 'destinations',
          key: isNew ? f.key.value.trim() : /** @type {string} */ (key),
          // What the kind does not have is left out (undefined), whatever was stored.
          config: compact({
            ...rest,
            kind,
            name: textOf(f.name),
            url: email ? undefined : f.url.value.trim(),
            enabled: /** @type {HTMLInputElement} */ (enabled.querySelector('input')).checked,
            purposes: ticks.filter((b) => b.checked).map((b) => b.value),
            where: email ? undefined : where.read(),
            fields: !email && linesOf(f.fields).length ? linesOf(f.fields) : undefined,
            hash: !email && linesOf(f.hash).length ? linesOf(f.hash) : undefined,
            batch: email ? undefined : numberOf(f.batch),
            concurrency: numberOf(f.concurrency),
            // Empty: no limit (and one set before is removed).
            ratePerSecond: numberOf(f.ratePerSecond),
            // Left out, the stored one stays (a new webhook gets one made).
            secret: kind === 'webhook' ? textOf(f.secret) : undefined,
            writeKey: kind === 'segment' ? textOf(f.writeKey) : undefined,
            smtp: email ? textOf(f.smtp) : undefined,
            from: email ? f.from.value.trim() : undefined,
            replyTo: email ? textOf(f.replyTo) : undefined,
            templates: email ? templatesOf(f.templates) : undefined,
          }),
          etag,
          isNew,
        }),
      )
      .catch((err) => markSpots(spots, err))
  }

  const form = editForm({
    label: isNew ? 'New destination' : `Destination ${key}`,
    submit: isNew ? 'Create destination' : 'Save destination',
    children: [
      isNew && place('key', 'Key', f.key, 'Lowercase letters, digits, "-" or "_"; it never changes.'),
      h(
        'div',
        { class: 'repeat-row' },
        place('name', 'Name', f.name, 'Shown in this dashboard; empty: the key.'),
        place('kind', 'Kind', f.kind),
      ),
      place(
        'url',
        'URL',
        f.url,
        'https, on a public address: the collector refuses private and loopback ones.',
      ),
      place(
        'secret',
        'Signing secret',
        f.secret,
        d.kind === 'webhook' && d.hasSecret
          ? 'Set, and never shown. Empty: keeps it; a new whsec_… replaces it.'
          : 'whsec_ and base64. Empty: the collector makes one and shows it once.',
      ),
      place(
        'writeKey',
        'Write key',
        f.writeKey,
        d.kind === 'segment' && d.hasWriteKey
          ? 'Set, and never shown. Empty: keeps it; a new one replaces it.'
          : 'Sent as the Basic user name.',
      ),
      place('smtp', 'SMTP server', f.smtp, SMTP_HINT),
      h(
        'div',
        { class: 'repeat-row' },
        place('from', 'From', f.from, 'The sender: a name and an address.'),
        place('replyTo', 'Reply-To', f.replyTo, 'Empty: replies go to From.'),
      ),
      enabled,
      purposes,
      where.element,
      place(
        'fields',
        'Fields sent',
        f.fields,
        'One dot path a line (properties.sku): only these leave, with type, messageId and timestamp. Empty: the whole event.',
      ),
      place(
        'hash',
        'Fields hashed',
        f.hash,
        'One dot path a line: string values leave as SHA-256 of the trimmed, lower-case value.',
      ),
      place(
        'templates',
        'Own templates (JSON)',
        f.templates,
        'By key, each { "subject", "text", "html"? } with "en" and "zh-CN": a built-in key (welcome, abandoned-cart, win-back) replaces it. Empty: the built-in ones.',
      ),
      h(
        'div',
        { class: 'repeat-row' },
        place('batch', 'Events per request', f.batch, '1–100; 1 sends each event alone.'),
        place('concurrency', 'Requests at once', f.concurrency, '1–16, per collector process.'),
        place(
          'ratePerSecond',
          'Requests a second',
          f.ratePerSecond,
          'Per collector process; empty: no limit.',
        ),
      ),
    ],
    save,
    saved: ({ body }) => {
      const made = /** @type {{ key: string, secret?: string }} */ (body)
      if (made.secret) return showSecret(ctx, made.key, made.secret)
      location.hash = `#/destinations/${enc(made.key)}`
    },
  })
  form.classList.add('destination-edit')
  // Only once the fields are in their boxes can the kind hide the secret it does not use.
  shape()
  ctx.main.append(form)
  if (!isNew)
    ctx.main.append(
      deletePart(ctx, {
        resource: 'destinations',
        noun: 'destination',
        key: /** @type {string} */ (key),
        etag,
        what: 'No event goes to it any more, including those still queued for it.',
      }),
    )
}
