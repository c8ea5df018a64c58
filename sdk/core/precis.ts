import type { ConsentStore } from '../../consent/core/state.ts'
import { createQueue, type QueueOptions } from './queue.ts'
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
  /** Runs fn with the loaded SDK (queued by the snippet when called before the script loaded). */
  ready(fn: (precis: Precis) => void): void
}

export type SnippetCall = [method: string, args: unknown[], at?: number]

export interface PrecisDeps extends Omit<TrackerDeps, 'queue' | 'consent'> {
  consent: ConsentStore
  transport: Transport
  /** Opens the consent preferences UI, where there is one. */
  openPreferences?: () => void
  batching?: Pick<QueueOptions, 'maxBatch' | 'flushInterval' | 'maxPending'>
}

export const createPrecis = (deps: PrecisDeps): Precis & { replay(calls: readonly SnippetCall[]): void } => {
  const queue = createQueue({ transport: deps.transport, clock: deps.clock, ...deps.batching })
  const tracker = createTracker({ ...deps, queue })
  const { consent } = deps
  const api: Precis = {
    page: tracker.page,
    track: tracker.track,
    identify: tracker.identify,
    group: tracker.group,
    alias: tracker.alias,
    reset: tracker.reset,
    user: tracker.user,
    flush: queue.flush,
    ready: (fn) => fn(api),
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
