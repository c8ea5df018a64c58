// Destinations: where the site's stored events are forwarded (webhooks, Segment's HTTP API) or
// what sends the journeys' mails (email over SMTP), what became of their deliveries, and replaying
// dead letters. The destinations are config items (edited in destinations-form.js); the deliveries
// are keys and states, never an event's body. The last 24 hours by the hour: destinations-log.js.
import { apiCall, enc } from './api.js'
import { logSection } from './destinations-log.js'
import { h, notice, scrollBox, table, tile } from './dom.js'
import { itemPath, listPath, mayEdit, problemView } from './edit.js'
import { count } from './format.js'
import { at, secretField } from './settings-common.js'

/**
 * @typedef {{
 *   key?: string, kind?: string, name?: string, url?: string, enabled?: boolean, purposes?: string[],
 *   where?: Record<string, unknown>, fields?: string[], hash?: string[], batch?: number,
 *   concurrency?: number, ratePerSecond?: number, hasSecret?: boolean, hasWriteKey?: boolean,
 *   hasSmtp?: boolean, from?: string, replyTo?: string, templates?: Record<string, unknown>,
 * }} Destination
 * @typedef {{ pending: number, delivered: number, dead: number }} Counts
 * @typedef {{ messageId: string, status: string, attempts: number, createdAt: number, nextAt: number | null, doneAt: number | null, lastError: string | null }} Delivery
 * @typedef {{
 *   site: string, destination: string, counts: Counts, deliveries: Delivery[],
 *   log?: import('./destinations-log.js').LogHour[],
 * }} DeliveriesAnswer
 */

/** @type {[string, string][]} */
export const KINDS = [
  ['webhook', 'Webhook (signed per Standard Webhooks)'],
  ['segment', 'Segment HTTP API (Segment, RudderStack, another Precis)'],
  ['email', 'Email (SMTP)'],
]

/** @type {[string, string][]} The consent purposes an event must grant to go (collector/destinations/consent-gate.ts). */
export const PURPOSES = [
  ['analytics', 'Analytics'],
  ['personalization', 'Personalization'],
  ['marketing', 'Marketing'],
]

/** The purposes a destination needs when it names none: marketing for mail, else analytics. @param {string | undefined} kind */
export const defaultPurposes = (kind) => (kind === 'email' ? ['marketing'] : ['analytics'])

/** Deliveries settle within moments of each other: asked again this often while the page is open. */
const REFRESH_MS = 3000
/** The newest deliveries of every state shown under the dead letters. */
const RECENT = 20

const kindName = (/** @type {string | undefined} */ kind) =>
  kind === 'webhook'
    ? 'Webhook'
    : kind === 'segment'
      ? 'Segment HTTP API'
      : kind === 'email'
        ? 'Email (SMTP)'
        : (kind ?? '')

/** @param {Destination} c */
const purposeNames = (c) =>
  (c.purposes ?? defaultPurposes(c.kind)).map((p) => PURPOSES.find(([v]) => v === p)?.[1] ?? p).join(', ') ||
  'none: every event'

/** Where it sends: a URL, or for mail the sender (the SMTP server is a secret). @param {Destination} c */
const addressOf = (c) => (c.kind === 'email' ? (c.from ?? '') : (c.url ?? ''))

/** @param {import('./api.js').PageContext} ctx @param {string} key @param {string} [query] */
const deliveriesPath = (ctx, key, query = '') =>
  itemPath('destinations', key, ctx.site.id, '/deliveries', query)

