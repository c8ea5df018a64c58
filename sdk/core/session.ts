import { withoutClickIds } from '../rules/click-ids.ts'
import { campaignFrom } from './campaign.ts'
import type { KeyValueStorage, Properties } from './types.ts'

export const SESSION_KEY = 'precis.session'

/** What is kept of the visitor's current session (localStorage, with analytics consent only). */
export interface Session {
  id: string
  start: number
  /** Time of the latest event. */
  last: number
  /** Events in this session. */
  events: number
  /** Where it began: the campaign and referrer stay with every event of the session. */
  landingPage?: string
  referrer?: string
  campaign?: Properties
}

export interface SessionTouch {
  session: Session
  /** Set when this event begins a session. */
  started: boolean
  /** The session this event replaced (it timed out, or a new campaign arrived). */
  ended?: Session
}

const read = (storage: KeyValueStorage): Session | undefined => {
  try {
    const value = JSON.parse(storage.get(SESSION_KEY) ?? 'null')
    return value && typeof value.id === 'string' && typeof value.last === 'number' ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Sessions end after `timeout` ms without an event (30 minutes by default), and when the visitor
 * arrives from a new campaign. The state lives in storage, so the site's tabs share one session.
 */
export const createSessions = (storage: KeyValueStorage, newId: () => string, timeout = 30 * 60_000) => ({
  /**
   * `clickIds`: whether ad click ids may be kept (marketing consent). Without it the page must
   * come without them, and the stored session loses any it kept.
   */
  touch(at: number, page: { url?: unknown; referrer?: unknown }, clickIds: boolean): SessionTouch {
    const url = typeof page.url === 'string' ? page.url : ''
    const campaign = campaignFrom(url)
    const stored = read(storage)
    const current = clickIds ? stored : withoutClickIds(stored)
    const fresh =
      !current ||
      at - current.last > timeout ||
      (campaign !== undefined && JSON.stringify(campaign) !== JSON.stringify(current.campaign))
    const session: Session = fresh
      ? {
          id: newId(),
          start: at,
          last: at,
          events: 1,
          landingPage: url,
          ...(page.referrer ? { referrer: String(page.referrer) } : {}),
          ...(campaign ? { campaign } : {}),
        }
      : { ...current, last: Math.max(current.last, at), events: current.events + 1 }
    storage.set(SESSION_KEY, JSON.stringify(session))
    return { session, started: fresh, ...(fresh && current ? { ended: current } : {}) }
  },
  /** Marketing withdrawn: the stored session keeps no click id. */
  dropClickIds() {
    const stored = read(storage)
    if (stored) storage.set(SESSION_KEY, JSON.stringify(withoutClickIds(stored)))
  },
})

export type Sessions = ReturnType<typeof createSessions>
