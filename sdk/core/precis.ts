import type { ConsentStore } from '../../consent/core/state.ts'
import {
  createOutbox,
  memoryOutboxStore,
  type Outbox,
  type OutboxOptions,
  type OutboxStats,
} from './outbox.ts'
import { createTracker, type Tracker, type TrackerDeps } from './tracker.ts'
import type { Transport } from './types.ts'

/** The public API: window.precis in the script tag, createPrecis() in the ESM package. */
export interface Precis extends Omit<Tracker, 'at'> {
  consent: Pick<ConsentStore, 'get' | 'set' | 'acceptAll' | 'rejectAll' | 'on'> & {
    /** Opens the preferences dialog (once the site config has arrived). */
    open(): void
  }
  /** Sends what is waiting now. */
  flush(): Promise<void>
  /** Delivery counters: events waiting, sent, and dropped (over the bounds, too old, refused). */
  stats(): OutboxStats
  /** Runs fn with the loaded SDK (queued by the snippet when called before the script loaded). */
  ready(fn: (precis: Precis) => void): void
  /** The visitor's segments now (with personalization consent; none otherwise). */
  segments(): string[]
  /** Calls fn whenever the visitor's segments change; returns a function that stops it. */
  on(event: 'segments', fn: (segments: string[]) => void): () => void
  /**
   * The visitor's variation of an experiment, once decided: the control without personalization
   * consent, null for an unknown experiment.
   */
  variant(key: string): Promise<string | null>
}

export type SnippetCall = [method: string, args: unknown[], at?: number]

export interface PrecisDeps extends Omit<TrackerDeps, 'outbox' | 'consent'> {
  consent: ConsentStore
  transport: Transport
  /** A number in [0, 1) (retry jitter). */
  random: () => number
  /** Opens the consent preferences UI, where there is one. */
  openPreferences?: () => void
  /** The outbox's store (default: memory), lock, bounds and timing. */
  outbox?: Partial<Omit<OutboxOptions, 'transport' | 'clock' | 'random' | 'enabled'>>
  /** Segment memberships, where personalization runs. */
  personalization?: Pick<Precis, 'segments' | 'variant'> & {
    on(fn: (segments: string[]) => void): () => void
  }
}

export const createPrecis = (
  deps: PrecisDeps,
): Precis & { replay(calls: readonly SnippetCall[]): void; outbox: Outbox } => {
  const { consent } = deps
  const analytics = () => consent.get().purposes.analytics
  const outbox = createOutbox({
    store: memoryOutboxStore(),
    ...deps.outbox,
    transport: deps.transport,
    clock: deps.clock,
    random: deps.random,
    enabled: analytics,
  })
  const tracker = createTracker({ ...deps, outbox })
  // Events left by earlier pages go out once analytics is (or becomes) granted.
  consent.on('change', (state, previous) => {
    if (state.purposes.analytics && !previous.purposes.analytics) void outbox.flush()
  })
  const api: Precis = {
    page: tracker.page,
    track: tracker.track,
    identify: tracker.identify,
    group: tracker.group,
    alias: tracker.alias,
    reset: tracker.reset,
    user: tracker.user,
    flush: outbox.flush,
    stats: outbox.stats,
    ready: (fn) => fn(api),
    segments: () => deps.personalization?.segments() ?? [],
    on: (_event, fn) => deps.personalization?.on(fn) ?? (() => {}),
    variant: (key) => deps.personalization?.variant(key) ?? Promise.resolve(null),
    consent: {
      get: consent.get,
      set: consent.set,
      acceptAll: consent.acceptAll,
      rejectAll: consent.rejectAll,
      on: consent.on,
      open: () => deps.openPreferences?.(),
    },
  }
  const methods = api as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>
  return {
    ...api,
    outbox,
    /** Replays the snippet's queue in order, each call stamped with the time it was made. */
    replay(calls) {
      for (const [method, args, at] of calls) {
        const fn = methods[method]
        if (typeof fn !== 'function') continue
        const call = () => fn.apply(api, args)
        at === undefined ? call() : tracker.at(at, call)
      }
    },
  }
}
