import type { ConsentStore } from '../../consent/core/state.ts'
import type { VisitorRights } from '../../consent/ui/mount.ts'
import type { Precis } from '../core/precis.ts'
import { STORAGE_KEYS } from '../core/tracker.ts'
import type { KeyValueStorage } from '../core/types.ts'

/**
 * What the browser keeps of its token: the token, the anonymousId it was issued for (the token
 * names only the collector's pseudonym of it), when to renew it and when it ends (epoch ms).
 */
interface Held {
  t: string
  a: string
  r: number
  e: number
}

/**
 * The visitor's download and delete. The collector issues this browser a token for its
 * anonymousId (kept with the ids, under analytics consent); the token, never the bare id, proves
 * the data is the visitor's own. Tokens expire: past half its life, a page load trades it for a new
 * one while analytics consent holds. Withdrawing that consent gives the token back.
 */
export const visitorRights = (
  win: Pick<Window, 'fetch' | 'document' | 'setTimeout'>,
  apiHost: string,
  writeKey: () => string | undefined,
  storage: KeyValueStorage,
  precis: Pick<Precis, 'user' | 'reset'> & { outbox: { clear(): Promise<void> } },
  consent: Pick<ConsentStore, 'get' | 'on'>,
  now: () => number,
): VisitorRights & { ensureToken(): void; delivered(): void } => {
  const call = (path: string, body: object) =>
    win.fetch(`${apiHost}/v1/identity/${path}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, writeKey: writeKey() }),
      headers: { 'Content-Type': 'text/plain' },
      credentials: 'omit',
      // A withdrawal may be followed at once by a reload: the revocation must still leave.
      keepalive: true,
    })
  const read = (): Held | undefined => {
    try {
      const h = JSON.parse(storage.get(STORAGE_KEYS.token) ?? 'null') as Held | null
      return h?.t ? h : undefined
    } catch {
      return undefined // a token of the old form: ask again
    }
  }
  // In memory too: on withdrawal the tracker clears storage before this module hears of it.
  let held = consent.get().purposes.analytics ? read() : undefined
  let asking = false
  /** Asked before the id's first event was stored: ask again once a delivery went through. */
  let early = false
  let deliveries = 0
  const listeners: (() => void)[] = []

  /** The stored token of the current anonymousId, live or past its end. */
  const mine = () => {
    const id = precis.user().anonymousId
    const stored = read()
    held = stored && id && stored.a === id ? stored : undefined
    return held
  }
  const token = () => {
    const h = mine()
    return h && now() < h.e ? h.t : undefined
  }
  const keep = (a: string, { token: t, expiresAt }: { token: string; expiresAt: string }) => {
    const at = now()
    const e = Date.parse(expiresAt)
    held = { t, a, r: at + (e - at) / 2, e }
    storage.set(STORAGE_KEYS.token, JSON.stringify(held))
    for (const listener of listeners) listener()
  }
  const forget = () => {
    held = undefined
    storage.remove(STORAGE_KEYS.token)
  }

  const ensureToken = (): void => {
    if (!writeKey()) return
    if (!consent.get().purposes.analytics) {
      if (held) call('revoke', { token: held.t }).catch(() => {})
      held = undefined
      return
    }
    const h = mine()
    const at = now()
    const id = precis.user().anonymousId
    if (asking || !id || (h && at < h.r)) return
    const renewing = h && at < h.e ? h : undefined
    const firstMessageId = storage.get(STORAGE_KEYS.first)
    early = !renewing && !firstMessageId
    if (early) return
    asking = true
    const sent = deliveries
    call(
      renewing ? 'token/renew' : 'token',
      renewing ? { token: renewing.t } : { anonymousId: id, firstMessageId },
    )
      .then(async (res) => {
        asking = false
        if (res.ok) {
          const answer = await res.json()
          // Analytics withdrawn while it was asked: nothing is stored, and the token goes back.
          if (consent.get().purposes.analytics) keep(id, answer)
          else call('revoke', { token: answer.token }).catch(() => {})
        } else if (res.status === 409 && !renewing) {
          early = true
          if (deliveries > sent) ensureToken() // the first event was stored while this was asked
        }
        // Refused (revoked by an erasure, expired by the collector's clock): start again, unless
        // another tab renewed it first and kept the new one.
        else if (renewing && res.status === 403 && read()?.t === renewing.t) {
          forget()
          ensureToken()
        }
      })
      .catch(() => {
        asking = false
      })
  }
  consent.on('change', ensureToken)
  return {
    ensureToken,
    delivered: () => {
      deliveries++
      if (early) ensureToken()
    },
    available: () => token() !== undefined,
    onAvailable: (listener) => {
      listeners.push(listener)
    },
    async download() {
      const res = await call('export', { token: token() }).catch(() => undefined)
      if (!res?.ok) return false
      const link = win.document.createElement('a')
      link.href = URL.createObjectURL(new Blob([await res.text()], { type: 'application/json' }))
      link.download = 'my-data.json'
      link.click()
      win.setTimeout(() => URL.revokeObjectURL(link.href), 60_000)
      return true
    },
    async erase() {
      const res = await call('delete', { token: token() }).catch(() => undefined)
      // 404: nothing was stored; the visitor's wish holds all the same.
      if (!res || (!res.ok && res.status !== 404)) return false
      // What waits to be sent carries the erased ids: it goes too. The visitor continues as a
      // new anonymous visitor, with a new token.
      await precis.outbox.clear()
      forget()
      precis.reset()
      ensureToken()
      return true
    },
  }
}
