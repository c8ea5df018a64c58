// Creating and editing a segment: name, description and its rule (attributes and behaviour terms),
// with a live count of the profiles the rule matches now, asked of the collector as the rule changes.
import { apiCall, enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice } from './dom.js'
import {
  compact,
  editForm,
  field,
  input,
  itemLinks,
  loadItem,
  mayEdit,
  problemView,
  saveItem,
  textarea,
  textOf,
} from './edit.js'
import { count } from './format.js'

/** Wait this long after the last change before counting again: each count reads every profile. */
const PREVIEW_PAUSE_MS = 700

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const key = ctx.params[0]
  const isNew = key === undefined
  const back = isNew ? '#/segments' : `#/segments`
  ctx.main.append(
    h('h2', {}, isNew ? 'New segment' : `Edit segment ${key}`),
    itemLinks(back, isNew ? undefined : `#/history/segments/${enc(key)}`),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read segments but not change them.'))
    return
  }
  const { config = {}, etag } = await loadItem(ctx, 'segments', key)
  if (ctx.signal.aborted) return
  const keyInput = input('key', key, {
    required: true,
    pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
    autocomplete: 'off',
  })
  const name = input('name', config.name)
  const description = textarea('description', config.description)
  const rule = conditionBuilder({
    label: 'Who is in it',
    value: /** @type {Record<string, unknown> | undefined} */ (config.rule),
    behaviour: true,
    optional: false,
  })

  const preview = h('p', { class: 'preview', role: 'status', id: 'segment-preview' }, '')
  let pending = new AbortController()
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer
  const countNow = async () => {
    pending.abort()
    pending = new AbortController()
    const { signal } = pending
    preview.textContent = 'Counting the profiles that match now…'
    try {
      const payload = { rule: rule.read() ?? {} }
      /** @type {{ body: { profiles: number, profilesScanned: number } }} */
      const { body } = await apiCall(
        'POST',
        `/admin/api/sites/${enc(ctx.site.id)}/segments/preview`,
        payload,
        { signal },
      )
      if (signal.aborted) return
      preview.textContent = `${count(body.profiles)} of ${count(body.profilesScanned)} profiles match now.`
    } catch (err) {
      if (signal.aborted) return
      preview.replaceChildren(problemView(err))
    }
  }
  const later = () => {
    clearTimeout(timer)
    timer = setTimeout(() => void countNow(), PREVIEW_PAUSE_MS)
  }
  rule.element.addEventListener('input', later)
  rule.element.addEventListener('change', later)
  rule.element.addEventListener('click', (event) => {
    // Adding or removing a row changes the rule too.
    if (event.target instanceof HTMLButtonElement) later()
  })
  ctx.signal.addEventListener('abort', () => {
    clearTimeout(timer)
    pending.abort()
  })
  const countButton = h(
    'button',
    { type: 'button', onclick: () => void countNow() },
    'Count matching profiles',
  )

  const form = editForm({
    label: isNew ? 'New segment' : `Segment ${key}`,
    submit: isNew ? 'Create segment' : 'Save segment',
    children: [
      isNew && field('Key', keyInput, 'Lowercase letters, digits, "-" or "_"; rules and slots name it.'),
      field('Name', name),
      field('Description', description, 'Shown to visitors who ask why they see something.'),
      rule.element,
      h('div', { class: 'toolbar' }, countButton, preview),
    ],
    save: () =>
      saveItem({
        site: ctx.site.id,
        resource: 'segments',
        key: isNew ? keyInput.value.trim() : key,
        config: compact({
          ...config,
          name: textOf(name),
          description: textOf(description),
          rule: rule.read() ?? {},
        }),
        etag,
        isNew,
      }),
    saved: () => {
      location.hash = '#/segments'
    },
  })
  ctx.main.append(form)
  if (!isNew) void countNow()
}
