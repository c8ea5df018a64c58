// Creating, editing and deleting a destination. Secrets are write-only: the form never holds the
// stored one (an empty field keeps it), and a webhook made without one gets a secret from the
// collector, shown here this once. A refusal is shown above the button and, for each issue the
// API names a field of, next to that field.
import { ApiError, apiCall, enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice } from './dom.js'
import {
  checkbox,
  compact,
  editForm,
  field,
  input,
  itemLinks,
  itemPath,
  loadItem,
  mayEdit,
  numberOf,
  problemView,
  saveItem,
  select,
  showField,
  textarea,
  textOf,
} from './edit.js'
import { asLines, linesOf, secretField } from './settings-common.js'

/**
 * @typedef {{
 *   key?: string, kind?: string, name?: string, url?: string, enabled?: boolean, purposes?: string[],
 *   where?: Record<string, unknown>, fields?: string[], hash?: string[], batch?: number,
 *   concurrency?: number, ratePerSecond?: number, hasSecret?: boolean, hasWriteKey?: boolean,
 * }} Destination
 */

/** @type {[string, string][]} */
export const KINDS = [
  ['webhook', 'Webhook (signed per Standard Webhooks)'],
  ['segment', 'Segment HTTP API (Segment, RudderStack, another Precis)'],
]

/** @type {[string, string][]} The consent purposes an event must grant to go (collector/destinations/config.ts). */
export const PURPOSES = [
  ['analytics', 'Analytics'],
  ['personalization', 'Personalization'],
  ['marketing', 'Marketing'],
]

/** Where an issue's message goes: the control marked invalid and the box its message is shown in. */
/** @typedef {{ control: HTMLElement, box: HTMLElement }} Spot */

/** A box for a field's refusal (the form's status above the button announces them all). @param {string} id */
const errorBox = (id) => h('p', { class: 'field-error', id, hidden: true })

/**
 * A labelled field with a box below for the API's message about it.
 * @param {string} label @param {HTMLElement} control @param {string} [hint] @returns {[HTMLElement, Spot]}
 */
const checkedField = (label, control, hint) => {
  const box = field(label, control, hint)
  const error = errorBox(`${control.id}-error`)
  box.append(error)
  return [box, { control, box: error }]
}

/** The field an issue's path names: `url`, `destinations[0].batch`, `destinations[2].purposes[1]`. @param {string} path */
const fieldOf = (path) => /^(?:destinations\[\d+\]\.)?([A-Za-z]+)/.exec(path)?.[1]

/** @param {Record<string, Spot>} spots */
const clearSpots = (spots) => {
  for (const { control, box } of Object.values(spots)) {
    box.hidden = true
    box.textContent = ''
    control.removeAttribute('aria-invalid')
    const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== box.id)
    if (described.length) control.setAttribute('aria-describedby', described.join(' '))
    else control.removeAttribute('aria-describedby')
  }
}

/** Each issue the API named a field of, next to that field. @param {Record<string, Spot>} spots @param {unknown} err */
const markSpots = (spots, err) => {
  if (!(err instanceof ApiError)) return
  const issues = err.issues.length ? err.issues : err.path ? [{ path: err.path, message: err.message }] : []
  // A key taken is refused without a path: it is still the key's field that needs changing.
  if (err.code === 'already_exists') issues.push({ path: 'key', message: err.message })
  for (const issue of issues) {
    const spot = spots[fieldOf(issue.path) ?? '']
    if (!spot || spot.box.parentElement?.closest('[hidden]')) continue
    // Beside its field, the message needs no path in front ("url: must be …").
    const message = issue.message.startsWith(`${issue.path}: `)
      ? issue.message.slice(issue.path.length + 2)
      : issue.message
    spot.box.textContent = spot.box.textContent ? `${spot.box.textContent}; ${message}` : message
    spot.box.hidden = false
    spot.control.setAttribute('aria-invalid', 'true')
    const described = spot.control.getAttribute('aria-describedby')
    if (!described?.split(' ').includes(spot.box.id))
      spot.control.setAttribute('aria-describedby', described ? `${described} ${spot.box.id}` : spot.box.id)
  }
}

/**
 * The secret of a webhook just made, shown this once, selected for copying.
 * @param {import('./api.js').PageContext} ctx @param {string} key @param {string} secret
 */
const showSecret = (ctx, key, secret) => {
  const secretRow = secretField('Signing secret', secret, 'destination-secret')
  ctx.main.replaceChildren(
    h('h2', { tabindex: '-1' }, `Destination ${key} created`),
    h(
      'div',
      { class: 'notice notice-warn once', role: 'alert' },
      h('p', {}, 'Copy the signing secret now: it is not shown again.'),
      h(
        'p',
        {},
        'The receiver checks each request’s webhook-signature with it (Standard Webhooks). Lost, it can only be replaced: edit the destination and give a new one.',
      ),
    ),
    secretRow,
    h('p', { class: 'actions' }, h('a', { href: `#/destinations/${enc(key)}` }, 'Done, I copied it')),
  )
  const box = secretRow.querySelector('input')
  box?.focus()
  box?.select()
}

/**
 * Deleting, asked twice: the button shows what it does and a second button to confirm.
 * @param {import('./api.js').PageContext} ctx @param {string} key @param {string | null} etag
 */
