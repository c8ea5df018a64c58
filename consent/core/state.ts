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
  /**
   * The secret that proves the id is this browser's (the collector keeps only its hash and refuses
   * records for the id without it); '' until a first choice.
   */
  key: string
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
  /** Applies the site's settings once its config has arrived; a stored choice may no longer hold. */
  configure(settings: ConsentSettings): void
  granted(purpose: Purpose): boolean
  /** Records a choice; purposes left out keep their current value; `necessary` is always on. */
  set(purposes: Partial<Purposes>, source?: ConsentSource): ConsentState
  /** Grants every purpose, except marketing when the browser sends Global Privacy Control. */
  acceptAll(source?: ConsentSource): ConsentState
  rejectAll(source?: ConsentSource): ConsentState
  /** Calls fn after each change; returns a function that stops it. */
  on(event: 'change', fn: ConsentListener): () => void
}

export interface ConsentSettings {
  /** The site's policy revision; a stored choice from a lower one asks again. */
  version?: number
  /** How long a choice holds, in days (default about 6 months). */
  maxAgeDays?: number
  /**
   * opt-in (default): only necessary until the visitor grants more; inaction is refusal.
   * opt-out (US-style): every purpose on until refused, but marketing (sale/sharing) off under GPC.
   */
  mode?: 'opt-in' | 'opt-out'
  /** The browser's Global Privacy Control signal (navigator.globalPrivacyControl). */
  gpc?: boolean
}

export interface ConsentOptions extends ConsentSettings {
  persistence: ConsentPersistence
  now: () => number
  newId: () => string
}

const DAY = 86_400_000

const all = (value: boolean): Purposes => ({
  necessary: true,
  analytics: value,
  personalization: value,
  marketing: value,
})

const defaultState = ({ version = 1, mode, gpc }: ConsentSettings): ConsentState => ({
  id: '',
  key: '',
  version,
  purposes: mode === 'opt-out' ? { ...all(true), marketing: !gpc } : all(false),
  source: 'default',
  updatedAt: 0,
  expiresAt: 0,
})

const samePurposes = (a: Purposes, b: Purposes) => PURPOSES.every((p) => a[p] === b[p])

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
      key: typeof s.key === 'string' ? s.key : '',
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

/**
 * The id and secret of a stored choice even when it no longer holds (an older policy revision): a
 * new choice keeps them, so the browser's history stays one. An id stored without a secret (made
 * before ids were bound) cannot be proven: the next choice starts a new one.
 */
const ownIdOf = (raw: string | null): Pick<ConsentState, 'id' | 'key'> | undefined => {
  try {
    const s = JSON.parse(raw ?? 'null') as Partial<ConsentState> | null
    if (typeof s?.id === 'string' && typeof s.key === 'string' && s.id && s.key)
      return { id: s.id, key: s.key }
  } catch {}
  return undefined
}

export const createConsentStore = ({ persistence, now, newId, ...initial }: ConsentOptions): ConsentStore => {
  let settings: ConsentSettings = initial
  const load = () => decodeConsent(persistence.load(), settings.version ?? 1, now()) ?? defaultState(settings)
  let state = load()
  const listeners = new Set<ConsentListener>()
  const emit = (previous: ConsentState) => {
    for (const fn of listeners) fn(state, previous)
  }

  const set = (purposes: Partial<Purposes>, source: ConsentSource = 'api') => {
    const previous = state
    const at = now()
    const own = (previous.key ? previous : ownIdOf(persistence.load())) ?? { id: newId(), key: newId() }
    state = {
      ...own,
      version: settings.version ?? 1,
      purposes: { ...previous.purposes, ...purposes, necessary: true },
      source,
      updatedAt: at,
      expiresAt: at + (settings.maxAgeDays ?? 182) * DAY,
    }
    persistence.save(JSON.stringify(state), state.expiresAt)
    emit(previous)
    return state
  }

  const get = () => {
    // A choice that expired while the page was open asks again, and nothing runs meanwhile.
    if (state.expiresAt !== 0 && state.expiresAt <= now()) {
      const previous = state
      state = defaultState(settings)
      if (!samePurposes(previous.purposes, state.purposes)) emit(previous)
    }
    return state
  }

  return {
    get,
    configure(next) {
      settings = { ...settings, ...next }
      const previous = state
      state = load()
      if (!samePurposes(previous.purposes, state.purposes)) emit(previous)
    },
    granted: (purpose) => get().purposes[purpose],
    set,
    acceptAll: (source) => set({ ...all(true), marketing: !settings.gpc }, source),
    rejectAll: (source) => set(all(false), source),
    on: (_event, fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
  }
}
