// Creating and editing a personalized slot: its holdout, hiding window and goal, and its variants
// (a segment or everyone, a priority, the content), each with a preview link that forces it.
import { apiGet, enc } from './api.js'
import { h, notice } from './dom.js'
import {
  compact,
  editForm,
  field,
  input,
  itemLinks,
  loadItem,
  mayEdit,
  numberOf,
  saveItem,
  select,
  textarea,
  textOf,
} from './edit.js'

/**
 * @typedef {{ heading?: string, text?: string, image?: { src: string, alt: string }, link?: { href: string, text: string } }} Content
 * @typedef {{ key?: string, segment?: string, priority?: number, content?: Content }} Variant
 */

const EVERYONE = ''

/** The link that shows `variant` in `slot` on `page`, whatever the visitor's segments. @param {string} page @param {string} slot @param {string} variant */
export const previewLink = (page, slot, variant) => {
  const url = new URL(page)
  url.searchParams.set('precis_preview', `${slot}:${variant}`)
  return url.toString()
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const name = ctx.params[0]
  const isNew = name === undefined
  ctx.main.append(
    h('h2', {}, isNew ? 'New slot' : `Edit slot ${name}`),
    itemLinks(isNew ? '#/slots' : `#/slots/${enc(name)}`, isNew ? undefined : `#/history/slots/${enc(name)}`),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read slots but not change them.'))
    return
  }
  const [{ config = {}, etag }, segments, site] = await Promise.all([
    loadItem(ctx, 'slots', name),
    /** @type {Promise<{ segments: { key: string, config: { name?: string } }[] }>} */ (
      ctx.get(`/admin/api/segments?site=${enc(ctx.site.id)}`)
    ),
    /** @type {Promise<{ config: { allowedOrigins?: string[] } }>} */ (
      apiGet(`/admin/api/sites/${enc(ctx.site.id)}`, ctx.signal)
    ),
  ])
  if (ctx.signal.aborted) return
  /** @type {[string, string][]} */
  const segmentOptions = [
    [EVERYONE, 'Everyone (no segment)'],
    ...segments.segments.map((s) => /** @type {[string, string]} */ ([s.key, s.config.name ?? s.key])),
  ]

  const nameInput = input('name', name, { autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_\\-]{0,63}' })
  const holdout = input('holdout', Math.round(Number(config.holdout ?? 0.05) * 1000) / 10, {
    type: 'number',
    min: '0',
    max: '50',
    step: '0.1',
  })
  const timeout = input('timeout', config.timeout ?? 300, {
    type: 'number',
    min: '0',
    max: '3000',
    step: '1',
  })
  const goal = input('goal', config.goal, { placeholder: 'Order Completed' })
  const page = input('preview-page', `${site.config.allowedOrigins?.[0] ?? location.origin}/`, {
    type: 'url',
  })

  const variantsBox = h('div', { class: 'variants' })
  /** @param {Variant} v */
  const addVariant = (v) => {
    const c = v.content ?? {}
    const n = variantsBox.children.length + 1
    const fields = {
      key: input('variant-key', v.key, { autocomplete: 'off' }),
      segment: select('variant-segment', segmentOptions, v.segment ?? EVERYONE),
      priority: input('variant-priority', v.priority ?? 0, { type: 'number', step: '1' }),
      heading: input('variant-heading', c.heading),
      text: textarea('variant-text', c.text),
      imageSrc: input('variant-image-src', c.image?.src, { placeholder: '/images/spring.jpg' }),
      imageAlt: input('variant-image-alt', c.image?.alt),
      linkHref: input('variant-link-href', c.link?.href, { placeholder: 'outdoor.html' }),
      linkText: input('variant-link-text', c.link?.text),
    }
    const remove = h('button', { type: 'button', 'aria-label': `Remove variant ${n}` }, 'Remove variant')
    // A saved variant can be looked at: the page reads the preview from the live config.
    const look =
      v.key &&
      h(
        'a',
        { class: 'preview-link', target: '_blank', rel: 'noopener', href: '#', 'data-variant': v.key },
        'Preview',
      )
    const el = h(
      'fieldset',
      { class: 'variant' },
      h('legend', {}, `Variant ${n}`),
      h(
        'div',
        { class: 'repeat-row' },
        field('Key', fields.key),
        field('Shown to', fields.segment),
        field('Priority', fields.priority, 'Higher first'),
      ),
      field('Heading', fields.heading, 'May use {{traits.firstName|friend}}'),
      field('Text', fields.text),
      h(
        'div',
        { class: 'repeat-row' },
        field('Image URL', fields.imageSrc),
        field('Image description', fields.imageAlt),
      ),
      h(
        'div',
        { class: 'repeat-row' },
        field('Link URL', fields.linkHref),
        field('Link text', fields.linkText),
      ),
      h('div', { class: 'actions' }, remove, look),
    )
    remove.addEventListener('click', () => el.remove())
    Object.assign(el, {
      /** @returns {Variant} */
      variant: () => {
        const src = textOf(fields.imageSrc)
        const href = textOf(fields.linkHref)
        return compact({
          key: fields.key.value.trim(),
          segment: fields.segment.value || undefined,
          priority: numberOf(fields.priority) ?? 0,
          content: compact({
            heading: textOf(fields.heading),
            text: textOf(fields.text),
            image: src ? { src, alt: fields.imageAlt.value.trim() } : undefined,
            link: href ? { href, text: fields.linkText.value.trim() } : undefined,
          }),
        })
      },
    })
    variantsBox.append(el)
    updateLinks()
  }
  const updateLinks = () => {
    for (const a of variantsBox.querySelectorAll('a.preview-link')) {
      const variant = a.getAttribute('data-variant') ?? ''
      try {
        a.setAttribute('href', previewLink(page.value, name ?? '', variant))
        a.removeAttribute('aria-disabled')
      } catch {
        a.setAttribute('aria-disabled', 'true')
      }
    }
  }
  page.addEventListener('input', updateLinks)
  const variants = /** @type {Variant[]} */ (Array.isArray(config.variants) ? config.variants : [])
  for (const v of variants.length ? variants : [{}]) addVariant(v)
  const addButton = h('button', { type: 'button', onclick: () => addVariant({}) }, 'Add a variant')

  const form = editForm({
    label: isNew ? 'New slot' : `Slot ${name}`,
    submit: isNew ? 'Create slot' : 'Save slot',
    children: [
      isNew &&
        field(
          'Name',
          nameInput,
          'The page marks where it goes with data-precis-slot="<name>"; lowercase, digits, "-", "_".',
        ),
      h(
        'div',
        { class: 'repeat-row' },
        field('Holdout (%)', holdout, 'Visitors who keep the baseline, so lift can be measured (0–50).'),
        field('Hiding window (ms)', timeout, 'Longest time the slot waits for its decision (0–3000).'),
        field('Goal event', goal, 'Counts as a conversion in the results.'),
      ),
      h('h3', {}, 'Variants'),
      h(
        'p',
        { class: 'hint' },
        'The first variant whose segment the visitor is in wins, higher priority first; "Everyone" matches every personalized visitor.',
      ),
      variantsBox,
      addButton,
      !isNew &&
        field(
          'Page to preview on',
          page,
          'Preview links open this page with the variant forced, for you only; nothing is logged.',
        ),
    ],
    save: () => {
      const key = isNew ? nameInput.value.trim() : /** @type {string} */ (name)
      const list = [...variantsBox.children].map((el) =>
        /** @type {{ variant: () => Variant }} */ (/** @type {unknown} */ (el)).variant(),
      )
      const holdoutShare = numberOf(holdout)
      return saveItem({
        site: ctx.site.id,
        resource: 'slots',
        key,
        config: compact({
          ...config,
          holdout: holdoutShare === undefined ? undefined : holdoutShare / 100,
          timeout: numberOf(timeout),
          goal: textOf(goal),
          variants: list,
        }),
        etag,
        isNew,
      })
    },
    saved: () => {
      location.hash = `#/slots/${enc(isNew ? nameInput.value.trim() : /** @type {string} */ (name))}`
    },
  })
  ctx.main.append(form)
}
