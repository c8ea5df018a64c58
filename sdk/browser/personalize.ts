import type { ConsentStore } from '../../consent/core/state.ts'
import type { Observed } from '../core/tracker.ts'
import type { Clock } from '../core/types.ts'
import type { Personalization } from '../rules/personalization-schema.ts'

/** The site's personalization config, cached (with consent) so the next page decides at once. */
export const CACHE_KEY = 'precis.personalize'
/** The local history and what it needs (traits, the holdout seed). */
export const HISTORY_DB = 'precis-personalize'
/** The style that keeps slots with a possible variant hidden until decided (the snippet adds it). */
export const HIDE_ID = 'precis-hide'

export interface PersonalizerOptions {
  win: Window
  config: Personalization
  clock: Clock
  track(event: string, properties: Record<string, unknown>): void
  user(): { anonymousId: string | null; userId: string | null }
  /** Memberships changed. */
  changed(segments: string[]): void
}

/** What the chunk (dist/p-personalize.js) gives back. */
export interface Personalizer {
  record(event: Observed): void
  segments(): string[]
  configure(config: Personalization): void
  /** Withdrawal: empties and closes the history, so the database can be deleted. */
  stop(): Promise<void>
}

export type StartPersonalizer = (options: PersonalizerOptions) => Personalizer

const active = (p: Personalization | undefined): p is Personalization =>
  !!p && (Object.keys(p.segments ?? {}).length > 0 || Object.keys(p.slots ?? {}).length > 0)

/**
 * Hides the slots that may change, unless the page was already painted: a slot the visitor has
 * seen keeps its baseline rather than flash. The snippet does the same before any paint.
 */
export const hideSlots = (win: Window, slots: Personalization['slots'], painted: boolean) => {
  const doc = win.document
  const names = Object.keys(slots).filter((k) => /^[\w-]+$/.test(k))
  if (painted || !names.length || doc.getElementById(HIDE_ID)) return
  const style = doc.createElement('style')
  style.id = HIDE_ID
  style.textContent = `${names.map((k) => `[data-precis-slot="${k}"]:not([data-precis-ready])`)}{visibility:hidden}`
  doc.head.append(style)
  win.setTimeout(() => style.remove(), Math.max(...names.map((k) => slots[k]!.timeout)))
}

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
  options: Omit<PersonalizerOptions, 'win' | 'config' | 'changed'>,
) => {
  const granted = () => consent.get().purposes.personalization
  const storage = () => win.localStorage
  const listeners = new Set<(segments: string[]) => void>()
  let latest: Personalization | undefined
  let started: Personalizer | undefined
  let loading = false
  let waiting: Observed[] = []

  const start = (config: Personalization) => {
    if (!granted() || loading || !active(config)) return
    loading = true
    const painted = win.performance.getEntriesByType('paint').length > 0
    hideSlots(win, config.slots, painted)
    load().then(
      (chunk) => {
        if (!granted()) return
        started = chunk({
          ...options,
          win,
          // The collector's config may have arrived while the chunk loaded: it is the newer one.
          config: latest ?? config,
          changed: (s) => {
            for (const fn of listeners) fn(s)
          },
        })
        for (const e of waiting) started.record(e)
        waiting = []
      },
      () => win.document.getElementById(HIDE_ID)?.remove(),
    )
  }
  const cached = () => {
    try {
      return JSON.parse(storage().getItem(CACHE_KEY) ?? 'null') as Personalization | null
    } catch {
      return null
    }
  }
  const purge = () => {
    win.document.getElementById(HIDE_ID)?.remove()
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
    loading = false
    waiting = []
  }

  if (granted()) {
    const config = cached()
    if (config) start(config)
  } else if (cached()) purge() // consent expired or was refused elsewhere: nothing may stay

  const configure = (config: Personalization) => {
    latest = config
    if (!granted()) return
    try {
      // Only a config with something to decide is kept; one without leaves nothing behind.
      if (active(config)) storage().setItem(CACHE_KEY, JSON.stringify(config))
      else storage().removeItem(CACHE_KEY)
    } catch {
      // Without the cache, the next page decides once the config arrives (and shows baselines).
    }
    if (started) started.configure(config)
    else start(config)
  }
  consent.on('change', (state, previous) => {
    if (state.purposes.personalization && !previous.purposes.personalization && latest) configure(latest)
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
    on(fn: (segments: string[]) => void) {
      listeners.add(fn)
      return () => void listeners.delete(fn)
    },
  }
}
