// The experiment editor: creates one (#/experiments/new) or changes one (#/experiments/<key>/edit)
// through the admin API, against the version it was loaded at. The form starts from the experiment
// as written and changes only what it shows (seed, hashVersion, bucketVersion… stay as they are).
// The API judges; when a running experiment's split changes it asks whether to re-randomize
// everyone, and the page puts that question in plain words.
import { ApiError, enc } from './api.js'
import { conditionBuilder } from './conditions.js'
import { h, notice } from './dom.js'
import {
  editForm,
  field,
  input,
  itemLinks,
  listPath,
  loadItem,
  mayEdit,
  numberOf,
  saveItem,
  select,
  showField,
  textOf,
} from './edit.js'
import { equalSplit, fractionOf, metricRow, percentInput, repeater, variationRow } from './experiment-form.js'

/** @typedef {Record<string, unknown>} Json */

const REBUCKET_QUESTION =
  'This experiment is running and its split changed. Re-randomize everyone (new bucket version: results start over) or keep everyone in their variation (only new visitors follow the new split)?'

/** @type {[string, string][]} */
const STATUSES = [
  ['draft', 'Draft: not shown to anyone yet'],
  ['running', 'Running: visitors are assigned and counted'],
  ['stopped', 'Stopped: no one new is assigned'],
  ['archived', 'Archived: put away, results kept'],
]

/** @type {[string, string][]} */
const HASH_ATTRIBUTES = [
  ['anonymousId', 'The browser (anonymousId)'],
  ['userId', 'The signed-in user (userId)'],
]

/** @param {unknown} v @returns {Json[]} */
const listOf = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : [])

/** A new experiment: two variations, the first the control, and one goal to fill in. */
const BLANK = {
  variations: [
    { key: 'control', name: 'Control' },
    { key: 'b', name: 'Variation B' },
  ],
  goals: [{ event: '' }],
}

