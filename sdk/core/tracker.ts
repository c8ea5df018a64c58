import type { ConsentStore } from '../../consent/core/state.ts'
import { withoutClickIds } from '../rules/click-ids.ts'
import type { Outbox } from './outbox.ts'
import { createSessions, SESSION_KEY, type Session } from './session.ts'
import type { Clock, KeyValueStorage, OutgoingEvent, Properties } from './types.ts'

export const STORAGE_KEYS = {
  anonymousId: 'precis.aid',
  userId: 'precis.uid',
  session: SESSION_KEY,
  /** The collector's proof that this browser holds the anonymousId (download and delete). */
  token: 'precis.token',
  /** The messageId of the first event sent for the anonymousId: what the token is asked with. */
  first: 'precis.first',
} as const

export interface TrackerDeps {
  clock: Clock
  newId: () => string
  /** Holds the visitor's ids; touched only while analytics consent is granted. */
  storage: KeyValueStorage
  consent: Pick<ConsentStore, 'get' | 'on'>
  outbox: Pick<Outbox, 'push' | 'clear'>
  /** The page's context at the moment of a call (url, locale, library, ...). */
  context: () => Properties
  /** Properties every page call carries (Segment's page spec: path, url, referrer, title, search). */
  pageProperties?: () => Properties
  /** Calls made before analytics consent held in memory for this page; the rest are dropped. */
  maxWaiting?: number
  /** Session inactivity timeout in ms (default 30 minutes); 0 turns sessions off. */
  sessionTimeout?: number
  /** Sees every call as it is made, whatever analytics consent says (local personalization). */
  observe?: (event: Observed) => void
  /** The browser sends Global Privacy Control: stamped on every event, so no marketing destination gets it. */
  gpc?: boolean
}

/** A call as observe() sees it: its type, name, properties or traits, and time (ms). */
export interface Observed {
  type: OutgoingEvent['type']
  event?: string
  properties?: Properties
  traits?: Properties
  at: number
}

export interface Tracker {
  page(name?: string | null, properties?: Properties): void
  track(event: string, properties?: Properties): void
  /**
   * `options.userHash`: the site server's HMAC of the user id (identity verification), sent in
   * `context.userHash`; the collector checks it and never stores it.
   */
  identify(userId?: string | null | Properties, traits?: Properties, options?: { userHash?: string }): void
  group(groupId: string, traits?: Properties): void
  alias(userId: string, previousId?: string): void
  /** Forgets the user and starts a new anonymous id (e.g. on log-out). */
  reset(): void
  user(): { anonymousId: string | null; userId: string | null }
  /** Runs fn with calls stamped at `at` (calls queued by the snippet before the SDK loaded). */
  at<T>(at: number, fn: () => T): T
}

/** An event before consent gives it an anonymousId. */
type Draft = { type: OutgoingEvent['type']; previousId?: string; context: Properties } & Properties

/**
 * Builds Segment events and gates them on analytics consent. Until it is granted nothing is
 * stored and nothing is sent: calls wait in memory for this page only (so the page view that
 * precedes the visitor's "accept" still counts), and are dropped if the visitor refuses.
 */
