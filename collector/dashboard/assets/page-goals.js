// Goals: what counts as a conversion on the site, an event (with a condition on its properties and
// the property holding its value) or a page path pattern. Listed, created, edited, with history.
import { enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice, table } from './dom.js'
import {
  compact,
  editForm,
  field,
  input,
  itemLinks,
  listPath,
  loadItem,
  mayEdit,
  saveItem,
  select,
  textarea,
  textOf,
} from './edit.js'

/**
 * @typedef {{ name?: string, description?: string, event?: string, where?: Record<string, unknown>, page?: string, revenue?: string }} Goal
 */

/** @param {Goal} g */
const whatOf = (g) =>
  g.page ? `page ${g.page}` : `event ${g.event ?? ''}${g.where ? ' (with a condition)' : ''}`

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  /** @type {{ goals: { key: string, config: Goal }[] }} */
  const d = await ctx.get(listPath('goals', ctx.site.id))
  if (ctx.signal.aborted) return
  const editable = mayEdit('config')
  ctx.main.append(
    h('h2', {}, 'Goals'),
    h(
      'p',
      { class: 'muted' },
      'What counts as a conversion: an event (optionally with a condition and a value) or a visit to pages matching a pattern.',
    ),
    editable ? h('p', { class: 'toolbar' }, h('a', { href: '#/goals/new' }, 'New goal')) : '',
    d.goals.length === 0 ? notice('This site has no goals yet.') : '',
    h(
      'div',
      { class: 'table-wrap' },
      table({
        caption: 'Goals',
        columns: ['Goal', 'Key', 'Counts', 'Value', 'Changes'],
        rows: d.goals.map(({ key, config: g }) => [
          g.name ?? key,
          h('code', {}, key),
          whatOf(g),
          g.revenue ?? '',
          h(
            'span',
            { class: 'item-links' },
            editable && h('a', { href: `#/goals/${enc(key)}/edit`, 'aria-label': `Edit ${key}` }, 'Edit'),
            h('a', { href: `#/history/goals/${enc(key)}`, 'aria-label': `History of ${key}` }, 'History'),
          ),
        ]),
      }),
    ),
  )
}

/** @param {import('./api.js').PageContext} ctx */
export const renderEdit = async (ctx) => {
  const key = ctx.params[0]
  const isNew = key === undefined
  ctx.main.append(
    h('h2', {}, isNew ? 'New goal' : `Edit goal ${key}`),
    itemLinks('#/goals', isNew ? undefined : `#/history/goals/${enc(key)}`),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read goals but not change them.'))
    return
  }
  const { config = {}, etag } = await loadItem(ctx, 'goals', key)
  if (ctx.signal.aborted) return
  const goal = /** @type {Goal} */ (config)
  const keyInput = input('key', key, { autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_\\-]{0,63}' })
  const name = input('name', goal.name)
  const description = textarea('description', goal.description)
  const kind = select(
    'kind',
    [
      ['event', 'An event'],
      ['page', 'A page visit'],
    ],
    goal.page ? 'page' : 'event',
  )
  const event = input('event', goal.event, { placeholder: 'Order Completed' })
  const revenue = input('revenue', goal.revenue, { placeholder: 'revenue' })
  const page = input('page', goal.page, { placeholder: '/checkout/thanks*' })
  const where = conditionBuilder({ label: 'Only when its properties match', value: goal.where })
  const eventPart = h(
    'div',
    { class: 'goal-event' },
    field('Event name', event),
    where.element,
    field('Value property', revenue, 'A numeric property holding the value (revenue); empty for none.'),
  )
  const pagePart = h(
    'div',
    { class: 'goal-page' },
    field('Page path', page, '"*" matches anything; starts with "/".'),
  )
  const shape = () => {
    eventPart.hidden = kind.value !== 'event'
    pagePart.hidden = kind.value !== 'page'
  }
  kind.addEventListener('change', shape)
  shape()

  ctx.main.append(
    editForm({
      label: isNew ? 'New goal' : `Goal ${key}`,
      submit: isNew ? 'Create goal' : 'Save goal',
      children: [
        isNew && field('Key', keyInput, 'Lowercase letters, digits, "-" or "_".'),
        field('Name', name),
        field('Description', description),
        field('It counts', kind),
        eventPart,
        pagePart,
      ],
      save: () => {
        const { name: _n, description: _d, event: _e, where: _w, page: _p, revenue: _r, ...rest } = goal
        const byEvent = kind.value === 'event'
        return saveItem({
          site: ctx.site.id,
          resource: 'goals',
          key: isNew ? keyInput.value.trim() : /** @type {string} */ (key),
          config: compact({
            ...rest,
            name: textOf(name),
            description: textOf(description),
            event: byEvent ? textOf(event) : undefined,
            where: byEvent ? where.read() : undefined,
            revenue: byEvent ? textOf(revenue) : undefined,
            page: byEvent ? undefined : textOf(page),
          }),
          etag,
          isNew,
        })
      },
      saved: () => {
        location.hash = '#/goals'
      },
    }),
  )
}