/** @param {import('./api.js').PageContext} ctx */
export const render = async (ctx) => {
  const key = ctx.params[0]
  const isNew = key === undefined
  const heading = h('h2', {}, isNew ? 'New experiment' : `Edit experiment ${key}`)
  ctx.main.append(
    heading,
    itemLinks(
      isNew ? '#/experiments' : `#/experiments/${enc(key)}`,
      isNew ? undefined : `#/history/experiments/${enc(key)}`,
    ),
  )
  if (!mayEdit('config')) {
    ctx.main.append(notice('Your role can read experiments but not change them.'))
    return
  }
  const [{ config, etag }, segmentList, goalList] = await Promise.all([
    loadItem(ctx, 'experiments', key),
    /** @type {Promise<{ segments: { key: string, config: Json }[] }>} */ (
      ctx.get(listPath('segments', ctx.site.id))
    ),
    /** @type {Promise<{ goals: { key: string, config: Json }[] }>} */ (
      ctx.get(listPath('goals', ctx.site.id))
    ),
  ])
  if (ctx.signal.aborted) return
  /** @type {Json} */
  const was = config ?? {}
  const start = /** @type {Json} */ (config ?? BLANK)
  if (!isNew) heading.textContent = `Edit experiment: ${typeof was.name === 'string' ? was.name : key}`

  const keyInput = input('key', '', { autocomplete: 'off', spellcheck: 'false', required: true })
  const name = input('name', start.name)
  const status = select('status', STATUSES, typeof start.status === 'string' ? start.status : 'draft')
  const rollout = select('rollout', [['', 'None']], undefined)
  const hashAttribute = select(
    'hashAttribute',
    HASH_ATTRIBUTES,
    typeof start.hashAttribute === 'string' ? start.hashAttribute : 'anonymousId',
  )
  const coverage = percentInput('coverage', start.coverage ?? 1)
  const ns = Array.isArray(start.namespace) ? start.namespace : []
  const nsName = input('namespace', ns[0], { autocomplete: 'off' })
  const nsStart = input('namespaceStart', ns[1], { type: 'number', step: 'any', min: '0', max: '1' })
  const nsEnd = input('namespaceEnd', ns[2], { type: 'number', step: 'any', min: '0', max: '1' })
  const condition = conditionBuilder({
    label: 'Who is eligible',
    value: /** @type {Json | undefined} */ (start.condition),
  })
  const segmentKeys = segmentList.segments.map((s) => s.key)
  if (typeof start.segment === 'string' && !segmentKeys.includes(start.segment))
    segmentList.segments.push({ key: start.segment, config: {} })
  const segment = select(
    'segment',
    [
      ['', 'No segment: everyone the condition lets in'],
      ...segmentList.segments.map(
        (s) =>
          /** @type {[string, string]} */ ([
            s.key,
            typeof s.config.name === 'string' ? `${s.config.name} (${s.key})` : s.key,
          ]),
      ),
    ],
    typeof start.segment === 'string' ? start.segment : '',
  )

  // Every goal can be counted: page goals and goals with `where` from the report rows.
  const countable = goalList.goals.map((g) => ({
    key: g.key,
    label: typeof g.config.name === 'string' ? `${g.config.name} (${g.key})` : g.key,
  }))
  const metric = (/** @type {unknown} */ item) => metricRow(item, countable)

  /** @type {import('./experiment-form.js').Repeater<ReturnType<typeof variationRow>> | undefined} */
  let variations
  /** The rollout offers the variations' keys as they are typed now. */
  const refreshRollout = () => {
    const keys = [...new Set((variations?.rows() ?? []).map((r) => r.key.value.trim()).filter(Boolean))]
    const chosen = rollout.value || (typeof start.rollout === 'string' ? start.rollout : '')
    rollout.replaceChildren(
      h('option', { value: '' }, 'None: everyone sees the page as it is'),
      ...keys.map((k) => h('option', { value: k }, k)),
    )
    rollout.value = keys.includes(chosen) ? chosen : ''
  }
  const split = h('button', { type: 'button' }, 'Split equally')
  variations = repeater({
    legend: 'Variations',
    noun: 'variation',
    items: listOf(start.variations),
    min: 2,
    max: 10,
    build: (item) => variationRow(item, ctx.site.slots ?? []),
    title: (n) => (n === 1 ? 'Variation 1 (the control)' : `Variation ${n}`),
    hint: 'The first variation is the control: the others are compared with it. Give every variation a weight in %, adding up to 100, or none for equal shares.',
    tools: [split],
    changed: refreshRollout,
  })
  split.addEventListener('click', () => {
    const rows = variations?.rows() ?? []
    equalSplit(rows.length).forEach((w, i) => {
      const row = rows[i]
      if (row) row.weight.value = String(w)
    })
  })
  variations.element.addEventListener('input', refreshRollout)
  refreshRollout()
  const goals = repeater({
    legend: 'Goals',
    noun: 'goal',
    items: listOf(start.goals),
    min: 1,
    max: 10,
    build: metric,
    hint: 'What the variations should change. The first goal is the one the plan is for.',
  })
  const guardrails = repeater({
    legend: 'Guardrails',
    noun: 'guardrail',
    items: listOf(start.guardrails),
    min: 0,
    max: 10,
    build: metric,
    hint: 'What must not get worse (e.g. refunds, errors).',
  })
  const plan = /** @type {Json} */ (typeof start.plan === 'object' && start.plan !== null ? start.plan : {})
  const mde = percentInput('mde', plan.mde ?? 0.1, { max: '1000' })
  const power = percentInput('power', plan.power ?? 0.8, { min: '50', max: '99' })

  const showRollout = () => showField(rollout, status.value === 'stopped')
  status.addEventListener('change', showRollout)

  /** The experiment as the form says it, from a copy of the one loaded. */
  const read = () => {
    /** @type {Json} */
    const out = structuredClone(was)
    /**
     * Sets a member, or leaves it out when undefined, or when it is the default and was not written.
     * @param {string} k @param {unknown} value @param {unknown} [fallback]
     */
    const set = (k, value, fallback) => {
      if (value === undefined || (value === fallback && !(k in was))) delete out[k]
      else out[k] = value
    }
    set('name', textOf(name))
    out.status = status.value
    set('rollout', status.value === 'stopped' && rollout.value ? rollout.value : undefined)
    set('hashAttribute', hashAttribute.value, 'anonymousId')
    set('coverage', fractionOf(coverage) ?? 1, 1)
    const nsText = textOf(nsName)
    set('namespace', nsText ? [nsText, numberOf(nsStart) ?? 0, numberOf(nsEnd) ?? 1] : undefined)
    set('condition', condition.read())
    set('segment', segment.value || undefined)
    out.variations = variations?.rows().map((r) => r.read()) ?? []
    out.goals = goals.rows().map((r) => r.read())
    const rails = guardrails.rows().map((r) => r.read())
    set('guardrails', rails.length === 0 && !('guardrails' in was) ? undefined : rails)
    const wasPlan = /** @type {Json} */ (typeof was.plan === 'object' && was.plan !== null ? was.plan : {})
    const nextPlan = { ...wasPlan, mde: fractionOf(mde) ?? 0.1, power: fractionOf(power) ?? 0.8 }
    const unchangedDefault =
      nextPlan.mde === 0.1 && nextPlan.power === 0.8 && Object.keys(nextPlan).length === 2
    set('plan', unchangedDefault && !('plan' in was) ? undefined : nextPlan)
    return out
  }

  /** What the form can tell before the API does. @param {Json} e @param {string} k */
  const check = (e, k) => {
    if (isNew && !k) throw new Error('Give the experiment a key.')
    const vs = /** @type {{ key: string, weight?: number }[]} */ (e.variations)
    if (vs.some((v) => !v.key)) throw new Error('Give every variation a key.')
    if (new Set(vs.map((v) => v.key)).size !== vs.length) throw new Error('Variation keys must all differ.')
    const weights = vs.map((v) => v.weight).filter((w) => w !== undefined)
    if (weights.length && weights.length !== vs.length)
      throw new Error('Give every variation a weight, or none (equal shares).')
    const sum = weights.reduce((a, b) => a + b, 0)
    if (weights.length && Math.abs(sum - 1) > 0.001)
      throw new Error(`The weights must add up to 100 % (now ${Math.round(sum * 1e4) / 100} %).`)
  }

  /** The rebucket answer to send with the next save ('' for none). */
  let answer = ''
  const question = h('div', { class: 'rebucket' })
  const ask = () => {
    const resend = (/** @type {string} */ query) => {
      answer = query
      form.requestSubmit()
    }
    question.replaceChildren(
      h(
        'div',
        { class: 'notice notice-warn', role: 'alert', 'data-code': 'rebucket_choice_required' },
        h('p', {}, REBUCKET_QUESTION),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', onclick: () => resend('&rebucket=true') }, 'Re-randomize everyone'),
          h(
            'button',
            { type: 'button', onclick: () => resend('&rebucket=false') },
            'Keep everyone in their variation',
          ),
        ),
      ),
    )
    question.scrollIntoView?.({ block: 'nearest' })
  }

  const form = editForm({
    label: isNew ? 'New experiment' : `Edit experiment ${key}`,
    submit: isNew ? 'Create the experiment' : 'Save the changes',
    children: [
      isNew &&
        field(
          'Experiment key',
          keyInput,
          'Lowercase letters, digits, "-" and "_" (up to 64); it cannot change later.',
        ),
      field('Experiment name', name),
      field('Status', status, 'An experiment that ran never goes back to draft: stop or archive it.'),
      field('Roll out to everyone', rollout, 'A stopped experiment may show its winner to everyone.'),
      field('Assign by', hashAttribute),
      field('Coverage (%)', coverage, 'Share of eligible visitors in the experiment.'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Namespace (optional)'),
        h(
          'p',
          { class: 'hint' },
          'Experiments of one namespace whose ranges do not overlap never share a visitor.',
        ),
        h(
          'div',
          { class: 'xp-fields' },
          field('Namespace name', nsName),
          field('Range start (0–1)', nsStart),
          field('Range end (0–1)', nsEnd),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Targeting'),
        condition.element,
        field('Segment', segment, 'Only people in this segment, on top of the condition.'),
      ),
      variations.element,
      goals.element,
      guardrails.element,
      h(
        'fieldset',
        {},
        h('legend', {}, 'Plan'),
        h(
          'div',
          { class: 'xp-fields' },
          field('Smallest lift worth finding (%)', mde, 'Relative lift of the first goal.'),
          field('Power (%)', power, 'The chance to find it if it is there.'),
        ),
      ),
      question,
    ],
    save: async () => {
      const query = answer
      answer = ''
      question.replaceChildren()
      const k = isNew ? keyInput.value.trim() : /** @type {string} */ (key)
      const e = read()
      check(e, k)
      try {
        const { body } = await saveItem({
          site: ctx.site.id,
          resource: 'experiments',
          key: k,
          config: e,
          etag,
          isNew,
          query,
        })
        return /** @type {{ key?: string }} */ (body).key ?? k
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'rebucket_choice_required') throw err
        ask()
        return null
      }
    },
    saved: (saved) => {
      if (saved !== null) location.hash = `#/experiments/${enc(saved)}`
    },
  })
  form.classList.add('experiment-edit')
  showRollout()
  ctx.main.append(form)
}