/** @param {import('./api.js').PageContext} ctx */
export const renderList = async (ctx) => {
  /** @type {{ destinations: { key: string, config: Destination }[] }} */
  const d = await ctx.get(listPath('destinations', ctx.site.id))
  if (ctx.signal.aborted) return
  // Each destination's counts; one that cannot be read shows dashes, the rest still show.
  const counts = await Promise.all(
    d.destinations.map(({ key }) =>
      ctx
        .get(deliveriesPath(ctx, key, '&limit=1'))
        .then((a) => /** @type {DeliveriesAnswer} */ (a).counts)
        .catch(() => undefined),
    ),
  )
  if (ctx.signal.aborted) return
  const editable = mayEdit('config')
  ctx.main.append(
    h('h2', {}, 'Destinations'),
    h(
      'p',
      { class: 'muted' },
      'Where the site’s stored events are forwarded as they arrive: only those whose consent allows it, only the fields chosen. Delivery is at least once; refused deliveries become dead letters you can replay.',
    ),
    editable ? h('p', { class: 'toolbar' }, h('a', { href: '#/destinations/new' }, 'New destination')) : '',
    d.destinations.length === 0 ? notice('This site has no destinations yet.') : '',
    scrollBox(
      'Destinations',
      table({
        caption: 'Destinations',
        columns: [
          'Destination',
          'Kind',
          'URL or sender',
          'Consent it needs',
          'State',
          { label: 'Pending', numeric: true },
          { label: 'Delivered', numeric: true },
          { label: 'Dead letters', numeric: true },
          'Changes',
        ],
        rows: d.destinations.map(({ key, config: c }, i) => [
          h(
            'a',
            { href: `#/destinations/${enc(key)}` },
            c.name ?? key,
            c.name ? h('span', { class: 'muted' }, ` (${key})`) : '',
          ),
          kindName(c.kind),
          h('code', { class: 'url' }, addressOf(c)),
          purposeNames(c),
          c.enabled === false ? 'paused' : 'enabled',
          count(counts[i]?.pending),
          count(counts[i]?.delivered),
          count(counts[i]?.dead),
          h(
            'span',
            { class: 'item-links' },
            editable &&
              h('a', { href: `#/destinations/${enc(key)}/edit`, 'aria-label': `Edit ${key}` }, 'Edit'),
            h(
              'a',
              { href: `#/history/destinations/${enc(key)}`, 'aria-label': `History of ${key}` },
              'History',
            ),
          ),
        ]),
      }),
    ),
  )
}

/** What the destination is, as saved (secrets only as whether they are set). @param {Destination} c */
const settingsView = (c) => {
  const set = (/** @type {boolean | undefined} */ on) => (on ? 'set (never shown)' : 'none')
  /** @type {[string, import('./dom.js').Child][]} */
  const common = [
    ['Name', c.name ?? '–'],
    ['Kind', KINDS.find(([v]) => v === c.kind)?.[1] ?? kindName(c.kind)],
    ['State', c.enabled === false ? 'paused: what is queued waits' : 'enabled'],
    ['Consent it needs', purposeNames(c)],
  ]
  /** @type {[string, import('./dom.js').Child][]} */
  const rows =
    c.kind === 'email'
      ? [
          ...common,
          ['SMTP server', set(c.hasSmtp)],
          ['From', c.from ?? ''],
          ['Reply-To', c.replyTo ?? '–'],
          ['Own templates', c.templates ? Object.keys(c.templates).join(', ') : 'none: the built-in ones'],
          ['Mails at once', String(c.concurrency ?? 2)],
        ]
      : [
          ...common.slice(0, 2),
          ['URL', h('code', { class: 'url' }, c.url ?? '')],
          ...common.slice(2),
          [
            'Only events matching',
            c.where ? h('code', { class: 'diff' }, JSON.stringify(c.where)) : 'every event',
          ],
          ['Fields sent', c.fields ? c.fields.join(', ') : 'the whole event'],
          ['Fields hashed', c.hash ? c.hash.join(', ') : 'none'],
          ['Events per request', String(c.batch ?? 1)],
          ['Requests at once', String(c.concurrency ?? 2)],
          c.kind === 'segment' ? ['Write key', set(c.hasWriteKey)] : ['Signing secret', set(c.hasSecret)],
        ]
  return h(
    'dl',
    { class: 'keys', id: 'destination-settings' },
    ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  )
}

/**
 * The secret of a webhook just made, shown this once, selected for copying.
 * @param {import('./api.js').PageContext} ctx @param {string} key @param {string} secret
 */
