import { describe, expect, it } from 'vitest'
import { experimentSchema } from '../../rules/experiment-schema.ts'
import { runExperiments } from './experiments.ts'
import { HIDE_MARK } from './hide.ts'
import { PLANNED } from './plan.ts'

/** Just the element parts the experiments touch. */
class FakeElement {
  attributes = new Map<string, string>()
  classes = new Set<string>()
  classList = { add: (c: string) => this.classes.add(c) }
  constructor(readonly selector: string) {}
  hasAttribute(name: string) {
    return this.attributes.has(name)
  }
  getAttribute(name: string) {
    return this.attributes.get(name) ?? null
  }
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value)
  }
}

/** A page: elements found by their selector, the hide sheet on or off, DOM changes on demand. */
const fakePage = (search = '') => {
  const elements: FakeElement[] = []
  const sheet = { [HIDE_MARK]: true }
  const observers: (() => void)[] = []
  const document = {
    adoptedStyleSheets: [] as unknown[],
    documentElement: {},
    getElementById: () => null,
    querySelectorAll: (selector: string) => elements.filter((e) => e.selector === selector),
  }
  const win = {
    document,
    location: { search },
    MutationObserver: class {
      constructor(fn: () => void) {
        observers.push(fn)
      }
      observe() {}
    },
  }
  return {
    win: win as unknown as Window,
    hide() {
      document.adoptedStyleSheets = [sheet]
    },
    unhide() {
      document.adoptedStyleSheets = []
    },
    /** The page renders an element: the observers hear of it. */
    add(selector: string, planned = false) {
      const el = new FakeElement(selector)
      if (planned) el.setAttribute(PLANNED, '')
      elements.push(el)
      for (const fn of observers) fn()
      return el
    },
  }
}

const experiment = (extra: object = {}) =>
  experimentSchema.parse({
    key: 'cta',
    status: 'running',
    bucketVersion: 3,
    variations: [
      { key: 'control' },
      { key: 'green', change: { class: { selector: '#cta', add: 'cta-green' } } },
    ],
    goals: [{ event: 'Order Completed' }],
    ...extra,
  })

const run = (
  win: Window,
  options: { shown?: Record<string, string>; extra?: object; previewed?: Map<string, string> } = {},
) => {
  const tracked: [string, Record<string, unknown>][] = []
  const exposed = new Set<string>()
  const result = runExperiments({
    win,
    experiments: [experiment(options.extra)],
    segments: [],
    attributes: { anonymousId: 'visitor-1' },
    sticky: {},
    exposed,
    ...(options.shown ? { shown: options.shown } : {}),
    ...(options.previewed ? { previewed: options.previewed } : {}),
    save: () => {},
    track: (event, properties) => tracked.push([event, properties]),
  })
  return { tracked, exposed, result }
}

describe('experiments whose targets come late', () => {
  it('logs an exposure for a target met while hidden, and nothing late', () => {
    const page = fakePage()
    page.hide()
    const el = page.add('#cta')
    const { tracked, result } = run(page.win)
    const variation = result.variant('cta')
    expect(tracked).toEqual([
      ['Experiment Viewed', { experiment_id: 'cta', variation_id: variation, bucket_version: 3 }],
    ])
    expect(el.hasAttribute('data-precis-ready')).toBe(true)
    page.unhide()
    page.add('#cta') // another one after the window: the experiment was met in time
    expect(tracked).toHaveLength(1)
  })

  it('logs Experiment Late, once per page and no exposure, for targets first met after the window', () => {
    const page = fakePage()
    const el = page.add('#cta')
    const { tracked, exposed, result } = run(page.win)
    expect(tracked).toEqual([
      ['Experiment Late', { experiment_id: 'cta', variation_id: result.variant('cta'), bucket_version: 3 }],
    ])
    expect(exposed.size).toBe(0)
    expect(el.classes.size).toBe(0) // what the visitor saw stays
    page.add('#cta')
    expect(tracked).toHaveLength(1)
    // The next page decides anew: late again there, again once.
    expect(run(page.win).tracked.map(([event]) => event)).toEqual(['Experiment Late'])
  })

  it('notices a target the page renders after the hiding window ended', () => {
    const page = fakePage()
    page.hide()
    const { tracked } = run(page.win)
    expect(tracked).toEqual([])
    page.unhide()
    page.add('#cta')
    page.add('#cta')
    expect(tracked.map(([event]) => event)).toEqual(['Experiment Late'])
  })

  it('takes what a plan showed before the first paint as an exposure, not as late', () => {
    const page = fakePage()
    page.add('#cta', true)
    page.add('#cta') // rendered later, unplanned: the experiment was already met
    const { tracked } = run(page.win, { shown: { cta: 'green' } })
    expect(tracked).toEqual([
      ['Experiment Viewed', { experiment_id: 'cta', variation_id: 'green', bucket_version: 3 }],
    ])
  })

  it('logs nothing for a QA link, a visitor outside the experiment, or one not running', () => {
    const qa = fakePage('?precis_exp=cta:green')
    qa.add('#cta')
    expect(run(qa.win).tracked).toEqual([])
    const outside = fakePage()
    outside.add('#cta')
    expect(run(outside.win, { extra: { coverage: 0 } }).tracked).toEqual([])
    const stopped = fakePage()
    stopped.add('#cta')
    expect(run(stopped.win, { extra: { status: 'stopped' } }).tracked).toEqual([])
  })

  it('logs nothing for a slot a preview link shows, and the rest as usual', () => {
    const slotChange = {
      variations: [{ key: 'control' }, { key: 'b', change: { slot: { name: 'hero', variant: 'x' } } }],
    }
    const page = fakePage('?precis_preview=hero:x')
    page.hide()
    page.add('[data-precis-slot="hero"]').setAttribute('data-precis-slot', 'hero')
    expect(run(page.win, { extra: slotChange, previewed: new Map([['hero', 'x']]) }).tracked).toEqual([])
    expect(run(page.win, { extra: slotChange }).tracked.map(([event]) => event)).toEqual([
      'Experiment Viewed',
    ])
  })
})
