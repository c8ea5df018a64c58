import type { ConsentStore } from '../../../consent/core/state.ts'
import type { Observed } from '../../core/tracker.ts'
import type { Clock } from '../../core/types.ts'
import type { Experiment } from '../../rules/experiment-schema.ts'
import type { Personalization } from '../../rules/personalization-schema.ts'
import { type Decidable, decidable, hideTargets, hiding, unhide } from './hide.ts'
import { applyPlan, applyPreview, type Plan } from './plan.ts'

/**
 * The site's personalization config, cached (with consent) so the next page decides at once, and
 * beside it (as `plan`) what the last page decided for the next one.
 */
export const CACHE_KEY = 'precis.personalize'
/** The local history and what it needs (traits, the holdout seed). */
export const HISTORY_DB = 'precis-personalize'
export interface PersonalizerOptions {
  win: Window
  config: Decidable
  clock: Clock
  track(event: string, properties: Record<string, unknown>): void
  user(): { anonymousId: string | null; userId: string | null }
  /** Memberships changed. */
  changed(segments: string[]): void
  /** What this page applied before the chunk came (undefined: nothing). */
  plan?: Plan
  /** Keeps what the next page shows, if `config` is still the cached one. */
  savePlan(config: Decidable, plan: Plan): void
}

/** What the chunk (dist/p-personalize.js) gives back. */
export interface Personalizer {
  record(event: Observed): void
  segments(): string[]
  /** The variation key of an experiment for this visitor, once decided (null: no such experiment). */
  variant(key: string): Promise<string | null>
  configure(config: Decidable): void
  /** Withdrawal: empties and closes the history, so the database can be deleted. */
  stop(): Promise<void>
}

export type StartPersonalizer = (options: PersonalizerOptions) => Personalizer

const same = (a: Decidable, b: Decidable) => JSON.stringify(a) === JSON.stringify(b)

const active = (d: Decidable | undefined | null): d is Decidable =>
  !!d && (Object.keys(d.segments ?? {}).length > 0 || d.hide?.length > 0 || d.experiments?.length > 0)

/**
 * The part of personalization every page carries: with personalization consent, it loads the
 * chunk as soon as a cached config says there is something to decide, feeds it the page's calls,
 * and answers segments(). Without it, nothing is stored, loaded or evaluated; withdrawal deletes
 * the history and the cache.
 */
export const startPersonalization = (
  win: Window,
  consent: Pick<ConsentStore, 'get' | 'on'>,
  load: () => Promise<StartPersonalizer>,
  options: Omit<PersonalizerOptions, 'win' | 'config' | 'changed' | 'plan' | 'savePlan'>,
) => {
  const granted = () => consent.get().purposes.personalization
  const storage = () => win.localStorage
  const listeners = new Set<(segments: string[]) => void>()
  let latest: Decidable | undefined
  let loaded: Promise<Personalizer | undefined> | undefined
  let arrived = () => {}
  const configured = new Promise<void>((done) => {
    arrived = done
  })
  const control = (key: string) => latest?.experiments.find((e) => e.key === key)?.variations[0]?.key ?? null
  let started: Personalizer | undefined
  let loading = false
  let waiting: Observed[] = []

  const start = (config: Decidable, plan?: Plan) => {
    if (!granted() || loading || !active(config)) return
    loading = true
    const painted = win.performance.getEntriesByType('paint').length > 0
    hideTargets(win, config, painted)
    if (plan && !applyPlan(win, config, plan, () => hiding(win.document))) plan = undefined
    loaded = load().then(
      (chunk) => {
        if (!granted()) return undefined
        started = chunk({
          ...options,
          win,
          // The collector's config may have arrived while the chunk loaded: it is the newer one.
          config: latest ?? config,
          changed: (s) => {
            for (const fn of listeners) fn(s)
          },
          plan,
          savePlan: (used, next) => {
            const kept = cached()
            if (granted() && kept && same(kept.config, used)) save(used, next)
          },
        })
        for (const e of waiting) started.record(e)
        waiting = []
        return started
      },
      () => {
        unhide(win.document)
        return undefined
      },
    )
  }
  const cached = () => {
    try {
      const found = JSON.parse(storage().getItem(CACHE_KEY) ?? 'null') as (Decidable & { plan?: Plan }) | null
      if (!found) return null
      const { plan, ...config } = found
      return { config: config as Decidable, plan }
    } catch {
      return null
    }
  }
  const save = (config: Decidable, plan?: Plan) => {
    try {
      storage().setItem(CACHE_KEY, JSON.stringify(plan ? { ...config, plan } : config))
    } catch {
      // Without the cache, the next page decides once the config arrives (and shows baselines).
    }
  }
  const purge = () => {
    unhide(win.document)
    const deleteAll = () => {
      try {
        storage().removeItem(CACHE_KEY)
        win.indexedDB.deleteDatabase(HISTORY_DB)
      } catch {
        // Storage blocked: nothing was kept either.
      }
    }
    deleteAll()
    // An open history would hold the deletion back: close it, then delete again.
    started?.stop().then(deleteAll, deleteAll)
    started = undefined
    loaded = undefined
    loading = false
    waiting = []
  }

  if (granted()) {
    const found = cached()
    if (found) start(found.config, found.plan)
  } else if (cached()) purge() // consent expired or was refused elsewhere: nothing may stay

  const configure = (p: Personalization, experiments?: Experiment[]) => {
    const config = decidable(p, experiments)
    latest = config
    arrived()
    // A preview link needs no consent: it shows public content and keeps nothing.
    applyPreview(win, p.slots)
    if (!granted()) return
    // Only a config with something to decide is kept; one without leaves nothing behind. The plan
    // stays only while the config it was made with does.
    const kept = cached()
    if (!active(config)) {
      try {
        storage().removeItem(CACHE_KEY)
      } catch {
        // Storage blocked: nothing is kept either.
      }
    } else if (!kept || !same(kept.config, config)) save(config)
    if (started) started.configure(config)
    else start(config)
  }
  consent.on('change', (state, previous) => {
    if (state.purposes.personalization && !previous.purposes.personalization && latest)
      configure(latest, latest.experiments)
    else if (!state.purposes.personalization && previous.purposes.personalization) purge()
  })

  return {
    configure,
    record(event: Observed) {
      if (started) started.record(event)
      // Calls before the chunk (or the first config) arrives wait for it, a few of them.
      else if (granted() && waiting.length < 100) waiting.push(event)
    },
    /** The current memberships; undefined without consent (nothing to stamp on events). */
    stamp: () => (granted() && started ? started.segments() : undefined),
    segments: () => (granted() && started?.segments()) || [],
    /** Without consent (or before the chunk), the control: nothing is decided, nothing logged. */
    async variant(key: string): Promise<string | null> {
      // On a first page the collector's config says whether there is anything to decide.
      if (!loaded) await configured
      const chunk = granted() ? await loaded : undefined
      return chunk && granted() ? chunk.variant(key) : control(key)
    },
    on(fn: (segments: string[]) => void) {
      listeners.add(fn)
      return () => void listeners.delete(fn)
    },
  }
}