const deletePart = (ctx, key, etag) => {
  const status = h('div', { class: 'form-status' })
  const sure = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': `Delete ${key}?` })
  const ask = h('button', { type: 'button', class: 'danger' }, 'Delete destination')
  const yes = h('button', { type: 'button', class: 'danger' }, `Yes, delete ${key}`)
  const no = h('button', { type: 'button' }, 'Cancel')
  sure.append(
    h(
      'p',
      {},
      `Delete destination ${key}? No event goes to it any more, including those still queued for it. Its change history keeps what it was.`,
    ),
    h('div', { class: 'actions' }, yes, no),
  )
  ask.addEventListener('click', () => {
    ask.hidden = true
    sure.hidden = false
    no.focus()
  })
  no.addEventListener('click', () => {
    sure.hidden = true
    ask.hidden = false
    ask.focus()
  })
  yes.addEventListener('click', () => {
    yes.disabled = true
    status.replaceChildren()
    apiCall('DELETE', itemPath('destinations', key, ctx.site.id), undefined, { ifMatch: etag })
      .then(() => {
        location.hash = '#/destinations'
      })
      .catch((err) => status.replaceChildren(problemView(err)))
      .finally(() => {
        yes.disabled = false
      })
  })
  return h(
    'section',
    { class: 'settings-part', 'aria-labelledby': 'delete-destination-title' },
    h('h3', { id: 'delete-destination-title' }, 'Delete'),
    status,
    ask,
    sure,
  )
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
    batch: input('batch', d.batch ?? 1, { type: 'number', min: '1', max: '100', class: 'short' }),
    concurrency: input('concurrency', d.concurrency ?? 2, {
      type: 'number',
      min: '1',
      max: '16',
      class: 'short',
    }),
    ratePerSecond: input('ratePerSecond', d.ratePerSecond ?? '', {
      type: 'number',
      min: '0',
      step: 'any',
      class: 'short',
    }),
  }
  const enabled = checkbox('enabled', d.enabled !== false, 'Enabled: off pauses it, and what is queued waits')
  const purposeBoxes = PURPOSES.map(([value, label]) => {
    const box = checkbox('purposes', (d.purposes ?? ['analytics']).includes(value), label)
    const tick = /** @type {HTMLInputElement} */ (box.querySelector('input'))
    tick.value = value
    return box
  })
  const purposeError = errorBox('destination-purposes-error')
  const purposes = h(
    'fieldset',
    { class: 'purposes', 'aria-describedby': 'destination-purposes-hint' },
    h('legend', {}, 'Consent it needs'),
    h(
      'p',
      { class: 'hint', id: 'destination-purposes-hint' },
      'Only events whose consent granted every purpose ticked go here, so events without a consent stamp (your servers’) go only where none is ticked.',
    ),
    ...purposeBoxes,
    purposeError,
  )
  const where = conditionBuilder({ label: 'Only events matching', value: d.where })
  const whereError = errorBox('destination-where-error')
  where.element.append(
    h(
      'p',
      { class: 'hint' },
      'Over the Segment event: event, type, properties.…, context.… (the experiments’ condition language).',
    ),
    whereError,
  )

  const hasSecret = d.kind === 'webhook' && d.hasSecret
  const hasWriteKey = d.kind === 'segment' && d.hasWriteKey
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
  const shape = () => {
    showField(f.secret, f.kind.value === 'webhook')
    showField(f.writeKey, f.kind.value === 'segment')
  }
  f.kind.addEventListener('change', shape)

  const save = () => {
    clearSpots(spots)
    const kind = f.kind.value
    // Answers say whether a secret is set; what is sent says only what changes.
    const { hasSecret: _s, hasWriteKey: _w, ...rest } = d
    return saveItem({
      site: ctx.site.id,
      resource: 'destinations',
      key: isNew ? f.key.value.trim() : /** @type {string} */ (key),
      config: compact({
        ...rest,
        kind,
        name: textOf(f.name),
        url: f.url.value.trim(),
        enabled: /** @type {HTMLInputElement} */ (enabled.querySelector('input')).checked,
        purposes: purposeBoxes
          .map((b) => /** @type {HTMLInputElement} */ (b.querySelector('input')))
          .filter((b) => b.checked)
          .map((b) => b.value),
        where: where.read(),
        fields: linesOf(f.fields).length ? linesOf(f.fields) : undefined,
        hash: linesOf(f.hash).length ? linesOf(f.hash) : undefined,
        batch: numberOf(f.batch),
        concurrency: numberOf(f.concurrency),
        // Empty: no limit (and one set before is removed).
        ratePerSecond: numberOf(f.ratePerSecond),
        // Left out, the stored one stays (a new webhook gets one made).
        secret: kind === 'webhook' ? textOf(f.secret) : undefined,
        writeKey: kind === 'segment' ? textOf(f.writeKey) : undefined,
      }),
      etag,
      isNew,
    }).catch((err) => {
      markSpots(spots, err)
      throw err
    })
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
        hasSecret
          ? 'Set, and never shown. Empty: keeps it; a new whsec_… replaces it.'
          : 'whsec_ and base64. Empty: the collector makes one and shows it once.',
      ),
      place(
        'writeKey',
        'Write key',
        f.writeKey,
        hasWriteKey
          ? 'Set, and never shown. Empty: keeps it; a new one replaces it.'
          : 'Sent as the Basic user name.',
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
  if (!isNew) ctx.main.append(deletePart(ctx, /** @type {string} */ (key), etag))
}