export const showSecret = (ctx, key, secret) => {
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

/** @param {import('./api.js').PageContext} ctx */
export const renderOne = async (ctx) => {
  const key = ctx.params[0] ?? ''
  const editable = mayEdit('config')
  ctx.main.append(
    h(
      'p',
      { class: 'item-links' },
      h('a', { href: '#/destinations' }, '← All destinations'),
      editable && h('a', { href: `#/destinations/${enc(key)}/edit` }, 'Edit'),
      h('a', { href: `#/history/destinations/${enc(key)}` }, 'Change history'),
    ),
  )
  /** @type {{ config: Destination }} */
  const item = await ctx.get(itemPath('destinations', key, ctx.site.id))
  if (ctx.signal.aborted) return
  const zone = ctx.site.timezone ?? 'UTC'
  const tiles = h('div', { class: 'tiles', id: 'delivery-counts' })
  const dead = h('div', {})
  const recent = h('div', {})
  const log = logSection(zone)
  const status = h('div', { class: 'form-status', id: 'replay-status' })
  const replayAll = h('button', { type: 'button' }, 'Replay all dead letters')

  /** Sends dead letters again (all of them without ids), then shows the queue as it is now. @param {string[]} [messageIds] */
  const replay = async (messageIds) => {
    status.replaceChildren()
    try {
      /** @type {{ body: { replayed: number } }} */
      const { body } = await apiCall(
        'POST',
        itemPath('destinations', key, ctx.site.id, '/replay'),
        messageIds ? { messageIds } : {},
      )
      status.replaceChildren(
        notice(
          `${count(body.replayed)} dead letter${body.replayed === 1 ? '' : 's'} replayed: pending again, attempts reset.`,
        ),
      )
      await load()
    } catch (err) {
      if (!ctx.signal.aborted) status.replaceChildren(problemView(err))
    }
  }
  replayAll.addEventListener('click', () => void replay())

  let shown = ''
  const load = async () => {
    /** @type {[DeliveriesAnswer, DeliveriesAnswer]} */
    const [deadOnes, newest] = await Promise.all([
      ctx.get(deliveriesPath(ctx, key, '&status=dead&limit=100')),
      ctx.get(deliveriesPath(ctx, key, `&limit=${RECENT}`)),
    ])
    if (ctx.signal.aborted) return
    // Drawn again only when something changed, so a button about to be pressed stays where it is.
    const now = JSON.stringify([deadOnes, newest])
    if (now === shown) return
    shown = now
    const c = newest.counts
    tiles.replaceChildren(
      tile('Pending', count(c.pending), 'queued or being tried again'),
      tile('Delivered', count(c.delivered)),
      tile('Dead letters', count(c.dead), 'refused or out of attempts'),
    )
    replayAll.disabled = deadOnes.deliveries.length === 0
    dead.replaceChildren(
      scrollBox(
        'Dead letters',
        table({
          caption: 'Dead letters',
          columns: [
            'Message id',
            { label: 'Attempts', numeric: true },
            'Last error',
            'Since',
            ...(editable ? ['Replay'] : []),
          ],
          rows: deadOnes.deliveries.map((x) => [
            h('code', {}, x.messageId),
            count(x.attempts),
            x.lastError ?? '–',
            at(x.doneAt ?? x.createdAt, zone),
            ...(editable
              ? [
                  h(
                    'button',
                    {
                      type: 'button',
                      'aria-label': `Replay ${x.messageId}`,
                      onclick: () => void replay([x.messageId]),
                    },
                    'Replay',
                  ),
                ]
              : []),
          ]),
        }),
      ),
    )
    recent.replaceChildren(
      scrollBox(
        'Recent deliveries',
        table({
          caption: 'Recent deliveries',
          columns: [
            'Message id',
            'State',
            { label: 'Attempts', numeric: true },
            'Queued',
            'Next attempt or done',
            'Last error',
          ],
          rows: newest.deliveries.map((x) => [
            h('code', {}, x.messageId),
            x.status,
            count(x.attempts),
            at(x.createdAt, zone),
            x.status === 'pending' ? at(x.nextAt, zone) : at(x.doneAt, zone),
            x.lastError ?? '',
          ]),
        }),
      ),
    )
    log.show(newest.log ?? [])
  }
  await load()
  if (ctx.signal.aborted) return
  ctx.main.append(
    h('h2', {}, `Destination ${key}`),
    settingsView(item.config),
    h('h3', {}, 'Deliveries'),
    h(
      'p',
      { class: 'muted' },
      `${item.config.kind === 'email' ? 'Each journey mail once' : 'Each event once per destination'}, tried again with backoff when the receiver is down or busy; any other refusal makes a dead letter at once. Times in ${zone}; refreshed every few seconds.`,
    ),
    tiles,
    status,
    editable ? h('p', { class: 'toolbar' }, replayAll) : '',
    dead,
    recent,
    log.element,
  )
  ctx.every(REFRESH_MS, load)
}
