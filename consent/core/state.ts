// The headless consent store: what the visitor allowed, persisted by an injected edge (a
// first-party cookie in browsers). The banner and preferences UI build on this, never the reverse.

export const PURPOSES = ['necessary', 'analytics', 'personalization', 'marketing'] as const
export type Purpose = (typeof PURPOSES)[number]
export type Purposes = Record<Purpose, boolean>

/** How the current choice came about. `default` means no choice: only `necessary` is on. */
export type ConsentSource = 'default' | 'api' | 'banner' | 'preferences' | 'gpc'

export interface ConsentState {
  /** Identifies this browser's consent record for proof of consent; '' until a first choice. */
  id: string
  /** The site's policy revision the choice was made under. */
  version: number
  purposes: Purposes
  source: ConsentSource
  /** Epoch ms; 0 for the default state. */
  updatedAt: number
  expiresAt: number
}

/** Where the choice lives between pages. Reading and writing the choice is strictly necessary. */
export interface ConsentPersistence {
  load(): string | null
  save(value: string, expiresAt: number): void
}

export type ConsentListener = (state: ConsentState, previous: ConsentState) => void

export interface ConsentStore {
  get(): ConsentState
  granted(purpose: Purpose): boolean
  /** Records a choice; purposes left out keep their current value; `necessary` is always on. */
  set(purposes: Partial<Purposes>, source?: ConsentSource): ConsentState
  acceptAll(source?: ConsentSource): ConsentState
  rejectAll(source?: ConsentSource): ConsentState
  /** Calls fn after each change; returns a function that stops it. */
  on(event: 'change', fn: ConsentListener): () => void
}

export interface ConsentOptions {
  persistence: ConsentPersistence
  now: () => number
  newId: () => string
  /** The site's policy revision; a stored choice from a lower one asks again. */
  version?: number
  /** How long a choice holds, in days (default about 6 months). */
  maxAgeDays?: number
}

const DAY = 86_400_000

const all = (value: boolean): Purposes => ({
  necessary: true,
  analytics: value,
  personalization: value,
  marketing: value,
})

const defaultState = (version: number): ConsentState => ({
  id: '',
  version,
  purposes: all(false),
  source: 'default',
  updatedAt: 0,
  expiresAt: 0,
})

/** Reads a stored choice; anything malformed, outdated or expired counts as no choice. */
export const decodeConsent = (raw: string | null, version: number, now: number): ConsentState | undefined => {
  if (!raw) return undefined
  try {
    const s = JSON.parse(raw) as Partial<ConsentState>
    if (typeof s.id !== 'string' || typeof s.version !== 'number' || typeof s.expiresAt !== 'number') return
    if (s.version < version || s.expiresAt <= now || !s.purposes || typeof s.purposes !== 'object') return
    const purposes = all(false)
    for (const p of PURPOSES) purposes[p] = p === 'necessary' || s.purposes[p] === true
    return {
      id: s.id,
      version: s.version,
      purposes,
      source: s.source ?? 'api',
      updatedAt: s.updatedAt ?? 0,
      expiresAt: s.expiresAt,
    }
  } catch {
    return
  }
}

export const createConsentStore = ({
  persistence,
  now,
  newId,
  version = 1,
  maxAgeDays = 182,
}: ConsentOptions): ConsentStore => {
  let state = decodeConsent(persistence.load(), version, now()) ?? defaultState(version)
  const listeners = new Set<ConsentListener>()

  const set = (purposes: Partial<Purposes>, source: ConsentSource = 'api') => {
    const previous = state
    const at = now()
    state = {
      id: previous.id || newId(),
      version,
      purposes: { ...previous.purposes, ...purposes, necessary: true },
      source,
      updatedAt: at,
      expiresAt: at + maxAgeDays * DAY,
    }
    persistence.save(JSON.stringify(state), state.expiresAt)
    for (const fn of listeners) fn(state, previous)
    return state
  }

  return {
    get: () => {
      // A choice that expired while the page was open asks again, and nothing runs meanwhile.
      if (state.expiresAt !== 0 && state.expiresAt <= now()) state = defaultState(version)
      return state
    },
    granted(purpose) {
      return this.get().purposes[purpose]
    },
    set,
    acceptAll: (source) => set(all(true), source),
    rejectAll: (source) => set(all(false), source),
    on: (_event, fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
  }
}