export const createTracker = (deps: TrackerDeps): Tracker => {
  const { clock, newId, storage, consent, outbox, maxWaiting = 100 } = deps
  const allowed = () => consent.get().purposes.analytics
  // Ad click ids are marketing identifiers: without that purpose none is stored, sent or observed.
  const clickIds = () => consent.get().purposes.marketing
  let stampAt: number | undefined
  let waiting: Draft[] = []
  // Ids live in memory until consent allows storing them.
  let anonymousId: string | null = null
  let userId: string | null = null

  /** Whether the id's first messageId is kept: read once per id, not on every event. */
  let firstKept = false

  const loadIds = () => {
    const stored = storage.get(STORAGE_KEYS.anonymousId)
    if (!stored) storage.remove(STORAGE_KEYS.first)
    firstKept = !!stored && !!storage.get(STORAGE_KEYS.first)
    anonymousId = stored ?? anonymousId ?? newId()
    userId = storage.get(STORAGE_KEYS.userId) ?? userId
    storage.set(STORAGE_KEYS.anonymousId, anonymousId)
    if (userId) storage.set(STORAGE_KEYS.userId, userId)
  }

  const sessions = deps.sessionTimeout === 0 ? undefined : createSessions(storage, newId, deps.sessionTimeout)

  const push = (draft: Draft, session?: Session) => {
    const purposes = consent.get().purposes
    const aliasFrom = draft.type === 'alias' && !draft.previousId ? { previousId: anonymousId } : {}
    const campaign = session?.campaign ? { campaign: session.campaign } : {}
    if (!firstKept) {
      storage.set(STORAGE_KEYS.first, draft.messageId as string)
      firstKept = true
    }
    outbox.push({
      ...draft,
      ...aliasFrom,
      anonymousId: anonymousId!,
      context: {
        ...draft.context,
        ...campaign,
        ...(session ? { session: { id: session.id } } : {}),
        // Segment's consent spec: the purposes granted when the event was sent.
        // gpc left out (undefined) when the browser does not send it.
        consent: { categoryPreferences: { ...purposes }, gpc: deps.gpc || undefined },
      },
    } as unknown as OutgoingEvent)
  }

  /** A session event made at `at`, in the context of the event that revealed it. */
  const sessionEvent = (event: string, at: number, like: Draft, properties: Properties): Draft => ({
    ...(userId ? { userId } : {}),
    type: 'track',
    event,
    properties,
    messageId: newId(),
    timestamp: new Date(at).toISOString(),
    context: like.context,
  })

  const release = (made: Draft) => {
    // Checked when the event leaves, so the landing page view of a visitor who accepts keeps them.
    const keep = clickIds()
    const draft = keep ? made : withoutClickIds(made)
    const touch = sessions?.touch(
      Date.parse(draft.timestamp as string),
      (draft.context.page ?? {}) as Properties,
      keep,
    )
    if (touch?.ended) {
      const { ended } = touch
      const span = { duration: Math.round((ended.last - ended.start) / 1000), events: ended.events }
      push(sessionEvent('Session Ended', ended.last, draft, span), ended)
    }
    if (touch?.started) {
      const { session } = touch
      const origin = { landing_page: session.landingPage, referrer: session.referrer }
      push(sessionEvent('Session Started', session.start, draft, origin), session)
    }
    push(draft, touch?.session)
  }

  const emit = (fields: { type: OutgoingEvent['type'] } & Properties, context?: Properties) => {
    const at = stampAt ?? clock.now()
    deps.observe?.({ ...(clickIds() ? fields : withoutClickIds(fields)), at } as Observed)
    const draft: Draft = {
      ...(userId ? { userId } : {}),
      ...fields,
      messageId: newId(),
      timestamp: new Date(at).toISOString(),
      context: context ? { ...deps.context(), ...context } : deps.context(),
    }
    if (allowed()) release(draft)
    else if (waiting.length < maxWaiting) waiting.push(draft)
  }

  if (allowed()) loadIds()

  consent.on('change', (state, previous) => {
    if (previous.purposes.marketing && !state.purposes.marketing) sessions?.dropClickIds()
    if (state.purposes.analytics && !previous.purposes.analytics) {
      loadIds()
      const drafts = waiting
      waiting = []
      drafts.forEach(release)
    } else if (!state.purposes.analytics && previous.purposes.analytics) {
      // Withdrawal: nothing more leaves, and what identified the visitor is removed.
      waiting = []
      void outbox.clear()
      for (const key of Object.values(STORAGE_KEYS)) storage.remove(key)
      firstKept = false
      anonymousId = null
      userId = null
    } else if (!state.purposes.analytics) {
      waiting = [] // refused: drop what waited for the answer
    } else if (
      previous.purposes.analytics &&
      (['personalization', 'marketing'] as const).some((p) => state.purposes[p] !== previous.purposes[p])
    ) {
      // Segment's consent event, stamped with the new choice: a journey waiting on marketing ends.
      emit({ type: 'track', event: 'Segment Consent Preference Updated', properties: {} })
    }
  })

  return {
    page: (name, properties) =>
      emit({
        type: 'page',
        ...(name ? { name } : {}),
        properties: { ...deps.pageProperties?.(), ...properties },
      }),
    track: (event, properties) => emit({ type: 'track', event, properties: { ...properties } }),
    identify(id, traits, options) {
      if (id && typeof id === 'object') return this.identify(null, id, traits as typeof options)
      if (typeof id === 'string' && id) {
        userId = id
        if (allowed()) storage.set(STORAGE_KEYS.userId, id)
      }
      const userHash = options?.userHash
      emit(
        { type: 'identify', traits: { ...traits } },
        typeof userHash === 'string' ? { userHash } : undefined,
      )
    },
    group: (groupId, traits) => emit({ type: 'group', groupId, traits: { ...traits } }),
    // Without previousId, the current user (or, once known, the anonymous id) becomes the new one.
    alias: (to, previousId) =>
      emit({ type: 'alias', userId: to, previousId: previousId ?? userId ?? undefined }),
    reset() {
      userId = null
      anonymousId = allowed() ? newId() : null
      storage.remove(STORAGE_KEYS.userId)
      storage.remove(STORAGE_KEYS.first)
      firstKept = false
      if (anonymousId) storage.set(STORAGE_KEYS.anonymousId, anonymousId)
    },
    user: () => ({ anonymousId, userId }),
    at(at, fn) {
      stampAt = at
      try {
        return fn()
      } finally {
        stampAt = undefined
      }
    },
  }
}
