import type { Personalization } from '../../rules/personalization-schema.ts'
import {
  createSegmentEngine,
  type HistoryEntry,
  historyProperties,
  pickProperties,
  type SegmentEngine,
} from '../../rules/segments.ts'
import { browserAttributes } from './attributes.ts'
import { runExperiments } from './experiments.ts'
import { unhide } from './hide.ts'
import { historyStore } from './history-store.ts'
import { previews } from './plan.ts'
import { fillSlots, planSlots } from './slots.ts'
import type { StartPersonalizer } from './start.ts'

const randomHex = (win: Window) =>
  Array.from(win.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * Segments and slots in the page (the p-personalize.js chunk): loads the local history, keeps
 * memberships current on every call, fills the slots once the first memberships are known (or
 * takes what the page's plan showed), and keeps the next page's plan current.
 */
export const startPersonalizer: StartPersonalizer = (options) => {
  const { win, clock, track, user, changed, plan, savePlan } = options
  let config = options.config
  const store = historyStore(() => randomHex(win))
  const keyOf = new Map<HistoryEntry, string>()
  let engine: SegmentEngine
  let keep: string[]
  let memberships: string[] = []
  let traits: Record<string, unknown> = {}
  let ready = false
  let pending: Parameters<ReturnType<StartPersonalizer>['record']>[0][] = []
  let decided = () => {}
  const decisions = new Promise<(key: string) => string | null>((done) => {
    decided = () => done(experiments!.variant)
  })
  let experiments: ReturnType<typeof runExperiments> | undefined
  /** Experiments this visitor takes part in, as decided on this page (for the next one). */
  let planned: Record<string, string> = {}
  let seed = ''
  const quietly = (p: Promise<unknown>) => void p.catch(() => {})

  const attributes = () => browserAttributes(win, traits, user(), clock.now())
  /** What the next page shows before its first paint: this page's decisions, today's memberships. */
  const keepPlan = () => {
    if (!experiments) return
    const slots = planSlots({
      slots: config.slots,
      segments: memberships,
      seed,
      attributes: attributes(),
      overrides: experiments.slots,
    })
    savePlan(config, { experiments: planned, slots })
  }
  const evaluate = () => {
    const next = engine.evaluate(attributes(), clock.now())
    const moved = next.join() !== memberships.join()
    memberships = next
    if (moved) {
      changed(next)
      keepPlan()
    }
  }
  const forget = (removed: HistoryEntry[]) => {
    const keys = removed.map((e) => keyOf.get(e)).filter((k): k is string => !!k)
    for (const e of removed) keyOf.delete(e)
    if (keys.length) quietly(store.remove(keys))
  }
  /** (Re)builds the engine from a config, with what is remembered so far. */
  const build = (p: Personalization) => {
    const entries = ready ? engine.entries() : []
    engine = createSegmentEngine(p)
    keep = historyProperties(p)
    for (const e of entries) forget(engine.add(e, clock.now()))
  }
  build(config)

  const record: ReturnType<StartPersonalizer>['record'] = (call) => {
    if (!ready) return void pending.push(call)
    if (call.type === 'identify' && call.traits) {
      traits = { ...traits, ...call.traits }
      quietly(store.traits(traits))
    } else if (call.type === 'track' || call.type === 'page') {
      const entry: HistoryEntry = {
        e: call.type === 'page' ? 'page' : call.event!,
        t: call.at,
        p: pickProperties(call.properties, keep),
      }
      const [key, written] = store.add(entry)
      keyOf.set(entry, key)
      quietly(written)
      forget(engine.add(entry, clock.now()))
    } else return
    evaluate()
  }

  store.load().then(
    (found) => {
      traits = found.traits
      seed = found.seed ?? randomHex(win)
      if (!found.seed) quietly(store.seed(seed))
      found.entries.sort((a, b) => a[1].t - b[1].t)
      for (const [key, entry] of found.entries) {
        keyOf.set(entry, key)
        forget(engine.add(entry, clock.now()))
      }
      ready = true
      const calls = pending
      pending = []
      for (const call of calls) record(call)
      evaluate()
      const { anonymousId, userId } = user()
      const memory = found.experiments
      const exposed = new Set(memory.exposed)
      experiments = runExperiments({
        win,
        experiments: config.experiments,
        segments: memberships,
        // Without analytics there is no anonymousId: the history's own id buckets the visitor.
        attributes: { ...attributes(), anonymousId: anonymousId ?? seed, ...(userId ? { userId } : {}) },
        sticky: memory.sticky,
        exposed,
        save: () => quietly(store.experiments({ sticky: memory.sticky, exposed: [...exposed] })),
        track,
        shown: plan?.experiments,
        previewed: previews(win.location.search, config.slots),
      })
      planned = experiments.planned
      fillSlots({
        win,
        slots: config.slots,
        segments: memberships,
        seed,
        attributes: attributes(),
        track,
        overrides: experiments.slots,
        planned: plan?.slots,
      })
      // Before anyone waiting for a variant goes on (a link followed at once finds the plan kept).
      keepPlan()
      decided()
    },
    () => {
      // No IndexedDB: slots keep their baselines, experiments their controls; nothing to remember with.
      unhide(win.document)
      experiments = {
        slots: new Map(),
        planned: {},
        variant: (key) => config.experiments.find((e) => e.key === key)?.variations[0]?.key ?? null,
      }
      decided()
    },
  )

  return {
    record,
    segments: () => [...memberships],
    variant: async (key) => (await decisions)(key),
    stop: () => store.close(),
    configure(p) {
      // This page's assignments were made with the old experiments: the next page decides anew.
      if (JSON.stringify(p.experiments) !== JSON.stringify(config.experiments)) planned = {}
      config = p
      build(p)
      if (ready) evaluate()
      keepPlan()
    },
  }
}
