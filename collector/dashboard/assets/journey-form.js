// Creating, editing and deleting a journey: when an event happens (if the person is, or is not, in a
// segment), wait, unless another event comes first, then a message through a destination (for an
// email destination, one of its templates), with a holdout that measures it against a goal. The
// site's destinations, goals and segments are offered by name; the API checks every name again. A
// refusal is shown above the button and beside each field it names (destinations-form.js's helpers).
import { enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice } from './dom.js'
import {
  checkbox,
  compact,
  editForm,
  input,
  itemLinks,
  listPath,
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

/**
 * @typedef {{ event: string, where?: Record<string, unknown> }} EventMatch
 * @typedef {{
 *   key?: string, name?: string, description?: string, enabled?: boolean, trigger?: EventMatch,
 *   segment?: { key: string, in?: boolean }, delay?: string, unless?: EventMatch, goal?: string,
 *   goalWindow?: string, action?: { destination: string, template?: string }, holdout?: number,
 *   reentry?: 'again' | 'once',
 * }} Journey
 * @typedef {{ name?: string, kind?: string, templates?: Record<string, unknown>, event?: string }} Named
 * @typedef {{ key: string, config: Named }} Item
 * @typedef {import('./form-parts.js').Spot} Spot
 */

/** The templates every email destination has (collector/destinations/email/templates.ts). */
export const BUILT_IN_TEMPLATES = ['welcome', 'abandoned-cart', 'win-back']

/** @type {[string, string][]} */
export const REENTRY = [
  ['again', 'Again, once their last entry is over'],
  ['once', 'Once: never again'],
]

const DURATION = 'A duration: 30m, 1h, 2d or 1w (s, m, h, d, w; at most 365 days).'
const EVENT_HINT = 'A track event’s name, or "page" for any page view.'
const WHERE_HINT = 'Over the Segment event: properties.…, context.page.path, … (the condition language).'

/** An item as a choice: its name and key. @param {Item} item */
const choice = ({ key, config }) =>
  /** @type {[string, string]} */ ([key, config.name ? `${config.name} (${key})` : key])

/**
 * Choices, keeping one saved that no longer exists (the API says so when saved).
 * @param {[string, string][]} options @param {string | undefined} current
 * @returns {[string, string][]}
 */
const keeping = (options, current) =>
  current && !options.some(([v]) => v === current) ? [...options, [current, `${current} (missing)`]] : options

/** @param {import('./api.js').PageContext} ctx */
export const renderEdit = async (ctx) => {
  const key = ctx.params[0]
  const isNew = key === undefined
  ctx.main.append(
    h('h2', {}, isNew ? 'New journey' : `Edit journey ${key}`),
    itemLinks(
      isNew ? '#/journeys' : `#/journeys/${enc(key)}`,
      isNew ? undefined : `#/history/journeys/${enc(key)}`,
    ),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read journeys but not change them.'))
    return
  }
  /** @type {[{ config: Record<string, unknown> | undefined, etag: string | null }, { destinations: Item[] }, { goals: Item[] }, { segments: Item[] }]} */
  const [{ config = {}, etag }, dests, goals, segments] = await Promise.all([
    loadItem(ctx, 'journeys', key),
    ctx.get(listPath('destinations', ctx.site.id)),
    ctx.get(listPath('goals', ctx.site.id)),
    ctx.get(listPath('segments', ctx.site.id)),
  ])
  if (ctx.signal.aborted) return
  const j = /** @type {Journey} */ (config)
  if (dests.destinations.length === 0)
    ctx.main.append(
      h(
        'p',
        { class: 'notice notice-warn', role: 'alert' },
        'A journey sends through a destination, and this site has none yet: ',
        h('a', { href: '#/destinations/new' }, 'make one first'),
        ' (an email destination sends the built-in templates).',
      ),
    )
  const events = [...new Set(['page', ...goals.goals.flatMap((g) => g.config.event ?? [])])]
  const eventList = h('datalist', { id: 'journey-events' }, ...events.map((e) => h('option', { value: e })))
  const f = {
    key: input('key', key, {
      autocomplete: 'off',
      pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
      spellcheck: 'false',
    }),
    name: input('name', j.name, { maxlength: '200' }),
    description: textarea('description', j.description, { maxlength: '1000', rows: '2' }),
    triggerEvent: input('trigger-event', j.trigger?.event, {
      list: 'journey-events',
      placeholder: 'Checkout Started',
    }),
    segment: select(
      'segment',
      keeping([['', 'Anyone'], ...segments.segments.map(choice)], j.segment?.key),
      j.segment?.key ?? '',
    ),
    segmentIn: select(
      'segment-in',
      [
        ['in', 'Only people in the segment'],
        ['out', 'Only people not in the segment'],
      ],
      j.segment?.in === false ? 'out' : 'in',
    ),
    delay: input('delay', j.delay, { autocomplete: 'off', placeholder: '1h', class: 'short' }),
    unlessEvent: input('unless-event', j.unless?.event, {
      list: 'journey-events',
      placeholder: 'Order Completed',
    }),
    goal: select(
      'goal',
      keeping([['', 'None: not measured'], ...goals.goals.map(choice)], j.goal),
      j.goal ?? '',
    ),
    goalWindow: input('goal-window', j.goalWindow ?? '7d', { autocomplete: 'off', class: 'short' }),
    destination: select(
      'destination',
      keeping(dests.destinations.map(choice), j.action?.destination),
      j.action?.destination,
    ),
    template: select('template', [], undefined),
    holdout: input('holdout', j.holdout ?? 0.1, {
      type: 'number',
      min: '0',
      max: '0.5',
      step: '0.01',
      class: 'short',
    }),
    reentry: select('reentry', REENTRY, j.reentry ?? 'again'),
  }
  const enabled = checkbox(
    'enabled',
    j.enabled !== false,
    'Enabled: off lets nobody new in; waiting entries still go',
  )
  const triggerWhere = conditionBuilder({ label: 'Trigger condition', value: j.trigger?.where })
  const unlessWhere = conditionBuilder({ label: 'Unless condition', value: j.unless?.where })

  /** @type {Record<string, Spot>} */
  const spots = {}
  /** A labelled field whose refusals show below it. @param {string} path the config's @param {string} label @param {HTMLElement} control @param {string} [hint] */
  const place = (path, label, control, hint) => {
    const [box, spot] = checkedField(label, control, hint)
    spots[path] = spot
    return box
  }
  /** A condition builder with its hint and the box its refusals show in. @param {string} path @param {{ element: HTMLElement }} builder */
  const placeCondition = (path, builder) => {
    const box = errorBox(`journey-${path.replace('.', '-')}-error`)
    builder.element.append(h('p', { class: 'hint' }, WHERE_HINT), box)
    spots[path] = { control: builder.element, box }
    return builder.element
  }

  /** The destination chosen, with its kind and own templates. */
  const chosen = () => dests.destinations.find((d) => d.key === f.destination.value)?.config
  /** An email destination's templates: the built-in ones and its own, keeping the one chosen. */
  const shapeTemplates = () => {
    const d = chosen()
    const email = d?.kind === 'email'
    const was = f.template.value || j.action?.template
    const own = Object.keys(d?.templates ?? {}).filter((t) => !BUILT_IN_TEMPLATES.includes(t))
    const options = keeping(
      [...BUILT_IN_TEMPLATES, ...own].map((t) => /** @type {[string, string]} */ ([t, t])),
      email ? was : undefined,
    )
    f.template.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)))
    if (was && options.some(([v]) => v === was)) f.template.value = was
    showField(f.template, email)
  }
  const shapeSegment = () => showField(f.segmentIn, f.segment.value !== '')
  f.destination.addEventListener('change', shapeTemplates)
  f.segment.addEventListener('change', shapeSegment)

  const save = () => {
    clearSpots(spots)
    const unlessEvent = textOf(f.unlessEvent)
    const unlessCondition = unlessWhere.read()
    return Promise.resolve()
      .then(() =>
        saveItem({
          site: ctx.site.id,
          resource: 'journeys',
          key: isNew ? f.key.value.trim() : /** @type {string} */ (key),
          config: compact({
            ...j,
            name: textOf(f.name),
            description: textOf(f.description),
            enabled: /** @type {HTMLInputElement} */ (enabled.querySelector('input')).checked,
            trigger: compact({ event: f.triggerEvent.value.trim(), where: triggerWhere.read() }),
            segment: f.segment.value ? { key: f.segment.value, in: f.segmentIn.value === 'in' } : undefined,
            delay: f.delay.value.trim(),
            // A condition without its event is refused beside the event's field.
            unless:
              unlessEvent || unlessCondition
                ? compact({ event: unlessEvent ?? '', where: unlessCondition })
                : undefined,
            goal: f.goal.value || undefined,
            goalWindow: textOf(f.goalWindow),
            action: compact({
              destination: f.destination.value,
              template: chosen()?.kind === 'email' ? f.template.value || undefined : undefined,
            }),
            holdout: numberOf(f.holdout),
            reentry: f.reentry.value,
          }),
          etag,
          isNew,
        }),
      )
      .catch((err) => markSpots(spots, err))
  }

  const form = editForm({
    label: isNew ? 'New journey' : `Journey ${key}`,
    submit: isNew ? 'Create journey' : 'Save journey',
    children: [
      eventList,
      isNew && place('key', 'Key', f.key, 'Lowercase letters, digits, "-" or "_"; it never changes.'),
      place('name', 'Name', f.name, 'Shown in this dashboard; empty: the key.'),
      place('description', 'Description', f.description),
      enabled,
      h(
        'fieldset',
        {},
        h('legend', {}, 'When'),
        place('trigger.event', 'Trigger event', f.triggerEvent, EVENT_HINT),
        placeCondition('trigger.where', triggerWhere),
        h(
          'div',
          { class: 'repeat-row' },
          place('segment.key', 'Segment', f.segment, 'Checked when the message is due.'),
          place('segment.in', 'Who', f.segmentIn),
        ),
        place('reentry', 'Re-entry', f.reentry, 'Whether a person may enter this journey again.'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Wait'),
        place('delay', 'Delay', f.delay, `How long after the trigger the message goes. ${DURATION}`),
        place(
          'unless.event',
          'Unless event',
          f.unlessEvent,
          'The entry ends without a message when this event comes first. Empty: nothing ends it early.',
        ),
        placeCondition('unless.where', unlessWhere),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Then'),
        place(
          'action.destination',
          'Destination',
          f.destination,
          'Email sends a template; the others get a Journey Message event.',
        ),
        place(
          'action.template',
          'Template',
          f.template,
          'Built-in, or the destination’s own, in English and Chinese.',
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Measure'),
        h(
          'div',
          { class: 'repeat-row' },
          place('goal', 'Goal', f.goal, 'Reaching it ends the entry; results compare it with the holdout.'),
          place('goalWindow', 'Goal window', f.goalWindow, 'After entering. 7d when empty.'),
          place(
            'holdout',
            'Holdout',
            f.holdout,
            '0–0.5: the share of entries that get nothing, to compare with.',
          ),
        ),
      ),
    ],
    save,
    saved: ({ body }) => {
      location.hash = `#/journeys/${enc(/** @type {{ key: string }} */ (body).key)}`
    },
  })
  form.classList.add('journey-edit')
  // Only once the fields are in their boxes can the choices hide what they do not use.
  shapeTemplates()
  shapeSegment()
  ctx.main.append(form)
  if (!isNew)
    ctx.main.append(
      deletePart(ctx, {
        resource: 'journeys',
        noun: 'journey',
        key: /** @type {string} */ (key),
        etag,
        what: 'Nobody enters it any more, and its waiting entries are skipped, not sent.',
      }),
    )
}
